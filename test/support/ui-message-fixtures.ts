/**
 * UI messages holding every part type of the AI SDK's `UIMessage` (ai 6; {@link AI7_ONLY} adds the
 * parts ai 7 brought), with message ids and metadata, for the `saveUIMessages`/`loadUIMessages`
 * round trips on ai 6 (the root) and ai 7 (test/peer-projects/ai-7).
 */
type Part = Record<string, unknown>;
export interface FixtureMessage {
  id: string;
  role: 'system' | 'user' | 'assistant';
  metadata?: unknown;
  parts: Part[];
}

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** A chat of ai 6 UI messages: every part type, every tool state, static and dynamic tools. */
export function everyPartChat(): FixtureMessage[] {
  return [
    { id: 'sys-1', role: 'system', parts: [{ type: 'text', text: 'You are a terse assistant.' }] },
    {
      id: 'user-1',
      role: 'user',
      metadata: { createdAt: 1763930000123, client: { locale: 'fr-FR' } },
      parts: [
        { type: 'text', text: 'What is in this photo, and the weather where it was taken?' },
        { type: 'file', mediaType: 'image/png', filename: 'photo.png', url: PNG },
        {
          type: 'file',
          mediaType: 'application/pdf',
          url: 'https://example.com/menu.pdf',
          providerMetadata: { openai: { detail: 'low' } },
        },
        { type: 'file', mediaType: 'text/plain', url: 'blob:https://example.com/5c1d' }, // a URL a turn cannot hold: kept verbatim
        { type: 'data-location', id: 'loc-1', data: { lat: 48.85, lon: 2.35 } },
        { type: 'text', text: '' },
      ],
    },
    {
      id: 'assistant-1',
      role: 'assistant',
      metadata: { model: 'mock-model', usage: { inputTokens: 12, outputTokens: 30 } },
      parts: [
        { type: 'step-start' },
        { type: 'reasoning', text: 'The user wants the weather.', state: 'done', providerMetadata: { anthropic: { signature: 'sig' } } },
        { type: 'text', text: 'Let me check. ', state: 'done' },
        {
          type: 'tool-weather',
          toolCallId: 'call-1',
          state: 'output-available',
          input: { city: 'Paris' },
          output: { city: 'Paris', celsius: 21, sunny: true },
          callProviderMetadata: { openai: { itemId: 'fc_1' } },
        },
        {
          type: 'dynamic-tool',
          toolName: 'lookup',
          toolCallId: 'call-2',
          state: 'output-available',
          input: { q: 'Paris' },
          output: 'Paris is the capital of France.',
        },
        { type: 'step-start' },
        { type: 'tool-weather', toolCallId: 'call-3', state: 'output-error', input: { city: 'Atlantis' }, errorText: 'No such city.' },
        { type: 'dynamic-tool', toolName: 'lookup', toolCallId: 'call-4', state: 'output-error', input: null, errorText: 'Timed out.' },
        {
          type: 'tool-weather',
          toolCallId: 'call-5',
          state: 'output-available',
          input: { city: 'Rome' },
          output: { city: 'Rome', celsius: 25 },
          preliminary: true,
        },
        {
          type: 'tool-web_search',
          toolCallId: 'call-6',
          state: 'output-available',
          providerExecuted: true,
          input: { query: 'Paris weather' },
          output: [{ url: 'https://example.com/weather', title: 'Weather' }],
        },
        { type: 'data-weather', data: { celsius: 21 } },
        { type: 'step-start' },
        { type: 'source-url', sourceId: 'src-1', url: 'https://example.com/weather', title: 'Weather in Paris' },
        { type: 'source-document', sourceId: 'src-2', mediaType: 'application/pdf', title: 'Menu', filename: 'menu.pdf' },
        { type: 'text', text: 'It is 21°C and sunny in Paris. 🌞', state: 'done', providerMetadata: { openai: { itemId: 'msg_1' } } },
        { type: 'file', mediaType: 'image/png', url: PNG },
      ],
    },
    { id: 'user-2', role: 'user', parts: [{ type: 'text', text: 'Book a table there, pay for it, and cancel my old booking.' }] },
    {
      id: 'assistant-2',
      role: 'assistant',
      parts: [
        { type: 'step-start' },
        { type: 'tool-book', toolCallId: 'call-7', state: 'approval-requested', input: { seats: 2 }, approval: { id: 'approval-1' } },
        {
          type: 'dynamic-tool',
          toolName: 'pay',
          toolCallId: 'call-8',
          state: 'approval-responded',
          input: { euros: 40 },
          approval: { id: 'approval-2', approved: true, reason: 'fine' },
        },
        {
          type: 'tool-cancel',
          toolCallId: 'call-9',
          state: 'output-denied',
          input: { booking: 'B-1' },
          approval: { id: 'approval-3', approved: false, reason: 'Keep it.' },
        },
        {
          type: 'tool-book',
          toolCallId: 'call-10',
          state: 'output-available',
          input: { seats: 4 },
          output: 'Booked.',
          approval: { id: 'approval-4', approved: true },
        },
        { type: 'tool-search', toolCallId: 'call-11', state: 'input-streaming', input: { q: 'tab' } },
        { type: 'tool-search', toolCallId: 'call-12', state: 'input-available', input: { q: 'tables' } },
        { type: 'dynamic-tool', toolName: 'search', toolCallId: 'call-13', state: 'input-streaming' },
      ],
    },
    { id: 'assistant-3', role: 'assistant', parts: [] },
  ];
}

/** Parts that ai 7 added: custom and reasoning-file parts, steering messages, a top-level media type, provider references. */
export function ai7OnlyChat(): FixtureMessage[] {
  return [
    {
      id: 'user-7',
      role: 'user',
      parts: [
        { type: 'text', text: 'Look at this.' },
        { type: 'file', mediaType: 'image', url: PNG },
        { type: 'file', mediaType: 'application/pdf', url: 'https://example.com/a.pdf', providerReference: { openai: 'file_123' } },
      ],
    },
    {
      id: 'assistant-7',
      role: 'assistant',
      parts: [
        { type: 'step-start' },
        { type: 'reasoning-file', mediaType: 'image/png', url: PNG },
        { type: 'custom', kind: 'openai.compaction', providerMetadata: { openai: { id: 'cmp_1' } } },
        { type: 'text', text: 'A pixel.', state: 'done' },
        {
          type: 'dynamic-tool',
          dynamic: false,
          toolName: 'weather',
          toolCallId: 'call-70',
          state: 'output-available',
          input: { city: 'Oslo' },
          output: { celsius: -3 },
          title: 'Weather',
        },
        { type: 'steering-message', id: 'steer-1', parts: [{ type: 'text', text: 'In Celsius, please.' }] },
        { type: 'step-start' },
        { type: 'text', text: 'It is -3°C.', state: 'done' },
      ],
    },
  ];
}

/** The messages as they travel over JSON (what `loadUIMessages` gives back). */
export function asJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

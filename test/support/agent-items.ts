/**
 * One OpenAI Agents SDK item (`AgentInputItem`, @openai/agents-core 0.20) of every kind, with the
 * optional fields each can carry, for the round-trip tests of `turnstore/openai-agents`. Every item
 * but the last two is valid by the SDK's own schema (`protocol.ModelItem`), which the peer-project
 * test checks; the last two stand for kinds the SDK may add later.
 */
export const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
export const PDF = 'data:application/pdf;base64,JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK';

export interface NamedItem {
  readonly name: string;
  readonly item: Record<string, unknown>;
  /** Whether the SDK's schema knows it (a future kind does not). */
  readonly sdkKind: boolean;
}

export function everyItemKind(): NamedItem[] {
  const items: Array<[string, Record<string, unknown>]> = [
    ['user message, string content', { type: 'message', role: 'user', content: 'What is the weather in Paris?' }],
    ['user message without type', { role: 'user', content: 'Hi' }],
    [
      'user message with text, image, file and audio parts',
      {
        type: 'message',
        role: 'user',
        id: 'msg_u1',
        providerData: { source: 'upload', nested: { a: [1, 2, { b: null }] } },
        content: [
          { type: 'input_text', text: 'Compare these — 🌍 ' },
          { type: 'input_image', image: PNG, detail: 'high' },
          { type: 'input_image', image: 'https://example.com/photo.jpg' },
          { type: 'input_image', image: 'https://example.com/photo-without-extension' },
          { type: 'input_image', image: { id: 'file-img1' } },
          { type: 'input_file', file: PDF, filename: 'report.pdf' },
          { type: 'input_file', file: { url: 'https://example.com/spec.pdf' } },
          { type: 'input_file', file: { id: 'file-abc' } },
          { type: 'input_file', file: 'file-xyz' },
          { type: 'audio', audio: 'UklGRg==', format: 'wav', transcript: null },
          { type: 'input_text', text: 'and say which is older.', promptCacheBreakpoint: { mode: 'explicit' } },
        ],
      },
    ],
    ['system message', { type: 'message', role: 'system', content: 'Be brief.', id: 'sys_1' }],
    [
      'assistant message with text and refusal',
      {
        id: 'msg_a1',
        type: 'message',
        role: 'assistant',
        status: 'completed',
        phase: 'final_answer',
        providerData: { annotations: [] },
        content: [
          { type: 'output_text', text: 'It is 21 °C', providerData: { logprobs: [] } },
          { type: 'output_text', text: ' in Paris.' },
          { type: 'refusal', refusal: 'I cannot say more.' },
        ],
      },
    ],
    [
      'assistant message with image and audio',
      {
        type: 'message',
        role: 'assistant',
        status: 'incomplete',
        content: [
          { type: 'image', image: PNG },
          { type: 'audio', audio: { id: 'audio_1' }, transcript: 'hello' },
        ],
      },
    ],
    [
      'function_call',
      {
        type: 'function_call',
        id: 'fc_1',
        callId: 'call_1',
        name: 'weather',
        namespace: 'tools',
        arguments: '{"city":"Paris"}',
        status: 'completed',
        caller: { type: 'direct' },
        providerData: { k: 'v' },
      },
    ],
    [
      'function_call_result, text output',
      { type: 'function_call_result', callId: 'call_1', name: 'weather', status: 'completed', output: '21 °C' },
    ],
    ['function_call (second)', { type: 'function_call', callId: 'call_2', name: 'forecast', arguments: '{}' }],
    [
      'function_call_result, structured text output',
      { type: 'function_call_result', callId: 'call_2', name: 'forecast', status: 'completed', output: { type: 'text', text: 'sunny' } },
    ],
    ['function_call (third)', { type: 'function_call', callId: 'call_3', name: 'chart', arguments: '{"days":3}', status: 'completed' }],
    [
      'function_call_result, image bytes output',
      {
        type: 'function_call_result',
        callId: 'call_3',
        name: 'chart',
        status: 'completed',
        output: { type: 'image', image: { data: new Uint8Array([137, 80, 78, 71, 0, 255]), mediaType: 'image/png' }, detail: 'low' },
      },
    ],
    ['function_call (fourth)', { type: 'function_call', callId: 'call_4', name: 'files', arguments: '' }],
    [
      'function_call_result, list output',
      {
        type: 'function_call_result',
        callId: 'call_4',
        name: 'files',
        status: 'incomplete',
        id: 'fcr_4',
        output: [
          { type: 'input_text', text: 'Two files: ' },
          { type: 'input_image', image: PNG },
          { type: 'input_file', file: { url: 'https://example.com/a.txt' }, filename: 'a.txt' },
          { type: 'input_text', text: 'done' },
        ],
      },
    ],
    [
      'function_call_result, file output',
      {
        type: 'function_call_result',
        callId: 'call_4',
        name: 'files',
        status: 'completed',
        output: { type: 'file', file: { data: 'aGVsbG8=', mediaType: 'text/plain', filename: 'hello.txt' } },
      },
    ],
    [
      'reasoning',
      {
        type: 'reasoning',
        id: 'rs_1',
        content: [{ type: 'input_text', text: 'Paris is in France.' }],
        rawContent: [{ type: 'reasoning_text', text: 'raw thoughts' }],
        providerData: { encrypted_content: 'gAAAA…' },
      },
    ],
    [
      'hosted_tool_call',
      {
        type: 'hosted_tool_call',
        id: 'ws_1',
        name: 'web_search_call',
        arguments: '{"query":"weather"}',
        status: 'completed',
        output: 'results',
        providerData: { action: { type: 'search' } },
      },
    ],
    [
      'computer_call',
      {
        type: 'computer_call',
        id: 'cu_1',
        callId: 'call_c1',
        status: 'completed',
        action: { type: 'click', x: 10, y: 20, button: 'left' },
      },
    ],
    ['computer_call_result', { type: 'computer_call_result', callId: 'call_c1', output: { type: 'computer_screenshot', data: PNG } }],
    ['shell_call', { type: 'shell_call', callId: 'call_s1', status: 'completed', action: { commands: ['ls -la'], timeoutMs: 5000 } }],
    [
      'shell_call_output',
      {
        type: 'shell_call_output',
        callId: 'call_s1',
        output: [{ stdout: 'a\nb\n', stderr: '', outcome: { type: 'exit', exitCode: 0 } }],
      },
    ],
    [
      'apply_patch_call',
      {
        type: 'apply_patch_call',
        callId: 'call_p1',
        status: 'completed',
        operation: { type: 'update_file', path: 'a.txt', diff: '@@ -1 +1 @@\n-a\n+b\n' },
      },
    ],
    ['apply_patch_call_output', { type: 'apply_patch_call_output', callId: 'call_p1', status: 'completed', output: 'patched' }],
    [
      'tool_search_call',
      { type: 'tool_search_call', callId: 'call_t1', execution: 'client', arguments: { query: 'calendar' }, status: 'completed' },
    ],
    [
      'tool_search_output',
      { type: 'tool_search_output', callId: 'call_t1', execution: 'client', tools: [{ type: 'tool_reference', functionName: 'calendar' }] },
    ],
    ['program', { type: 'program', callId: 'call_g1', code: 'print(1)', fingerprint: 'fp1' }],
    ['program_output', { type: 'program_output', callId: 'call_g1', output: '1', status: 'completed' }],
    ['compaction', { type: 'compaction', id: 'cmp_1', encrypted_content: 'ENCRYPTED', created_by: 'server' }],
    ['unknown', { type: 'unknown', id: 'u_1', providerData: { type: 'mcp_list_tools', tools: [] } }],
  ];
  const future: Array<[string, Record<string, unknown>]> = [
    ['a kind added later', { type: 'image_generation_call', id: 'ig_1', result: PNG, nested: { deep: [{ x: 1.5, y: true, z: '' }] } }],
    ['a message of a role added later', { type: 'message', role: 'developer', content: 'Use metric units.' }],
  ];
  return [
    ...items.map(([name, item]) => ({ name, item, sdkKind: true })),
    ...future.map(([name, item]) => ({ name, item, sdkKind: false })),
  ];
}

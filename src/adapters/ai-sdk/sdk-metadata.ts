/**
 * What `turnstore/ai-sdk` keeps in a turn's `metadata.aiSdk` so that a message reads back as it
 * came: only what the turn's own fields cannot say, and only when there is something to say (a
 * user question or a model's plain answer carries none).
 */
import type { Attachment, JsonValue } from '../../core/types.js';

/** The metadata key the adapter owns; the rest of `metadata` is the app's. */
export const METADATA_KEY = 'aiSdk';

type JsonObject = { readonly [key: string]: JsonValue };

/** One part of a user or assistant message, in order, without its payload (which is in the turn). */
export type PartLayout =
  /** `length` UTF-16 units of the turn's content, in order. */
  | { readonly type: 'text'; readonly length: number; readonly providerOptions?: JsonObject }
  /**
   * The next attachment; `mediaType: false` when the part had none (an image the SDK names itself),
   * a string when it had a top-level one (ai 7's `'image'`), which the attachment's type refines.
   */
  | {
      readonly type: 'image' | 'file';
      readonly filename?: string;
      readonly mediaType?: false | string;
      readonly providerOptions?: JsonObject;
    }
  /** The next tool call. */
  | { readonly type: 'tool-call'; readonly providerOptions?: JsonObject };

/** The shape of `metadata.aiSdk`; every field is optional and present only when needed. */
export interface SdkMetadata {
  /** The message's `providerOptions`. */
  readonly providerOptions?: JsonObject;
  /**
   * User and assistant turns: the message's parts, when the plain reading (one text part, then
   * the attachments, then the tool calls) would not give them back as they were.
   */
  readonly parts?: readonly PartLayout[];
  /**
   * Tool turns: the result's `output` without its value (which is the turn's content), when it is
   * not `{type: 'text'}`: `{type: 'json'}`, `{type: 'error-text'}`, `{type: 'content'}`…
   */
  readonly output?: { readonly type: string } & JsonObject;
  /** Tool turns: the tool-result part's own `providerOptions`. */
  readonly resultProviderOptions?: JsonObject;
}

/** A value as JSON would store it: `undefined` fields gone. `undefined` for nothing or an empty object. */
export function jsonObject(value: unknown): JsonObject | undefined {
  if (value === undefined || value === null || typeof value !== 'object') return undefined;
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  if (copy === null || typeof copy !== 'object' || Array.isArray(copy) || Object.keys(copy).length === 0) return undefined;
  return copy as JsonObject;
}

/** Drops the fields that are undefined; `undefined` when none is left. */
export function compact<T extends object>(value: T): T | undefined {
  const kept = Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
  return Object.keys(kept).length === 0 ? undefined : kept;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `metadata.aiSdk` of a stored turn, or an empty object; fields of the wrong type are ignored. */
export function readSdkMetadata(metadata: unknown): SdkMetadata {
  const raw = isObject(metadata) ? metadata[METADATA_KEY] : undefined;
  if (!isObject(raw)) return {};
  const read: { -readonly [K in keyof SdkMetadata]: SdkMetadata[K] } = {};
  if (isObject(raw.providerOptions)) read.providerOptions = raw.providerOptions as JsonObject;
  if (Array.isArray(raw.parts)) read.parts = raw.parts as PartLayout[];
  if (isObject(raw.output) && typeof raw.output.type === 'string') read.output = raw.output as SdkMetadata['output'];
  if (isObject(raw.resultProviderOptions)) read.resultProviderOptions = raw.resultProviderOptions as JsonObject;
  return read;
}

/**
 * Whether a stored layout fits the turn it came with: text lengths adding up to the content, one
 * entry per attachment and tool call. A layout that does not fit (the turn was edited, or the
 * metadata written by hand) is ignored and the turn read the plain way.
 */
export function layoutFits(parts: readonly PartLayout[], contentLength: number, attachments: number, toolCalls: number): boolean {
  let text = 0;
  let files = 0;
  let calls = 0;
  for (const part of parts as readonly unknown[]) {
    if (!isObject(part)) return false;
    if (part.providerOptions !== undefined && !isObject(part.providerOptions)) return false;
    if (part.filename !== undefined && typeof part.filename !== 'string') return false;
    if (part.mediaType !== undefined && part.mediaType !== false && typeof part.mediaType !== 'string') return false;
    if (part.type === 'text' && Number.isInteger(part.length) && (part.length as number) >= 0) text += part.length as number;
    else if (part.type === 'image' || part.type === 'file') files++;
    else if (part.type === 'tool-call') calls++;
    else return false;
  }
  return text === contentLength && files === attachments && calls === toolCalls;
}

/** The parts a turn reads back as without a stored layout: its text, then its attachments, then its tool calls. */
export function plainLayout(role: string, content: string, attachments: readonly Attachment[], toolCalls: number): PartLayout[] {
  const layout: PartLayout[] = [];
  if (content !== '') layout.push({ type: 'text', length: content.length });
  for (const attachment of attachments)
    layout.push({ type: role === 'user' && attachment.mediaType.startsWith('image/') ? 'image' : 'file' });
  for (let i = 0; i < toolCalls; i++) layout.push({ type: 'tool-call' });
  return layout;
}

/**
 * The `providerOptions` of the system message `toModelMessages` makes of a conversation's summary
 * (decision 16): no provider reads the key `turnstore`, and `fromModelMessages` leaves such a
 * message out, so the summary is never stored back as an ordinary turn.
 */
export const SUMMARY_PROVIDER_OPTIONS = Object.freeze({ turnstore: Object.freeze({ summary: true }) });

/** Whether a message's `providerOptions` mark it as the summary (see {@link SUMMARY_PROVIDER_OPTIONS}). */
export function marksSummary(providerOptions: unknown): boolean {
  const own = (providerOptions as { turnstore?: { summary?: unknown } } | null | undefined)?.turnstore;
  return typeof own === 'object' && own !== null && own.summary === true;
}

/**
 * `saveUIMessages` and `loadUIMessages`: the chat of the AI SDK's persistence guide (the whole list
 * of `UIMessage`s, saved when each response finishes) kept in a store, each message written once.
 */
import type { UIMessage } from 'ai';
import { SUMMARY_MESSAGE_ID, splitSummary } from '../../core/compaction.js';
import { TurnstoreError } from '../../core/errors.js';
import { describe } from '../../core/options.js';
import type { JsonValue, Turn, TurnInput } from '../../core/types.js';
import { invalid, isObject } from './message-options.js';
import { sameTurns, storedMessages, uiMessageOf, uiMessageTurns, type StoredMessage, type UIMessageJson } from './ui-turns.js';

/** What `saveUIMessages` and `loadUIMessages` need of a store: every turnstore store has it. */
export interface UIMessageStore {
  get(id: string): Promise<Turn[]>;
  appendMany(id: string, turns: readonly TurnInput[], options?: { readonly replaceNewest?: number }): Promise<void>;
}

const ROLES = ['system', 'user', 'assistant'];

/** The messages as JSON (as they travel between `useChat` and the server), checked. */
function checkedMessages(messages: unknown): UIMessageJson[] {
  if (!Array.isArray(messages))
    throw invalid(`saveUIMessages: messages must be an array of AI SDK UI messages; got ${describe(messages)}.`);
  let json: unknown[];
  try {
    json = JSON.parse(JSON.stringify(messages)) as unknown[];
  } catch (error) {
    throw new TurnstoreError(
      'TURNSTORE_INVALID_TURN',
      `saveUIMessages: the messages cannot be written as JSON (${(error as Error).message}).`,
      {
        cause: error,
      },
    );
  }
  const ids = new Map<string, number>();
  json.forEach((message, index) => {
    const at = `saveUIMessages: messages[${index}]`;
    if (!isObject(message)) throw invalid(`${at} must be a UI message {id, role, parts}; got ${describe(message)}.`);
    const { id, role, parts } = message;
    if (typeof id !== 'string' || id === '') throw invalid(`${at} has id ${describe(id)}; a UI message's id is a non-empty string.`);
    if (!ROLES.includes(role as string)) throw invalid(`${at} has role ${describe(role)}; expected system, user or assistant.`);
    if (!Array.isArray(parts)) throw invalid(`${at} has parts ${describe(parts)}; expected an array.`);
    parts.forEach((part: unknown, partIndex) => {
      if (!isObject(part) || typeof part.type !== 'string')
        throw invalid(`${at}.parts[${partIndex}] must be a part with a string type; got ${describe(part)}.`);
    });
    const earlier = ids.get(id);
    if (earlier !== undefined)
      throw invalid(`${at} has id ${JSON.stringify(id)}, as messages[${earlier}] has; each message needs its own.`);
    ids.set(id, index);
  });
  return json as UIMessageJson[];
}

/**
 * Saves the chat — the whole list of UI messages, as the AI SDK's persistence guide saves it when a
 * response finishes (`onFinish` in ai 6, `onEnd` in ai 7) — writing each message once, in one
 * atomic `appendMany`:
 *
 * - The list is compared, message by message, with what the store holds, starting at the list's
 *   copy of the oldest stored message (older ones the store's caps removed are not written again).
 * - Messages after the stored ones are appended. Saving the same chat twice writes nothing.
 * - From the first stored message that differs — the last one when its content changed (a tool part
 *   that got its output, an approval answered), or an earlier one the client edited or regenerated —
 *   the stored messages are replaced by the list's (`replaceNewest`: the turns of those messages),
 *   so the store holds the list again. Stored turns that are not UI messages (written by
 *   `fromModelMessages` or other code) differ from every message, and are replaced the same way.
 * - An empty list deletes the conversation; a list sharing no message with the store replaces it.
 *
 * How a message becomes turns: see `docs/ai-sdk.md`. Messages are refused with
 * `TURNSTORE_INVALID_TURN` (nothing stored) when they are not `{id, role, parts}` with
 * `system`/`user`/`assistant` roles and typed parts, or when two share an id. Saves of one chat are
 * expected one at a time (as the guide's route makes them): two racing saves are each atomic, but
 * the later one compares against what it read before the earlier one wrote.
 *
 * @example
 * ```ts
 * const result = streamText({ model, messages: await convertToModelMessages(messages) });
 * return result.toUIMessageStreamResponse({ originalMessages: messages, onFinish: ({ messages }) => saveUIMessages(store, chatId, messages) });
 * ```
 */
export async function saveUIMessages(store: UIMessageStore, id: string, messages: readonly UIMessage[]): Promise<void> {
  // The summary as loadUIMessages gave it is the store's own (compact sets it): never written back.
  const given = checkedMessages(messages).filter((message) => !(message.role === 'system' && message.id === SUMMARY_MESSAGE_ID));
  const stored = storedMessages(splitSummary(await store.get(id)).turns);
  const first = stored[0];
  const start = first?.id === undefined ? -1 : given.findIndex((message) => message.id === first.id);
  // The stored messages before `from` are the list's, unchanged; from there the list is written.
  let from = 0;
  let rest = given;
  if (start >= 0) {
    while (from < stored.length && start + from < given.length && unchanged(stored[from]!, from, given[start + from]!)) from++;
    rest = given.slice(start + from);
  }
  const turns = rest.flatMap((message) => uiMessageTurns(message));
  let replaceNewest = 0;
  for (const message of stored.slice(from)) replaceNewest += message.turns.length;
  if (replaceNewest === 0 && turns.length === 0) return;
  await store.appendMany(id, turns, replaceNewest > 0 ? { replaceNewest } : undefined);
}

/** Whether a stored message is the list's message as it would be written (only the oldest may have lost its first turns to the caps). */
function unchanged(stored: StoredMessage, index: number, message: UIMessageJson): boolean {
  if (stored.id !== message.id) return false;
  const written = uiMessageTurns(message);
  if (!stored.complete && (index > 0 || stored.turns.length >= written.length)) return false;
  if (stored.complete && stored.turns.length !== written.length) return false;
  return sameTurns(stored.turns, written);
}

/**
 * The chat saved by {@link saveUIMessages}, as the UI messages it was saved as (ids, metadata and
 * every part as JSON holds them), ready for `validateUIMessages`, `convertToModelMessages` and
 * `useChat`'s initial messages; `[]` for an unknown or expired conversation.
 *
 * - A message whose first turns the store's caps removed is left out (the rest of it is not a
 *   message the SDK would take).
 * - The conversation's summary (decision 16) comes first, as a system message with the id
 *   `turnstore-summary`, which {@link saveUIMessages} never writes back.
 * - Turns not written by `saveUIMessages` (by `fromModelMessages`, the service, your own code) read
 *   as plain messages with the id `turn-<index>`: text, files and, for each answered tool call, a
 *   `dynamic-tool` part with its output.
 */
export async function loadUIMessages<Message extends UIMessage = UIMessage>(store: UIMessageStore, id: string): Promise<Message[]> {
  const { summary, turns } = splitSummary(await store.get(id));
  const messages: JsonValue[] = [];
  if (summary !== undefined) messages.push({ id: SUMMARY_MESSAGE_ID, role: 'system', parts: [{ type: 'text', text: summary.content }] });
  let position = 0;
  let others: Turn[] = [];
  const flush = () => {
    messages.push(...plainMessages(others, position - others.length));
    others = [];
  };
  for (const group of storedMessages(turns)) {
    const message = group.id !== undefined && group.complete ? uiMessageOf(group) : undefined;
    if (message !== undefined || (group.id !== undefined && !group.complete)) {
      flush();
      if (message !== undefined) messages.push(message);
    } else {
      others.push(...group.turns);
    }
    position += group.turns.length;
  }
  flush();
  return messages as unknown as Message[];
}

/** Turns not written by `saveUIMessages`, as UI messages; `offset` is the first one's index in the conversation. */
function plainMessages(turns: readonly Turn[], offset: number): JsonValue[] {
  const messages: Array<{ id: string; role: string; parts: JsonValue[] }> = [];
  turns.forEach((turn, index) => {
    if (turn.role === 'tool') return;
    const parts: JsonValue[] = [];
    if (turn.content !== '') parts.push({ type: 'text', text: turn.content });
    for (const { mediaType, url } of turn.attachments ?? []) parts.push({ type: 'file', mediaType, url });
    for (const call of turn.toolCalls ?? []) {
      const result = turns.slice(index + 1).find((later) => later.role === 'tool' && later.toolCallId === call.id);
      let input: JsonValue;
      try {
        input = JSON.parse(call.arguments) as JsonValue;
      } catch {
        input = call.arguments;
      }
      parts.push({
        type: 'dynamic-tool',
        toolName: call.name,
        toolCallId: call.id,
        ...(result === undefined ? { state: 'input-available', input } : { state: 'output-available', input, output: result.content }),
      });
    }
    messages.push({ id: `turn-${offset + index}`, role: turn.role, parts });
  });
  return messages;
}

/**
 * LangChain messages ↔ turnstore turns: role and text, tool calls, the call a tool result answers,
 * files, and a message's `id` and `name` — as documented on {@link fromLangChainMessages} and
 * {@link toLangChainMessages}.
 */
import type { BaseMessage, ContentBlock } from '@langchain/core/messages';
import type { TurnLike } from '../../core/context-window.js';
import { SUMMARY_MESSAGE_ID as CORE_SUMMARY_MESSAGE_ID } from '../../core/compaction.js';
import { TurnstoreError } from '../../core/errors.js';
import { describe } from '../../core/options.js';
import type { Attachment, JsonValue, Role, TurnExtras, TurnInput } from '../../core/types.js';
import { MessageText, checkUnsupportedOptions, type UnsupportedContent } from '../unsupported-content.js';
import { attachmentOfBlock, blockOfAttachment } from './attachments.js';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, isBaseMessage } from './peer.js';
import { langChainToolCalls, toolCallsOf } from './tool-calls.js';

/** Options of {@link fromLangChainMessages}. */
export interface FromLangChainOptions {
  /**
   * What to do with what a turn still cannot hold: a content block that is neither text, reasoning
   * nor a file turnstore can keep as an attachment (a provider-side file id, a server tool call, a
   * refusal…), a tool call without an id. Reasoning is always left out.
   * @default 'error'
   */
  readonly unsupported?: UnsupportedContent;
}

/**
 * The `metadata` keys a message's own fields are kept under: `id` (the message id, e.g. the
 * provider's response id) and `name` (the speaker's or the tool's name). A message without them
 * stores no metadata.
 */
export const METADATA_KEYS = Object.freeze({ id: 'id', name: 'name' } as const);

/**
 * The `id` of the `SystemMessage` that carries a conversation's summary (docs/spec.md, decision
 * 16): {@link toLangChainMessages} gives it to the summary, and {@link fromLangChainMessages}
 * leaves a system message with it out, so a history read and written back never stores the
 * summary as an ordinary turn. LangChain does not send message ids to chat models.
 */
export const SUMMARY_MESSAGE_ID = CORE_SUMMARY_MESSAGE_ID;

/** Message types (`message.type`) and the role each becomes. */
const ROLE_OF_TYPE: Readonly<Record<string, Role>> = { human: 'user', ai: 'assistant', system: 'system', tool: 'tool' };

/**
 * Roles a generic `ChatMessage` may carry. `developer` is OpenAI's newer name for `system` (and
 * LangChain's own trimming treats it so); the rest are the four roles and LangChain's aliases.
 */
const ROLE_OF_CHAT_ROLE: Readonly<Record<string, Role>> = {
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  ai: 'assistant',
  system: 'system',
  developer: 'system',
  tool: 'tool',
};

/** Content block types that carry a model's reasoning: always left out. */
const REASONING_BLOCKS = new Set(['reasoning', 'thinking', 'redacted_thinking']);

/**
 * Content blocks that repeat a tool call the message also holds in `tool_calls` (Anthropic's
 * `tool_use`, the v1 `tool_call` and `tool_call_chunk`): the call is kept once, as a tool call.
 */
const TOOL_CALL_BLOCKS = new Set(['tool_use', 'tool_call', 'tool_call_chunk']);

function roleOf(message: BaseMessage, where: string): Role {
  const type = message.type;
  if (type === 'generic') {
    const chatRole = (message as BaseMessage & { role?: unknown }).role;
    const role = typeof chatRole === 'string' ? ROLE_OF_CHAT_ROLE[chatRole] : undefined;
    if (role === undefined) {
      throw new TurnstoreError(
        'TURNSTORE_INVALID_TURN',
        `${where} is a ChatMessage with role ${describe(chatRole)}; turnstore keeps the roles ${Object.keys(ROLE_OF_CHAT_ROLE).join(', ')}.`,
      );
    }
    return role;
  }
  const role = Object.hasOwn(ROLE_OF_TYPE, type) ? ROLE_OF_TYPE[type] : undefined;
  if (role === undefined) {
    throw new TurnstoreError(
      'TURNSTORE_INVALID_TURN',
      `${where} is a message of type ${describe(type)}, which turnstore cannot store; it keeps human, ai, system and tool messages (and ChatMessage with one of those roles).`,
    );
  }
  return role;
}

/** One message as a turn, or undefined when `unsupported: 'drop'` left nothing of it. */
function turnOf(message: BaseMessage, role: Role, policy: UnsupportedContent, where: string): TurnInput | undefined {
  const text = new MessageText(policy, where);
  const extras: {
    toolCalls?: TurnExtras['toolCalls'];
    toolCallId?: string;
    attachments?: Attachment[];
    metadata?: Record<string, JsonValue>;
  } = {};

  // Tool calls live beside the content, on AI messages only.
  const calls =
    message.type === 'ai' ? toolCallsOf(message as BaseMessage & { tool_calls?: unknown; invalid_tool_calls?: unknown }, where) : undefined;
  const callIds = new Set(calls?.toolCalls.map((call) => call.id));
  if (calls) {
    for (const what of calls.unsupported) text.unsupported(what);
    if (calls.toolCalls.length > 0) extras.toolCalls = calls.toolCalls;
  }

  const attachments: Attachment[] = [];
  const content: unknown = message.content;
  if (typeof content === 'string') text.addText(content);
  else if (Array.isArray(content)) {
    content.forEach((block: unknown, index) => {
      if (typeof block === 'string') return text.addText(block);
      const record = block !== null && typeof block === 'object' ? (block as Record<string, unknown>) : {};
      const type = record.type;
      if (type === 'text') {
        if (typeof record.text !== 'string')
          throw new TurnstoreError(
            'TURNSTORE_INVALID_TURN',
            `${where}: content[${index}] is a text block whose text is ${describe(record.text)}.`,
          );
        return text.addText(record.text);
      }
      if (typeof type === 'string' && REASONING_BLOCKS.has(type)) return text.skipReasoning();
      if (typeof type === 'string' && TOOL_CALL_BLOCKS.has(type) && typeof record.id === 'string' && callIds.has(record.id)) return;
      // Anthropic streams a call's arguments as input_json_delta blocks beside its tool_use block.
      if (type === 'input_json_delta' && callIds.size > 0) return;
      const what = `a ${typeof type === 'string' ? JSON.stringify(type) : 'untyped'} content block (content[${index}])`;
      const attachment = attachmentOfBlock(record, what);
      if (attachment === undefined) return text.unsupported(what);
      if ('unsupported' in attachment) return text.unsupported(attachment.unsupported);
      attachments.push(attachment);
    });
  } else {
    throw new TurnstoreError(
      'TURNSTORE_INVALID_TURN',
      `${where} has content ${describe(content)}; expected a string or an array of content blocks.`,
    );
  }
  if (attachments.length > 0) extras.attachments = attachments;

  // A ToolMessage always has a tool_call_id; '' (what this adapter read back before it kept them) names no call.
  const toolCallId = message.type === 'tool' ? (message as BaseMessage & { tool_call_id?: unknown }).tool_call_id : undefined;
  if (typeof toolCallId === 'string' && toolCallId !== '') extras.toolCallId = toolCallId;

  const metadata: Record<string, JsonValue> = {};
  if (typeof message.id === 'string' && message.id !== '') metadata[METADATA_KEYS.id] = message.id;
  if (typeof message.name === 'string' && message.name !== '') metadata[METADATA_KEYS.name] = message.name;
  if (Object.keys(metadata).length > 0) extras.metadata = metadata;

  let value = text.result();
  // A message whose text was all dropped still holds a call, a result or a file: keep it, so no
  // call loses its result (OpenAI-style APIs refuse a history with an unanswered call).
  if (value === undefined && (extras.toolCalls || extras.toolCallId !== undefined || extras.attachments)) value = '';
  if (value === undefined) return undefined;
  return { role, content: value, ...extras };
}

/**
 * LangChain messages → turns for `appendMany`, all checked before anything is stored.
 *
 * - Roles: `HumanMessage` → `user`, `AIMessage` (and `AIMessageChunk`) → `assistant`,
 *   `SystemMessage` → `system`, `ToolMessage` → `tool`; a `ChatMessage` whose role is one of
 *   `user`/`human`, `assistant`/`ai`, `system`/`developer`, `tool`. Any other message type
 *   (`FunctionMessage`, `RemoveMessage`, a ChatMessage with another role), or something that is
 *   not a LangChain message → `TURNSTORE_INVALID_TURN`, whatever `unsupported` says.
 * - Text: a string content is kept as it is; in an array of blocks, text blocks (and bare strings)
 *   are joined with nothing between, as `message.text` does. Reasoning/thinking blocks are always
 *   left out.
 * - Tool calls: an AI message's `tool_calls` → `toolCalls`, each `args` object written as JSON
 *   text (`JSON.stringify`); its `invalid_tool_calls` follow, their `args` text kept verbatim.
 *   Content blocks repeating a kept call (`tool_use`, `tool_call`) are not kept twice. An empty
 *   `tool_calls` is no tool calls: the turn stays plain.
 * - A `ToolMessage`'s `tool_call_id` → `toolCallId` (`''` names no call).
 * - Files: image, audio, video and file blocks in any of LangChain's shapes (`image_url`,
 *   `input_audio`, OpenAI `file`, v1 `{type, url | data + mimeType}`, `{type, source_type, …,
 *   mime_type}`, Anthropic `{type, source}`) → `attachments` `{mediaType, url}`, base64 data as
 *   a `data:` URL. The media type is the block's own, or the data: URL's, or guessed from a URL's
 *   file extension; an image, audio or video block whose type cannot be told is unsupported.
 * - The message's `id` and `name` → `metadata.id` and `metadata.name` ({@link METADATA_KEYS}); a
 *   message without them stores no metadata.
 * - *Unsupported* (refused by default, dropped with `unsupported: 'drop'`, see
 *   {@link UnsupportedContent}): any other content block (a provider-side file id, inline text
 *   files, server tool calls, refusals…) and a tool call without an id or name. A message left
 *   with no text, no calls, no result id and no files is left out rather than stored empty.
 * - A `SystemMessage` whose `id` is {@link SUMMARY_MESSAGE_ID} (the summary as
 *   {@link toLangChainMessages} gives it) is left out: only `compact` sets a summary.
 * - Not kept: `additional_kwargs`, `response_metadata`, `usage_metadata`, an image's `detail`, a
 *   file's name, a ToolMessage's `artifact` and `status`, an invalid call's `error`.
 */
export function fromLangChainMessages(messages: readonly BaseMessage[], options: FromLangChainOptions = {}): TurnInput[] {
  const policy = checkUnsupportedOptions(options, 'fromLangChainMessages');
  if (!Array.isArray(messages)) {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `Expected an array of LangChain messages; got ${describe(messages)}.`);
  }
  const turns: TurnInput[] = [];
  messages.forEach((message: unknown, index) => {
    if (!isBaseMessage(message)) {
      throw new TurnstoreError(
        'TURNSTORE_INVALID_TURN',
        `messages[${index}] is ${describe(message)}, not a LangChain message (HumanMessage, AIMessage, SystemMessage, ToolMessage).`,
      );
    }
    const where = `messages[${index}] (${message.type})`;
    const role = roleOf(message, where);
    // The summary as toLangChainMessages gave it: compact sets it, an append never does.
    if (role === 'system' && message.id === SUMMARY_MESSAGE_ID) return;
    const turn = turnOf(message, role, policy, where);
    if (turn !== undefined) turns.push(turn);
  });
  return turns;
}

/** A turn as {@link toLangChainMessages} reads it: role and content, and any extras. */
export type TurnWithExtras = TurnLike & TurnExtras;

/** The message content of a turn: its text, or with attachments the text block (when not empty) and one block per file. */
function contentOf(turn: TurnWithExtras): string | ContentBlock[] {
  if (!turn.attachments || turn.attachments.length === 0) return turn.content;
  const blocks: ContentBlock[] = turn.content === '' ? [] : [{ type: 'text', text: turn.content }];
  for (const attachment of turn.attachments) blocks.push(blockOfAttachment(attachment));
  return blocks;
}

/**
 * Turns → LangChain messages, fresh each call: `user` → `HumanMessage`, `assistant` →
 * `AIMessage`, `system` → `SystemMessage`, `tool` → `ToolMessage`.
 *
 * - `toolCalls` → the AI message's `tool_calls` (`{type: 'tool_call', id, name, args}`, args
 *   parsed with `JSON.parse`); a call whose arguments are not a JSON object goes to
 *   `invalid_tool_calls` with its text as `args` and an `error` saying why.
 * - `toolCallId` → the ToolMessage's `tool_call_id` (`''` for a tool turn without one).
 * - `attachments` → the content becomes an array: a text block (unless the text is empty), then
 *   one LangChain data block per file: `{type: 'image' | 'audio' | 'file', source_type: 'base64',
 *   data, mime_type}` for a base64 data: URL, else `{type, source_type: 'url', url, mime_type}`.
 *   `message.contentBlocks` gives them as v1 standard blocks.
 * - `metadata.id` and `metadata.name`, when strings → the message's `id` and `name`; other
 *   metadata is not put on the message.
 * - The conversation's summary (`summary: true`, first in what `get` returns) → a `SystemMessage`
 *   whose `id` is {@link SUMMARY_MESSAGE_ID}, which {@link fromLangChainMessages} leaves out.
 */
export function toLangChainMessages(turns: readonly TurnWithExtras[]): BaseMessage[] {
  return turns.map((turn) => {
    const content = contentOf(turn);
    const fields: { content: typeof content; id?: string; name?: string } = { content };
    const id = turn.metadata?.[METADATA_KEYS.id];
    const name = turn.metadata?.[METADATA_KEYS.name];
    if (typeof id === 'string') fields.id = id;
    if (typeof name === 'string') fields.name = name;
    switch (turn.role) {
      case 'user':
        return new HumanMessage(fields);
      case 'assistant':
        return new AIMessage(turn.toolCalls && turn.toolCalls.length > 0 ? { ...fields, ...langChainToolCalls(turn.toolCalls) } : fields);
      case 'system':
        return new SystemMessage(turn.summary === true ? { ...fields, id: SUMMARY_MESSAGE_ID } : fields);
      case 'tool':
        return new ToolMessage({ ...fields, tool_call_id: turn.toolCallId ?? '' });
      default:
        throw new TurnstoreError('TURNSTORE_INVALID_TURN', `A turn has the role ${describe((turn as { role?: unknown }).role)}.`);
    }
  });
}

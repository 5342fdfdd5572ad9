/**
 * LangChain messages ↔ turnstore turns. A turn is a role and a string; everything else a message
 * may carry is either kept as text, refused, or left out — as documented on
 * {@link fromLangChainMessages} and {@link toLangChainMessages}.
 */
import type { BaseMessage } from '@langchain/core/messages';
import type { TurnLike } from '../../core/context-window.js';
import { TurnstoreError } from '../../core/errors.js';
import { describe } from '../../core/options.js';
import type { Role, TurnInput } from '../../core/types.js';
import { MessageText, checkUnsupportedOption, type UnsupportedContent } from '../unsupported-content.js';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, isBaseMessage } from './peer.js';

/** Options of {@link fromLangChainMessages}. */
export interface FromLangChainOptions {
  /**
   * What to do with content a turn cannot hold (images, files, audio, tool calls).
   * @default 'error'
   */
  readonly unsupported?: UnsupportedContent;
}

/** Message types (`message.type`) and the role each becomes. */
const ROLE_OF_TYPE: Readonly<Record<string, Role>> = { human: 'user', ai: 'assistant', system: 'system', tool: 'tool' };

/**
 * Roles a generic `ChatMessage` may carry. `developer` is OpenAI's newer name for `system` (and
 * LangChain's own trimming treats it so); the rest are the four roles and LangChain's aliases.
 */
const ROLE_OF_CHAT_ROLE: Readonly<Record<string, Role>> = {
  user: 'user', human: 'user', assistant: 'assistant', ai: 'assistant', system: 'system', developer: 'system', tool: 'tool',
};

/** Content block types that carry a model's reasoning: always left out. */
const REASONING_BLOCKS = new Set(['reasoning', 'thinking', 'redacted_thinking']);

function roleOf(message: BaseMessage, where: string): Role {
  const type = message.type;
  if (type === 'generic') {
    const chatRole = (message as BaseMessage & { role?: unknown }).role;
    const role = typeof chatRole === 'string' ? ROLE_OF_CHAT_ROLE[chatRole] : undefined;
    if (role === undefined) {
      throw new TurnstoreError('TURNSTORE_INVALID_TURN', `${where} is a ChatMessage with role ${describe(chatRole)}; turnstore keeps the roles ${Object.keys(ROLE_OF_CHAT_ROLE).join(', ')}.`);
    }
    return role;
  }
  const role = Object.hasOwn(ROLE_OF_TYPE, type) ? ROLE_OF_TYPE[type] : undefined;
  if (role === undefined) {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `${where} is a message of type ${describe(type)}, which turnstore cannot store; it keeps human, ai, system and tool messages (and ChatMessage with one of those roles).`);
  }
  return role;
}

/** The text of one message, or undefined when `unsupported: 'drop'` left nothing of it. */
function textOf(message: BaseMessage, policy: UnsupportedContent, where: string): string | undefined {
  const text = new MessageText(policy, where);
  const content: unknown = message.content;
  if (typeof content === 'string') text.addText(content);
  else if (Array.isArray(content)) {
    content.forEach((block: unknown, index) => {
      if (typeof block === 'string') return text.addText(block);
      const type = block !== null && typeof block === 'object' ? (block as { type?: unknown }).type : undefined;
      if (type === 'text') {
        const value = (block as { text?: unknown }).text;
        if (typeof value !== 'string') throw new TurnstoreError('TURNSTORE_INVALID_TURN', `${where}: content[${index}] is a text block whose text is ${describe(value)}.`);
        return text.addText(value);
      }
      if (typeof type === 'string' && REASONING_BLOCKS.has(type)) return text.skipReasoning();
      text.unsupported(`a ${typeof type === 'string' ? JSON.stringify(type) : 'untyped'} content block (content[${index}])`);
    });
  } else {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `${where} has content ${describe(content)}; expected a string or an array of content blocks.`);
  }
  // Tool calls live beside the content on AI messages; a text turn cannot keep them.
  const calls = [...((message as { tool_calls?: Array<{ name?: string }> }).tool_calls ?? []), ...((message as { invalid_tool_calls?: Array<{ name?: string }> }).invalid_tool_calls ?? [])];
  if (calls.length > 0) text.unsupported(`${calls.length} tool call${calls.length === 1 ? '' : 's'} (${calls.map((call) => call.name ?? '?').join(', ')})`);
  return text.result();
}

/**
 * LangChain messages → turns for `appendMany`, all checked before anything is stored.
 *
 * - `HumanMessage` → `user`, `AIMessage` (and `AIMessageChunk`) → `assistant`, `SystemMessage` →
 *   `system`, `ToolMessage` → `tool`; a `ChatMessage` whose role is one of `user`/`human`,
 *   `assistant`/`ai`, `system`/`developer`, `tool`. Any other message type (`FunctionMessage`,
 *   `RemoveMessage`, a ChatMessage with another role), or something that is not a LangChain
 *   message → `TURNSTORE_INVALID_TURN`, whatever `unsupported` says: a type is a program's choice,
 *   not data to filter.
 * - Content: a string is kept as it is; in an array of blocks, text blocks (and bare strings) are
 *   joined with nothing between, as `message.text` does. Reasoning/thinking blocks are always left
 *   out. Any other block (image, file, audio, tool use…) and an AI message's `tool_calls` are
 *   *unsupported* — refused by default, dropped with `unsupported: 'drop'` (see
 *   {@link UnsupportedContent}).
 * - Not kept: ids, names, `additional_kwargs`, `response_metadata`, `usage_metadata`, and a
 *   ToolMessage's `tool_call_id`, `artifact` and `status` — metadata, not conversation.
 */
export function fromLangChainMessages(messages: readonly BaseMessage[], options: FromLangChainOptions = {}): TurnInput[] {
  const policy = checkUnsupportedOption((options as FromLangChainOptions | null)?.unsupported, 'fromLangChainMessages');
  if (!Array.isArray(messages)) {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `Expected an array of LangChain messages; got ${describe(messages)}.`);
  }
  const turns: TurnInput[] = [];
  messages.forEach((message: unknown, index) => {
    if (!isBaseMessage(message)) {
      throw new TurnstoreError('TURNSTORE_INVALID_TURN', `messages[${index}] is ${describe(message)}, not a LangChain message (HumanMessage, AIMessage, SystemMessage, ToolMessage).`);
    }
    const where = `messages[${index}] (${message.type})`;
    const role = roleOf(message, where);
    const content = textOf(message, policy, where);
    if (content !== undefined) turns.push({ role, content });
  });
  return turns;
}

/**
 * Turns → LangChain messages: `user` → `HumanMessage`, `assistant` → `AIMessage`, `system` →
 * `SystemMessage`, `tool` → `ToolMessage` with `tool_call_id: ''` (turnstore keeps no tool-call
 * ids). Fresh messages each call.
 */
export function toLangChainMessages(turns: readonly TurnLike[]): BaseMessage[] {
  return turns.map((turn) => {
    switch (turn.role) {
      case 'user': return new HumanMessage(turn.content);
      case 'assistant': return new AIMessage(turn.content);
      case 'system': return new SystemMessage(turn.content);
      case 'tool': return new ToolMessage({ content: turn.content, tool_call_id: '' });
      default: throw new TurnstoreError('TURNSTORE_INVALID_TURN', `A turn has the role ${describe((turn as { role?: unknown }).role)}.`);
    }
  });
}

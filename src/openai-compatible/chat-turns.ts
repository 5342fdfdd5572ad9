/**
 * Chat messages ↔ turns: what a message of an OpenAI-compatible request is as a turn (to store it,
 * or to count its tokens like a stored one), and the message a stored turn is sent upstream as.
 */
import { ROLES, type Role, type ToolCall, type TurnExtras, type TurnInput } from '../core/types.js';
import type { ChatMessage } from './chat-messages.js';
import { argumentsText } from './chat-stream.js';
import { contentWithAttachments, readContent } from './content-parts.js';

/** A turn as the renderer takes it: a stored `Turn`, a `TurnInput`, or anything with these fields. */
export interface TurnToRender extends TurnExtras {
  readonly role: Role;
  readonly content: string;
}

const asRole = (role: string): Role => ((ROLES as readonly string[]).includes(role) ? (role as Role) : 'user');

/** The `tool_calls` of an assistant message as {@link ToolCall}s (fields that are missing become `''`). */
function toolCallsOf(toolCalls: unknown): ToolCall[] {
  if (!Array.isArray(toolCalls)) return [];
  const calls: ToolCall[] = [];
  for (const call of toolCalls as Array<{ id?: unknown; function?: { name?: unknown; arguments?: unknown } | null } | null>) {
    if (call === null || typeof call !== 'object') continue;
    calls.push({
      id: typeof call.id === 'string' ? call.id : '',
      name: typeof call.function?.name === 'string' ? call.function.name : '',
      arguments: argumentsText(call.function?.arguments),
    });
  }
  return calls;
}

/** A message read as a turn, with how many of its content parts could not be kept. */
export interface MessageTurn {
  readonly turn: TurnInput;
  /** Content parts left out (see {@link readContent}). */
  readonly leftOut: number;
}

/**
 * `message` as a turn: its text, its `image_url`/`input_audio`/`file` parts as `attachments`, an
 * assistant message's `tool_calls` as `toolCalls`, a tool message's `tool_call_id` as `toolCallId`.
 * A role that is not one of the four (`developer`, the deprecated `function`) is read as `user`,
 * which only matters for counting: such messages are never stored.
 */
export function turnOfMessage(message: ChatMessage): MessageTurn {
  const role = asRole(message.role);
  const { text, attachments, leftOut } = readContent(message.content);
  const extras: { -readonly [K in keyof TurnExtras]: TurnExtras[K] } = {};
  if (role === 'assistant') {
    const toolCalls = toolCallsOf(message.tool_calls);
    if (toolCalls.length > 0) extras.toolCalls = toolCalls;
  }
  if (role === 'tool' && typeof message.tool_call_id === 'string') extras.toolCallId = message.tool_call_id;
  if (attachments.length > 0) extras.attachments = attachments;
  return { turn: { role, content: text, ...extras }, leftOut };
}

/**
 * The message that sends `turn` to an OpenAI-compatible API: `tool_calls` on an assistant message
 * (its `content` `null` when it has no text, as OpenAI itself answers), `tool_call_id` on a tool
 * message, and a user turn's attachments as content parts after its text. The chat format takes
 * images, audio and files only in user messages, so other roles' attachments are not sent; nor is
 * `metadata`, which is the app's own.
 */
export function messageOfTurn(turn: TurnToRender): ChatMessage {
  const { role, content } = turn;
  switch (role) {
    case 'user':
      return { role, content: contentWithAttachments(content, turn.attachments) };
    case 'assistant':
      if (!turn.toolCalls || turn.toolCalls.length === 0) return { role, content };
      return {
        role,
        content: content.length > 0 ? content : null,
        tool_calls: turn.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        })),
      };
    case 'tool':
      return turn.toolCallId === undefined ? { role, content } : { role, tool_call_id: turn.toolCallId, content };
    default:
      return { role, content };
  }
}

/**
 * An AI message's `tool_calls` and `invalid_tool_calls` ↔ a turn's `toolCalls`.
 *
 * LangChain holds a call's arguments as an object (`args`), turnstore as the JSON text the model
 * produced (`arguments`): `JSON.stringify` on the way in, `JSON.parse` on the way out. An invalid
 * call (arguments the model got wrong, kept by LangChain as text in `invalid_tool_calls`) is kept
 * with its text verbatim, and reads back as an invalid call again, so nothing is repaired or lost.
 */
import type { InvalidToolCall, ToolCall as LangChainToolCall } from '@langchain/core/messages';
import { TurnstoreError } from '../../core/errors.js';
import type { ToolCall } from '../../core/types.js';

/** The calls of one message: what a turn keeps, and what it cannot (for the `unsupported` policy). */
export interface ToolCallsOf {
  readonly toolCalls: ToolCall[];
  readonly unsupported: string[];
}

function describeCall(call: { name?: unknown }): string {
  return typeof call.name === 'string' ? call.name : '?';
}

/**
 * The tool calls of an AI message, valid ones first, then invalid ones, each in its own order.
 * A call without an id or a name cannot be answered by a tool message or sent back to a
 * provider, so it is unsupported rather than stored half.
 */
export function toolCallsOf(message: { tool_calls?: unknown; invalid_tool_calls?: unknown }, where: string): ToolCallsOf {
  const toolCalls: ToolCall[] = [];
  const unsupported: string[] = [];
  const valid = Array.isArray(message.tool_calls) ? (message.tool_calls as LangChainToolCall[]) : [];
  const invalid = Array.isArray(message.invalid_tool_calls) ? (message.invalid_tool_calls as InvalidToolCall[]) : [];
  valid.forEach((call, index) => {
    if (typeof call.id !== 'string' || call.id === '' || typeof call.name !== 'string' || call.name === '') {
      unsupported.push(`a tool call without an id or a name (tool_calls[${index}], ${describeCall(call)})`);
      return;
    }
    let text: string | undefined;
    try {
      text = JSON.stringify(call.args ?? {});
    } catch (error) {
      throw new TurnstoreError(
        'TURNSTORE_INVALID_TURN',
        `${where}: tool_calls[${index}].args cannot be written as JSON (${(error as Error).message}).`,
        { cause: error },
      );
    }
    toolCalls.push({ id: call.id, name: call.name, arguments: text });
  });
  invalid.forEach((call, index) => {
    if (typeof call.id !== 'string' || call.id === '' || typeof call.name !== 'string' || call.name === '') {
      unsupported.push(`an invalid tool call without an id or a name (invalid_tool_calls[${index}], ${describeCall(call)})`);
      return;
    }
    toolCalls.push({ id: call.id, name: call.name, arguments: typeof call.args === 'string' ? call.args : '' });
  });
  return { toolCalls, unsupported };
}

/** The `tool_calls` and `invalid_tool_calls` of the AI message a turn's `toolCalls` read back as. */
export function langChainToolCalls(calls: readonly ToolCall[]): { tool_calls: LangChainToolCall[]; invalid_tool_calls: InvalidToolCall[] } {
  const tool_calls: LangChainToolCall[] = [];
  const invalid_tool_calls: InvalidToolCall[] = [];
  for (const call of calls) {
    let args: unknown;
    let error: string | undefined;
    try {
      args = JSON.parse(call.arguments);
      if (args === null || typeof args !== 'object' || Array.isArray(args)) error = 'The arguments are JSON but not an object.';
    } catch (parseError) {
      error = `The arguments are not valid JSON: ${(parseError as Error).message}`;
    }
    if (error === undefined) tool_calls.push({ type: 'tool_call', id: call.id, name: call.name, args: args as Record<string, unknown> });
    else invalid_tool_calls.push({ type: 'invalid_tool_call', id: call.id, name: call.name, args: call.arguments, error });
  }
  return { tool_calls, invalid_tool_calls };
}

/**
 * A Responses API request (`POST /v1/responses`) read for a Chat Completions upstream: its input
 * items as chat messages, its tools and options as the chat request's fields, and what the
 * Response object echoes. What cannot be honoured over Chat Completions (a hosted tool,
 * `background: true`, an input item or content part the chat format has no form for, a field this
 * proxy does not know) is refused with 400 `TURNSTORE_UNSUPPORTED_PARAMETER` naming it, never
 * dropped. A field set to `null` is the same as one left out.
 */
import { checkId } from '../../../core/validate.js';
import type { ChatMessage } from '../../../openai-compatible/chat-messages.js';
import { HttpError } from '../../http-errors.js';

/** A request, read. */
export interface ResponsesRequest {
  readonly model: unknown;
  /** `instructions` as a system message, then the input: chat messages (system and developer messages are instructions too). */
  readonly messages: ChatMessage[];
  readonly instructions: string | null;
  readonly previousResponseId: string | undefined;
  /** The conversation named by `conversation` (an id, or `{ id }`). */
  readonly conversation: string | undefined;
  readonly store: boolean;
  readonly stream: boolean;
  readonly metadata: Readonly<Record<string, string>>;
  /** The fields of the chat request beside `model`, `messages` and `stream`. */
  readonly upstream: Readonly<Record<string, unknown>>;
  /** The request's settings as a Response object echoes them. */
  readonly echo: Readonly<Record<string, unknown>>;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** 400 for a field of the wrong shape. */
export function badField(param: string, problem: string): HttpError {
  return new HttpError('TURNSTORE_BAD_REQUEST', `${param} ${problem}.`, { param });
}

/** 400 for a field the proxy cannot honour. */
export function unsupported(param: string, why: string): HttpError {
  return new HttpError('TURNSTORE_UNSUPPORTED_PARAMETER', `${param}: ${why}`, { param });
}

/** Fields sent upstream as they are (Chat Completions has them under the same name), with their JSON type. */
const PASSED_ON: Readonly<Record<string, 'number' | 'string' | 'boolean'>> = {
  temperature: 'number',
  top_p: 'number',
  parallel_tool_calls: 'boolean',
  user: 'string',
  safety_identifier: 'string',
  prompt_cache_key: 'string',
};

/** Fields read below; every other field that is not null is refused. */
const KNOWN = new Set([
  ...Object.keys(PASSED_ON),
  'model',
  'input',
  'instructions',
  'previous_response_id',
  'conversation',
  'store',
  'stream',
  'metadata',
  'tools',
  'tool_choice',
  'max_output_tokens',
  'text',
  'include',
  'background',
  'truncation',
]);

function textOfParts(parts: unknown[], param: string, allowed: ReadonlySet<string>): string {
  let text = '';
  parts.forEach((part, j) => {
    const where = `${param}[${j}]`;
    if (!isObject(part) || typeof part.type !== 'string') throw badField(where, 'must be a content part with a type');
    if (!allowed.has(part.type)) throw unsupported(`${where}.type`, `a part of type "${part.type}" cannot be sent here.`);
    if (typeof part.text !== 'string') throw badField(`${where}.text`, 'must be a string');
    text += part.text;
  });
  return text;
}

/** The chat content part of a user message's content part. */
function chatPart(part: unknown, where: string): Json {
  if (!isObject(part) || typeof part.type !== 'string') throw badField(where, 'must be a content part with a type');
  switch (part.type) {
    case 'input_text':
      if (typeof part.text !== 'string') throw badField(`${where}.text`, 'must be a string');
      return { type: 'text', text: part.text };
    case 'input_image':
      if (typeof part.image_url !== 'string')
        throw unsupported(`${where}.image_url`, 'an image is sent by its URL (http(s): or data:); file_id needs OpenAI file storage.');
      return {
        type: 'image_url',
        image_url: typeof part.detail === 'string' ? { url: part.image_url, detail: part.detail } : { url: part.image_url },
      };
    case 'input_file':
      if (typeof part.file_data !== 'string')
        throw unsupported(`${where}.file_data`, 'a file is sent as file_data; file_id and file_url need OpenAI file storage.');
      return {
        type: 'file',
        file: typeof part.filename === 'string' ? { file_data: part.file_data, filename: part.filename } : { file_data: part.file_data },
      };
    default:
      throw unsupported(`${where}.type`, `a content part of type "${part.type}" cannot be sent to a Chat Completions model.`);
  }
}

const ASSISTANT_PARTS: ReadonlySet<string> = new Set(['output_text', 'input_text']);
const TOOL_OUTPUT_PARTS: ReadonlySet<string> = new Set(['input_text', 'output_text']);
const MESSAGE_ROLES: ReadonlySet<string> = new Set(['user', 'assistant', 'system', 'developer']);

function messageOfItem(item: Json, where: string): ChatMessage {
  const role = item.role;
  if (typeof role !== 'string' || !MESSAGE_ROLES.has(role)) throw badField(`${where}.role`, 'must be user, assistant, system or developer');
  const content = item.content;
  if (typeof content === 'string') return { role, content };
  if (!Array.isArray(content)) throw badField(`${where}.content`, 'must be a string or an array of content parts');
  if (role === 'user') {
    const parts = content.map((part, j) => chatPart(part, `${where}.content[${j}]`));
    // Text alone goes as a string, which every Chat Completions server takes.
    if (parts.every((part) => part.type === 'text')) return { role, content: parts.map((part) => part.text as string).join('') };
    return { role, content: parts };
  }
  return { role, content: textOfParts(content, `${where}.content`, ASSISTANT_PARTS) };
}

/** The input (`input`: a string, or items) as chat messages: a `function_call` joins the assistant message right before it. */
function messagesOfInput(input: unknown): ChatMessage[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) throw badField('input', 'must be a string or an array of input items');
  const messages: Array<ChatMessage & { tool_calls?: Json[] }> = [];
  input.forEach((item, i) => {
    const where = `input[${i}]`;
    if (!isObject(item)) throw badField(where, 'must be an input item (an object)');
    const type = item.type ?? 'message';
    switch (type) {
      case 'message':
        messages.push(messageOfItem(item, where));
        return;
      case 'function_call': {
        const { call_id: id, name, arguments: args } = item;
        if (typeof id !== 'string' || typeof name !== 'string' || typeof args !== 'string')
          throw badField(where, 'must have call_id, name and arguments as strings');
        const call = { id, type: 'function', function: { name, arguments: args } };
        const last = messages.at(-1);
        if (last?.role === 'assistant' && i > 0)
          messages[messages.length - 1] = { ...last, tool_calls: [...(last.tool_calls ?? []), call] };
        else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
        return;
      }
      case 'function_call_output': {
        if (typeof item.call_id !== 'string') throw badField(`${where}.call_id`, 'must be a string');
        const output = item.output;
        let content: string;
        if (typeof output === 'string') content = output;
        else if (Array.isArray(output)) content = textOfParts(output, `${where}.output`, TOOL_OUTPUT_PARTS);
        else throw badField(`${where}.output`, 'must be a string or an array of input_text parts');
        messages.push({ role: 'tool', tool_call_id: item.call_id, content });
        return;
      }
      default:
        throw unsupported(
          `${where}.type`,
          `input items of type ${JSON.stringify(type)} are not supported (messages, function_call and function_call_output are).`,
        );
    }
  });
  return messages;
}

function toolsOf(tools: unknown): Json[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw badField('tools', 'must be an array');
  return tools.map((tool, i) => {
    if (!isObject(tool) || typeof tool.type !== 'string') throw badField(`tools[${i}]`, 'must be a tool with a type');
    if (tool.type !== 'function')
      throw unsupported(
        `tools[${i}].type`,
        `the hosted tool "${tool.type}" needs OpenAI's servers; only function tools can be sent to a Chat Completions model.`,
      );
    if (typeof tool.name !== 'string') throw badField(`tools[${i}].name`, 'must be a string');
    const fn: Json = { name: tool.name };
    for (const key of ['description', 'parameters', 'strict'] as const)
      if (tool[key] !== undefined && tool[key] !== null) fn[key] = tool[key];
    return { type: 'function', function: fn };
  });
}

function toolChoiceOf(choice: unknown): unknown {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (isObject(choice) && choice.type === 'function' && typeof choice.name === 'string')
    return { type: 'function', function: { name: choice.name } };
  throw unsupported('tool_choice', 'must be auto, none, required or { type: "function", name }.');
}

function responseFormatOf(text: unknown): unknown {
  if (text === undefined || text === null) return undefined;
  if (!isObject(text)) throw badField('text', 'must be an object');
  for (const [key, value] of Object.entries(text))
    if (key !== 'format' && value !== null && value !== undefined) throw unsupported(`text.${key}`, 'is not supported by this proxy.');
  const format = text.format;
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) throw badField('text.format', 'must be an object');
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const { type: _, ...schema } = format;
      return { type: 'json_schema', json_schema: schema };
    }
    default:
      throw unsupported('text.format.type', `must be text, json_object or json_schema; got ${JSON.stringify(format.type)}.`);
  }
}

function metadataOf(metadata: unknown): Record<string, string> {
  if (metadata === undefined || metadata === null) return {};
  if (!isObject(metadata) || Object.keys(metadata).length > 16 || !Object.values(metadata).every((value) => typeof value === 'string'))
    throw badField('metadata', 'must be an object of at most 16 string values');
  return metadata as Record<string, string>;
}

function conversationOf(conversation: unknown): string | undefined {
  if (conversation === undefined || conversation === null) return undefined;
  const id = isObject(conversation) ? conversation.id : conversation;
  try {
    checkId(id);
  } catch (error) {
    throw new HttpError('TURNSTORE_BAD_REQUEST', `conversation: ${(error as Error).message}`, { param: 'conversation', cause: error });
  }
  return id;
}

/** Reads `body`; throws a 400 {@link HttpError} naming the field at fault. */
export function readResponsesRequest(body: unknown): ResponsesRequest {
  if (!isObject(body)) throw badField('body', 'must be a JSON object');
  for (const [key, value] of Object.entries(body)) {
    if (value === null || KNOWN.has(key)) continue;
    throw unsupported(key, 'this field is not supported by the memory proxy’s Responses API.');
  }
  const field = (key: string) => (body[key] === null ? undefined : body[key]);
  if (field('background') === true)
    throw unsupported('background', 'background responses are not supported; the proxy answers while it waits.');
  const include = field('include');
  if (include !== undefined && (!Array.isArray(include) || include.length > 0))
    throw unsupported('include', 'nothing can be included: the proxy adds no extra output data.');
  const truncation = field('truncation');
  if (truncation !== undefined && truncation !== 'auto' && truncation !== 'disabled')
    throw badField('truncation', 'must be auto or disabled');
  for (const key of ['store', 'stream'] as const)
    if (field(key) !== undefined && typeof field(key) !== 'boolean') throw badField(key, 'must be true or false');

  const instructions = field('instructions');
  if (instructions !== undefined && typeof instructions !== 'string') throw unsupported('instructions', 'must be a string.');
  const previousResponseId = field('previous_response_id');
  if (previousResponseId !== undefined && typeof previousResponseId !== 'string')
    throw badField('previous_response_id', 'must be a string');
  const conversation = conversationOf(field('conversation'));
  if (conversation !== undefined && previousResponseId !== undefined)
    throw badField('previous_response_id', 'cannot be used with conversation: name one or the other');

  const upstream: Json = {};
  const echo: Json = {};
  for (const [key, type] of Object.entries(PASSED_ON)) {
    const value = field(key);
    if (value === undefined) continue;
    if (typeof value !== type) throw badField(key, `must be a ${type}`);
    upstream[key] = value;
    echo[key] = value;
  }
  const maxOutputTokens = field('max_output_tokens');
  if (maxOutputTokens !== undefined) {
    if (!Number.isSafeInteger(maxOutputTokens) || (maxOutputTokens as number) < 1)
      throw badField('max_output_tokens', 'must be an integer ≥ 1');
    upstream.max_tokens = maxOutputTokens;
    echo.max_output_tokens = maxOutputTokens;
  }
  const tools = toolsOf(field('tools'));
  if (tools !== undefined) upstream.tools = tools;
  echo.tools = field('tools') ?? [];
  const toolChoice = toolChoiceOf(field('tool_choice'));
  if (toolChoice !== undefined) upstream.tool_choice = toolChoice;
  echo.tool_choice = field('tool_choice') ?? 'auto';
  const responseFormat = responseFormatOf(field('text'));
  if (responseFormat !== undefined) upstream.response_format = responseFormat;
  echo.text = field('text') ?? { format: { type: 'text' } };
  echo.truncation = truncation ?? 'disabled';

  const messages = messagesOfInput(field('input'));
  return {
    model: field('model'),
    messages: typeof instructions === 'string' ? [{ role: 'system', content: instructions }, ...messages] : messages,
    instructions: typeof instructions === 'string' ? instructions : null,
    previousResponseId: previousResponseId as string | undefined,
    conversation,
    store: field('store') !== false,
    stream: field('stream') === true,
    metadata: metadataOf(field('metadata')),
    upstream,
    echo,
  };
}

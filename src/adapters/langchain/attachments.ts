/**
 * LangChain file content blocks (images, audio, video, PDFs…) ↔ turnstore attachments
 * (`{mediaType, url}`), in both directions.
 *
 * LangChain has grown several shapes for the same thing, and a history must take all that an app
 * or a model may hand it: OpenAI's `image_url`, `input_audio` and `file` parts; the standard v1
 * blocks `{type: 'image'|'audio'|'video'|'file', url | data + mimeType}`; the older data blocks
 * `{type, source_type: 'url'|'base64', url | data, mime_type}`; Anthropic's `{type: 'image' |
 * 'document', source}`. Read back, an attachment becomes one data block with `source_type`: as of
 * @langchain/core 1.x that is the shape every provider integration converts on a message built the
 * ordinary way (ChatOpenAI through `isDataContentBlock`, ChatAnthropic too, while ChatAnthropic
 * drops a bare v1 `{type: 'image', url}` on a human message), and `message.contentBlocks` turns it
 * into the v1 standard block.
 */
import type { Attachment } from '../../core/types.js';
import { mediaTypeOfUrlPath } from '../../core/media-types.js';

/** A block that could not become an attachment, and why (for the `unsupported` policy). */
export interface NotAnAttachment {
  readonly unsupported: string;
}

/** A content block read back: LangChain's data content block. */
export type DataContentBlock =
  | { type: 'image' | 'audio' | 'file'; source_type: 'url'; url: string; mime_type: string }
  | { type: 'image' | 'audio' | 'file'; source_type: 'base64'; data: string; mime_type: string };

/** Block types that carry a file in one of the shapes above. */
export const FILE_BLOCK_TYPES: ReadonlySet<string> = new Set([
  'image_url',
  'input_audio',
  'file',
  'image',
  'audio',
  'video',
  'document',
  'text-plain',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `image/png; charset=x` → `image/png`, lower case; the store checks the rest. */
function bareMediaType(value: string): string {
  return value.split(';', 1)[0]!.trim().toLowerCase();
}

/** The media type a data: URL names (RFC 2397: `text/plain` when it names none). */
function mediaTypeOfDataUrl(url: string): string {
  const header = url.slice(5, url.indexOf(','));
  const type = bareMediaType(header);
  return type === '' || type === 'base64' ? 'text/plain' : type;
}

const isDataUrl = (url: string): boolean => /^data:/i.test(url);

/**
 * An attachment from a URL (http(s): or data:) and the media type the block gave, if any. `kind`
 * is what the block says it is (`image`, `audio`, `video`, `file`): an image, audio or video whose
 * media type cannot be told is not stored as some other type.
 */
function fromUrl(url: string, givenType: unknown, kind: string, what: string): Attachment | NotAnAttachment {
  let mediaType = typeof givenType === 'string' && givenType !== '' ? bareMediaType(givenType) : undefined;
  if (mediaType === undefined) mediaType = isDataUrl(url) ? mediaTypeOfDataUrl(url) : mediaTypeOfUrlPath(url);
  if (mediaType === undefined) {
    if (kind === 'file') mediaType = 'application/octet-stream';
    else return { unsupported: `${what} whose media type turnstore cannot tell (no mimeType, and no known extension in the URL)` };
  }
  return { mediaType, url };
}

/** An attachment from base64 data (a string, or bytes) and its media type, as a data: URL. */
function fromBase64(data: unknown, givenType: unknown, what: string): Attachment | NotAnAttachment {
  const base64 =
    typeof data === 'string'
      ? data
      : data instanceof Uint8Array
        ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')
        : undefined;
  if (base64 === undefined) return { unsupported: `${what} whose data is neither a base64 string nor bytes` };
  if (typeof givenType !== 'string' || givenType === '') return { unsupported: `${what} with base64 data but no media type` };
  const mediaType = bareMediaType(givenType);
  return { mediaType, url: `data:${mediaType};base64,${base64}` };
}

/**
 * The attachment a content block carries, `undefined` when the block is not a file block at all,
 * or `{unsupported}` when it is one turnstore cannot keep (a provider-side file id, inline text…).
 * `what` names the block in messages, e.g. `a "file" content block (content[1])`.
 */
export function attachmentOfBlock(block: Record<string, unknown>, what: string): Attachment | NotAnAttachment | undefined {
  const type = block.type;
  if (typeof type !== 'string' || !FILE_BLOCK_TYPES.has(type)) return undefined;

  // OpenAI Chat Completions parts.
  if (type === 'image_url') {
    const imageUrl = block.image_url;
    const url = typeof imageUrl === 'string' ? imageUrl : isRecord(imageUrl) ? imageUrl.url : undefined;
    if (typeof url !== 'string') return { unsupported: `${what} without a URL` };
    return fromUrl(url, undefined, 'image', what);
  }
  if (type === 'input_audio') {
    const audio = block.input_audio;
    if (!isRecord(audio) || typeof audio.format !== 'string') return { unsupported: `${what} without data and format` };
    // LangChain's own translation names the type after the format (audio/wav, audio/mp3), and
    // ChatOpenAI turns only those two back into input_audio: keep the same names.
    return fromBase64(audio.data, `audio/${audio.format}`, what);
  }
  if (type === 'file' && isRecord(block.file)) {
    const fileData = block.file.file_data;
    if (typeof fileData === 'string' && isDataUrl(fileData)) return fromUrl(fileData, undefined, 'file', what);
    return { unsupported: `${what} that names a provider-side file (file_id) or carries no data: URL` };
  }

  // Anthropic's own blocks: {type: 'image' | 'document', source: {type: 'base64' | 'url', …}}.
  if (isRecord(block.source) && typeof block.source.type === 'string') {
    const source = block.source;
    const kind = type === 'document' ? 'file' : type;
    if (source.type === 'base64') return fromBase64(source.data, source.media_type, what);
    if (source.type === 'url' && typeof source.url === 'string') return fromUrl(source.url, source.media_type, kind, what);
    return { unsupported: `${what} with a ${JSON.stringify(source.type)} source` };
  }
  if (type === 'document') return { unsupported: `${what} without a source` };

  // The older data blocks ({source_type, url | data, mime_type}) and the v1 standard blocks
  // ({url | data, mimeType}); video is kept as a file of its video/* type.
  const kind = type === 'text-plain' ? 'file' : type;
  const givenType = block.mimeType ?? block.mime_type;
  if ('source_type' in block) {
    if (block.source_type === 'url' && typeof block.url === 'string') return fromUrl(block.url, givenType, kind, what);
    if (block.source_type === 'base64') return fromBase64(block.data, givenType, what);
    return { unsupported: `${what} with source_type ${JSON.stringify(block.source_type)}` };
  }
  if (typeof block.url === 'string') return fromUrl(block.url, givenType, kind, what);
  if (block.data !== undefined) return fromBase64(block.data, givenType, what);
  return { unsupported: `${what} that names a provider-side file (fileId) or carries inline text rather than a URL or data` };
}

/**
 * The content block an attachment reads back as: `image/*` → an image block, `audio/*` → an audio
 * block, anything else (PDFs, text, video) → a file block; a base64 data: URL as `source_type:
 * 'base64'` with its data, any other URL as `source_type: 'url'`.
 */
export function blockOfAttachment(attachment: Attachment): DataContentBlock {
  const { mediaType, url } = attachment;
  const type = mediaType.startsWith('image/') ? 'image' : mediaType.startsWith('audio/') ? 'audio' : 'file';
  const comma = url.indexOf(',');
  if (isDataUrl(url) && comma > 0 && /;base64$/i.test(url.slice(0, comma))) {
    return { type, source_type: 'base64', data: url.slice(comma + 1), mime_type: mediaType };
  }
  return { type, source_type: 'url', url, mime_type: mediaType };
}

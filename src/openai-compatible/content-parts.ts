/**
 * Attachments ↔ the content parts of OpenAI-compatible chat messages: `image_url` for images,
 * `input_audio` for audio, `file` for everything else (PDFs…).
 *
 * A stored {@link Attachment} is `{mediaType, url}` and nothing more, so what a part carries beside
 * its data is kept inside the data: URL where the format allows it, and otherwise not kept:
 * - a `file` part's `filename` becomes a `filename=` parameter of the data: URL (RFC 2397 allows
 *   parameters after the media type), taken out again when the part is rendered;
 * - an `image_url` part's `detail` is not kept (the model's default applies on later requests);
 * - a `file` part with only a `file_id` (a file uploaded to OpenAI) has no URL and is not kept.
 */
import { mediaTypeOfUrlPath } from '../core/media-types.js';
import type { Attachment } from '../core/types.js';

/** A content part of a chat message, as sent. */
export type ContentPart = Readonly<Record<string, unknown>>;

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

/**
 * The media type of an image whose URL names none (an http URL without a known extension): the
 * rendering only needs to know it is an image.
 */
export const UNKNOWN_IMAGE_TYPE = 'image/unknown';

/** The media type a data: URL declares (lower-cased, parameters left out), or undefined. */
function dataUrlMediaType(url: string): string | undefined {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const type = url.slice(5, comma).split(';', 1)[0]!.trim().toLowerCase();
  return MEDIA_TYPE.test(type) ? type : undefined;
}

/** Whether `url` is `data:…;base64,…`. */
function isBase64DataUrl(url: string): boolean {
  const comma = url.indexOf(',');
  return comma > 0 && /;base64$/i.test(url.slice(0, comma));
}

const isDataUrl = (url: string) => /^data:/i.test(url);
const isHttpUrl = (url: string) => /^https?:/i.test(url) && URL.canParse(url);

function imageAttachment(url: unknown): Attachment | undefined {
  if (typeof url !== 'string') return undefined;
  if (isDataUrl(url)) {
    if (!url.includes(',')) return undefined;
    const type = dataUrlMediaType(url);
    return { mediaType: type?.startsWith('image/') ? type : UNKNOWN_IMAGE_TYPE, url };
  }
  if (!isHttpUrl(url)) return undefined;
  const type = mediaTypeOfUrlPath(url);
  return { mediaType: type?.startsWith('image/') ? type : UNKNOWN_IMAGE_TYPE, url };
}

/** `input_audio.format` → media type: OpenAI's two formats by their registered names, others as `audio/<format>`. */
function audioMediaType(format: string): string | undefined {
  const lower = format.toLowerCase();
  if (lower === 'mp3') return 'audio/mpeg';
  const type = `audio/${lower}`;
  return MEDIA_TYPE.test(type) ? type : undefined;
}

/** Media type → `input_audio.format`: `mp3` and `wav` under any of their names, else the subtype. */
function audioFormat(mediaType: string): string {
  const subtype = mediaType.slice(mediaType.indexOf('/') + 1).toLowerCase();
  if (subtype === 'mpeg' || subtype === 'mp3' || subtype === 'mpeg3' || subtype === 'x-mpeg-3') return 'mp3';
  if (subtype === 'wav' || subtype === 'x-wav' || subtype === 'wave' || subtype === 'vnd.wave') return 'wav';
  return subtype;
}

function audioAttachment(audio: unknown): Attachment | undefined {
  if (audio === null || typeof audio !== 'object') return undefined;
  const { data, format } = audio as { data?: unknown; format?: unknown };
  if (typeof data !== 'string' || typeof format !== 'string') return undefined;
  const mediaType = audioMediaType(format);
  return mediaType === undefined ? undefined : { mediaType, url: `data:${mediaType};base64,${data}` };
}

function fileAttachment(file: unknown): Attachment | undefined {
  if (file === null || typeof file !== 'object') return undefined;
  const { file_data: data, filename } = file as { file_data?: unknown; filename?: unknown };
  if (typeof data !== 'string' || data.length === 0) return undefined;
  let url: string;
  let mediaType: string;
  if (isDataUrl(data)) {
    if (!data.includes(',')) return undefined;
    url = data;
    mediaType = dataUrlMediaType(data) ?? 'application/octet-stream';
  } else {
    // OpenAI's own examples send a data: URL; a bare base64 string is taken as one without its header.
    mediaType = typeof filename === 'string' && /\.pdf$/i.test(filename) ? 'application/pdf' : 'application/octet-stream';
    url = `data:${mediaType};base64,${data}`;
  }
  if (typeof filename === 'string' && filename.length > 0) url = withFilename(url, filename);
  return { mediaType, url };
}

/** `url` (a data: URL) with a `filename=` parameter right after its media type. */
function withFilename(url: string, filename: string): string {
  const headerEnd = url.indexOf(',');
  const header = url.slice(5, headerEnd).split(';');
  header.splice(1, 0, `filename=${encodeURIComponent(filename)}`);
  return `data:${header.join(';')}${url.slice(headerEnd)}`;
}

/** A data: URL's `filename=` parameter, and the URL without it. */
function takeFilename(url: string): { url: string; filename?: string } {
  const headerEnd = url.indexOf(',');
  const header = url.slice(5, headerEnd).split(';');
  const at = header.findIndex((parameter, index) => index > 0 && /^filename=/i.test(parameter));
  if (at < 0) return { url };
  const [parameter] = header.splice(at, 1);
  let filename = parameter!.slice('filename='.length);
  try {
    filename = decodeURIComponent(filename);
  } catch {
    // A name that is not valid percent-encoding is kept as it was written.
  }
  return { url: `data:${header.join(';')}${url.slice(headerEnd)}`, filename };
}

/** The data of a data: URL as base64: as it is when it says `;base64`, else its percent-decoded bytes encoded. */
function base64Of(url: string): string {
  const comma = url.indexOf(',');
  const data = url.slice(comma + 1);
  if (isBase64DataUrl(url)) return data;
  const bytes: number[] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] === '%' && /^[0-9a-f]{2}$/i.test(data.slice(i + 1, i + 3))) {
      bytes.push(parseInt(data.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(data[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('base64');
}

/** What the content of a message holds: its text (text parts joined) and its attachments. */
export interface ReadContent {
  readonly text: string;
  readonly attachments: Attachment[];
  /** Parts that could not be kept: a `file_id` without data, a URL of another scheme, an unknown part type. */
  readonly leftOut: number;
}

/**
 * Reads a message's `content`: a string is its text; from an array of parts, the `text` of each text
 * part is joined with nothing between (as OpenAI's own clients join them), and `image_url`,
 * `input_audio` and `file` parts become attachments, in their order. `null` or absent (an assistant
 * message that only calls tools) is `''`.
 */
export function readContent(content: unknown): ReadContent {
  if (typeof content === 'string') return { text: content, attachments: [], leftOut: 0 };
  if (!Array.isArray(content)) return { text: '', attachments: [], leftOut: 0 };
  let text = '';
  const attachments: Attachment[] = [];
  let leftOut = 0;
  for (const part of content as Array<ContentPart | null>) {
    if (part === null || typeof part !== 'object') {
      leftOut++;
      continue;
    }
    let attachment: Attachment | undefined;
    switch (part.type) {
      case 'text':
      case undefined:
        if (typeof part.text === 'string') text += part.text;
        else leftOut++;
        continue;
      case 'image_url':
        attachment = imageAttachment((part.image_url as { url?: unknown } | null)?.url);
        break;
      case 'input_audio':
        attachment = audioAttachment(part.input_audio);
        break;
      case 'file':
        attachment = fileAttachment(part.file);
        break;
    }
    if (attachment) attachments.push(attachment);
    else leftOut++;
  }
  return { text, attachments, leftOut };
}

/**
 * The content part that sends `attachment` to a model, or undefined when the chat format has none
 * for it (audio or a file at an http URL: `input_audio` and `file` take the data itself).
 */
export function partOfAttachment(attachment: Attachment): ContentPart | undefined {
  const { mediaType, url } = attachment;
  const type = mediaType.toLowerCase();
  if (type.startsWith('image/')) return { type: 'image_url', image_url: { url } };
  if (!isDataUrl(url)) return undefined;
  if (type.startsWith('audio/')) return { type: 'input_audio', input_audio: { data: base64Of(url), format: audioFormat(type) } };
  const { url: bare, filename } = takeFilename(url);
  const fileData = isBase64DataUrl(bare) ? bare : `data:${mediaType};base64,${base64Of(bare)}`;
  return { type: 'file', file: filename === undefined ? { file_data: fileData } : { filename, file_data: fileData } };
}

/** A user message's `content` for `text` and `attachments`: the text alone, or parts (text first) when there are attachments. */
export function contentWithAttachments(text: string, attachments: readonly Attachment[] | undefined): string | ContentPart[] {
  if (!attachments || attachments.length === 0) return text;
  const parts: ContentPart[] = text.length > 0 ? [{ type: 'text', text }] : [];
  for (const attachment of attachments) {
    const part = partOfAttachment(attachment);
    if (part) parts.push(part);
  }
  return parts.length === 0 ? '' : parts;
}

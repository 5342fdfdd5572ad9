/**
 * The data of an AI SDK image or file part ↔ the URL of a turn's attachment.
 *
 * A part's data may be a URL (a `URL` object or a string), a base64 string, or bytes (`Uint8Array`,
 * `ArrayBuffer`, `Buffer`). An attachment holds a URL: `http:`/`https:` URLs and `data:` URLs are
 * kept verbatim, base64 and bytes become a `data:<mediaType>;base64,…` URL. Read back, the part's
 * data is that URL string, which the SDK accepts as it does the original (it splits a data: URL
 * into media type and base64 itself).
 */
import { hasAttachmentScheme, isAttachmentMediaType } from '../../core/turn-extras.js';

/** An attachment made from a part, or why there is none. */
export type AttachmentData = { readonly url: string; readonly mediaType: string } | { readonly refused: string };

/**
 * The media type an attachment gets when neither the part nor its data says one (a URL of an
 * image part without `mediaType`). The part is read back without a media type, as it came.
 */
export const UNKNOWN_MEDIA_TYPE = 'application/octet-stream';

// The stores' rules for an attachment's media type and URL scheme are checked here too, so that
// a part breaking them is refused (or dropped) as the part it is, before anything is stored.
const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// A data: URL's own media type: data:[<type/subtype>][;param…][;base64],<data>
const DATA_URL_MEDIA_TYPE = /^data:([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*)[;,]/i;

/**
 * Leading bytes of the image formats providers accept, to name an image part's type when the part
 * does not (the SDK itself looks at the same signatures before sending). Published magic numbers.
 */
const IMAGE_SIGNATURES: ReadonlyArray<{ readonly mediaType: string; readonly bytes: readonly number[] }> = [
  { mediaType: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { mediaType: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { mediaType: 'image/gif', bytes: [0x47, 0x49, 0x46, 0x38] },
  { mediaType: 'image/webp', bytes: [0x52, 0x49, 0x46, 0x46] }, // RIFF; WEBP follows at offset 8
];

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** Base64 of bytes, with Node's Buffer when there is one, else the web platform's btoa. */
function toBase64(bytes: Uint8Array): string {
  const NodeBuffer = (globalThis as { Buffer?: { from(bytes: Uint8Array): { toString(encoding: 'base64'): string } } }).Buffer;
  if (NodeBuffer !== undefined) return NodeBuffer.from(bytes).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The first bytes of base64 text, decoded (enough for a signature). */
function leadingBytesOfBase64(base64: string): Uint8Array {
  try {
    const head = atob(
      base64
        .slice(0, 24)
        .replace(/[^A-Za-z0-9+/]/g, '')
        .slice(0, 16),
    );
    return Uint8Array.from(head, (char) => char.charCodeAt(0));
  } catch {
    return new Uint8Array();
  }
}

function imageTypeOf(bytes: Uint8Array): string | undefined {
  for (const signature of IMAGE_SIGNATURES) {
    if (signature.bytes.every((byte, i) => bytes[i] === byte)) {
      if (signature.mediaType === 'image/webp' && String.fromCharCode(...bytes.subarray(8, 12)) !== 'WEBP') continue;
      return signature.mediaType;
    }
  }
  return undefined;
}

/**
 * The attachment for an image or file part's data. `mediaType` is the part's own; when it has
 * none, the data: URL's or (images) the bytes' signature names it, else {@link UNKNOWN_MEDIA_TYPE}.
 */
export function attachmentFromData(data: unknown, mediaType: string | undefined, isImage: boolean): AttachmentData {
  if (mediaType !== undefined && !isAttachmentMediaType(mediaType))
    return { refused: `media type ${JSON.stringify(mediaType)}, which is not "type/subtype"` };
  let url: string;
  let bytes: Uint8Array | undefined;
  if (data instanceof URL) {
    url = data.href;
  } else if (typeof data === 'string' && URL_LIKE.test(data)) {
    url = data;
  } else if (typeof data === 'string') {
    // Base64 text (no colon can occur in base64, so it is not a URL).
    const type = mediaType ?? (isImage ? imageTypeOf(leadingBytesOfBase64(data)) : undefined) ?? UNKNOWN_MEDIA_TYPE;
    return { url: `data:${type};base64,${data}`, mediaType: type };
  } else if (isBytes(data) || data instanceof ArrayBuffer) {
    bytes = isBytes(data) ? data : new Uint8Array(data);
    const type = mediaType ?? (isImage ? imageTypeOf(bytes) : undefined) ?? UNKNOWN_MEDIA_TYPE;
    return { url: `data:${type};base64,${toBase64(bytes)}`, mediaType: type };
  } else {
    return { refused: 'data that is neither a URL, base64 text nor bytes' };
  }
  if (!hasAttachmentScheme(url))
    return { refused: `a ${url.slice(0, url.indexOf(':') + 1)} URL (an attachment holds http:, https: or data: URLs)` };
  const type = mediaType ?? DATA_URL_MEDIA_TYPE.exec(url)?.[1] ?? UNKNOWN_MEDIA_TYPE;
  return { url, mediaType: type };
}

/**
 * PostgreSQL `text` cannot hold the NUL character, which turnstore allows in ids and contents
 * (SPEC §4: any characters are data). Such a string is stored escaped: U+0001 followed by its JSON
 * text, where NUL is the six characters `\u0000`. A string starting with U+0001 is escaped too, so
 * the mapping is one-to-one and every other string — almost all — is stored as it is.
 *
 * Byte counts never see the escaping: they are measured on the original (SPEC §2).
 */

const ESCAPED = 1; // U+0001

/** The text stored for `value`. */
export function encodeText(value: string): string {
  return value.charCodeAt(0) === ESCAPED || value.includes('\u0000') ? `\u0001${JSON.stringify(value)}` : value;
}

/** The string a stored text stands for. */
export function decodeText(stored: string): string {
  return stored.charCodeAt(0) === ESCAPED ? (JSON.parse(stored.slice(1)) as string) : stored;
}

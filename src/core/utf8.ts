/**
 * UTF-8 byte length of a string, computed in plain JavaScript so the core needs no Node API.
 * Returns -1 when the string has a lone surrogate (it has no UTF-8 form; encoders would silently
 * replace it with U+FFFD and change the data).
 */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) { bytes += 1; continue; }
    if (unit >= 0xd800 && unit <= 0xdfff) {
      // A surrogate pair: two code units, four bytes.
      const next = text.charCodeAt(i + 1);
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return -1;
      bytes += 2;
      i++;
      continue;
    }
    bytes += 2;
  }
  return bytes;
}

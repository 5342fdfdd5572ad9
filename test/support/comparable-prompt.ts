/**
 * A prompt as a model receives it, in a form two prompts can be compared in: fields set to
 * undefined gone, URLs as strings, and bytes as base64 (the original bytes of a file reach the
 * model as bytes, a stored data: URL as base64 — the same file).
 */
export function comparable(prompt: unknown): unknown {
  return JSON.parse(
    JSON.stringify(prompt, function (this: Record<string, unknown>, key, value: unknown) {
      // `this[key]` is the value before toJSON (a Buffer's toJSON would hide that it is bytes).
      const original = this[key];
      return original instanceof Uint8Array ? Buffer.from(original).toString('base64') : value;
    }),
  );
}

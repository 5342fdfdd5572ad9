/**
 * The one body parser of the service: JSON, nothing else (any other media type is 415).
 *
 * Plain `JSON.parse` rather than Fastify's default parser: that one refuses a `__proto__` key with
 * "Body is not valid JSON", which misleads the client. `JSON.parse` makes such a key an ordinary
 * own property (it never touches a prototype), and every object in the body schemas is closed
 * (`additionalProperties: false`), so the validator refuses it by name: `body has an unknown field
 * "__proto__"`. Nothing else reads the parsed body.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-errors.js';

/**
 * Deepest nesting of objects and arrays a request body may have. `JSON.parse` takes any depth, but
 * what handles the value afterwards may recurse: `JSON.stringify` of the memory proxy's upstream
 * body overflowed the stack at about 5,000 levels, which was answered as the upstream's failure
 * (502). A turn needs far less (metadata may be 32 levels deep, inside `{turns: [...]}`), and so
 * does an OpenAI request (its JSON schemas nest a few levels); 128 is also serde_json's default
 * recursion limit.
 */
export const MAX_BODY_DEPTH = 128;

/**
 * Whether `value` nests objects and arrays more than `limit` levels deep. A loop over a stack of
 * its own, not recursion, so any depth `JSON.parse` returns is measured; it visits only objects
 * and arrays, so a plain turn (one object of strings) costs one step.
 */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const pending: object[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const current = pending.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') {
        pending.push(child as object);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** Makes `application/json` (with any parameters, e.g. charset) the only body `app` accepts. */
export function acceptOnlyJson(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      done(new HttpError('TURNSTORE_BAD_REQUEST', 'The body is empty; send a JSON object.'), undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      done(new HttpError('TURNSTORE_BAD_REQUEST', `The body is not valid JSON: ${(error as Error).message}`), undefined);
      return;
    }
    if (nestedDeeperThan(parsed, MAX_BODY_DEPTH)) {
      done(new HttpError('TURNSTORE_BAD_REQUEST', `The body is nested more than ${MAX_BODY_DEPTH} levels deep.`), undefined);
      return;
    }
    done(null, parsed);
  });
}

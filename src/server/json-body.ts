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

/** Makes `application/json` (with any parameters, e.g. charset) the only body `app` accepts. */
export function acceptOnlyJson(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      done(new HttpError('TURNSTORE_BAD_REQUEST', 'The body is empty; send a JSON object.'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new HttpError('TURNSTORE_BAD_REQUEST', `The body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });
}

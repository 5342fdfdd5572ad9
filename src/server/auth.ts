/** Bearer-token check of the /v1 routes. */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * A checker of `Authorization` header values against `token`. The presented token and the
 * expected one are both hashed first, so the comparison is between equal-length digests and
 * `timingSafeEqual` leaks neither the token's content nor its length through timing.
 */
export function bearerChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    if (typeof authorization !== 'string') return false;
    // The scheme is case-insensitive (RFC 9110 §11.1); anything but one token after it is refused.
    const space = authorization.indexOf(' ');
    if (space < 0 || authorization.slice(0, space).toLowerCase() !== 'bearer') return false;
    const presented = authorization.slice(space + 1).trim();
    if (presented.length === 0) return false;
    return timingSafeEqual(digest(presented), expected);
  };
}

/**
 * Why `token` cannot be used, or undefined when it can: a token must be visible ASCII without
 * spaces, as clients send it verbatim in a header.
 */
export function tokenProblem(token: string): string | undefined {
  if (token.length === 0) return 'it is empty';
  if (!/^[\x21-\x7e]+$/.test(token)) return 'it must be printable ASCII without spaces';
  return undefined;
}

/**
 * `turnstore/ai-sdk`: turns ↔ the Vercel AI SDK's `ModelMessage`s (ai 5 and 6). Only types come
 * from `ai`; nothing is loaded at run time.
 *
 * @packageDocumentation
 */
export { fromModelMessages, toModelMessages, type ModelMessageOptions } from './model-messages.js';
export type { UnsupportedContent } from '../unsupported-content.js';

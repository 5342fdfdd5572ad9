/**
 * `turnstore/ai-sdk`: turns ↔ the Vercel AI SDK's `ModelMessage`s (ai 5 and 6), tool calls, tool
 * results, images and files included. Only types come from `ai`; nothing is loaded at run time.
 *
 * @packageDocumentation
 */
export { fromModelMessages, toModelMessages, type ModelMessageOptions, type ModelTurn } from './model-messages.js';
export { METADATA_KEY, type PartLayout, type SdkMetadata } from './sdk-metadata.js';
export type { UnsupportedContent } from '../unsupported-content.js';

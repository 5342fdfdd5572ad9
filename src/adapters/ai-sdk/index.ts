/**
 * `turnstore/ai-sdk`: turns ↔ the Vercel AI SDK's `ModelMessage`s (ai 5, 6 and 7), tool calls,
 * tool results, images and files included; and `saveUIMessages`/`loadUIMessages`, which keep the
 * chat of `UIMessage`s the SDK's persistence guide saves. Only types come from `ai`; nothing is
 * loaded at run time.
 *
 * @packageDocumentation
 */
export { fromModelMessages } from './from-model-messages.js';
export { toModelMessages } from './to-model-messages.js';
export type { ModelMessageOptions, ModelTurn } from './message-options.js';
export { METADATA_KEY, type PartLayout, type SdkMetadata } from './sdk-metadata.js';
export type { UnsupportedContent } from '../unsupported-content.js';
export { loadUIMessages, saveUIMessages, type UIMessageStore } from './ui-messages.js';

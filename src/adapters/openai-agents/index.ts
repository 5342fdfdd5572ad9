/**
 * `turnstore/openai-agents`: an OpenAI Agents SDK `Session` over any turnstore store. Needs the
 * optional peer `@openai/agents-core` (installed with `@openai/agents`; Node.js 22 or later):
 * constructing a session without it throws `TURNSTORE_MISSING_PEER`. The item ↔ turn mapping
 * (`turnsOfItems`, `itemsOfTurns`) needs nothing from the SDK.
 *
 * @packageDocumentation
 */
export { TurnstoreSession, type TurnstoreSessionOptions } from './session.js';
export {
  ITEM_METADATA_KEY,
  itemsOfTurns,
  turnOfItem,
  turnsOfItems,
  withoutOrphanResults,
  type AgentInputItem,
  type AgentItem,
} from './items.js';

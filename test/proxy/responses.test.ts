/** The Responses API suite (support/responses-suite.ts) with the root's `openai` client (6), on every runtime. */
import OpenAI from 'openai';
import { responsesSuite } from './support/responses-suite.js';

responsesSuite('openai 6', () => OpenAI);

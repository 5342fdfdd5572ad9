/**
 * The Responses API suite (support/responses-suite.ts) with openai 7, which needs Node.js 22: it is
 * loaded from the peer project test/peer-projects/openai-agents (a direct dependency there), so
 * these tests are skipped on Node 20 and run on 22 and 24.
 */
import { peerProject } from '../support/peer-project.js';
import { responsesSuite, type OpenAIClass } from './support/responses-suite.js';

const project = peerProject('openai-agents');

responsesSuite(
  'openai 7',
  async () => {
    if ('skip' in project) return undefined;
    const openai = (await project.load('openai')) as { default: OpenAIClass };
    const major = Number(project.version('openai').split('.')[0]);
    if (major !== 7) throw new Error(`the peer project should have openai 7; it has ${project.version('openai')}`);
    return openai.default;
  },
  'skip' in project ? project.skip : false,
);

/**
 * The memory proxy's `summarize` option: the oldest turns folded into the conversation's summary by
 * the upstream model, after the reply, never delaying one; failures change nothing; one summary
 * per conversation at a time.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createServer } from '../../src/server/index.js';
import { MemoryStore } from '../../src/index.js';
import { isSummaryRequest, startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { startProxy, type ProxyServer } from './support/proxy-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MODEL = 'pi-model';

let upstream: FakeUpstream;
before(async () => {
  upstream = await startFakeUpstream();
});
after(async () => {
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  upstream.summaryGate = null;
  upstream.summaryFails = false;
});

const summaryRequests = () => upstream.requests.filter((request) => isSummaryRequest(request.body));
const chatRequests = () => upstream.requests.filter((request) => !isSummaryRequest(request.body));

/** Waits until no summary request is waiting and none has started for a while. */
async function settle(): Promise<void> {
  for (let quiet = 0; quiet < 3;) {
    const seen = upstream.requests.length;
    await sleep(15);
    quiet = upstream.summariesPending === 0 && upstream.requests.length === seen ? quiet + 1 : 0;
  }
}

async function say(proxy: ProxyServer, id: string, text: string): Promise<string> {
  const reply = await proxy.client(id).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: text }] });
  return reply.choices[0]!.message.content!;
}

async function withProxy(summarize: boolean, run: (proxy: ProxyServer) => Promise<void>): Promise<void> {
  const proxy = await startProxy({ upstream: upstream.url, ...(summarize ? { summarize: { maxTurns: 8 } } : {}) }, { maxTurns: 8 });
  try {
    await run(proxy);
  } finally {
    await proxy.close();
  }
}

describe('memory proxy: summarize', () => {
  for (const summarize of [true, false]) {
    it(`a 40-turn conversation with maxTurns 8: the fact of turn 1 ${summarize ? 'is' : 'is not'} in the upstream body of turn 40 (summarize ${summarize ? 'on' : 'off'})`, async () => {
      await withProxy(summarize, async (proxy) => {
        await say(proxy, 'pi', 'Remember: my name is Ada and I keep bees.');
        await settle();
        for (let turn = 2; turn <= 40; turn++) {
          await say(proxy, 'pi', `Message ${turn}.`);
          await settle();
        }
        const last = chatRequests().at(-1)!.body;
        assert.equal(last.messages.at(-1).content, 'Message 40.');
        const sent = JSON.stringify(last.messages);
        if (summarize) {
          assert.match(sent, /my name is Ada and I keep bees/, 'the fact of turn 1 reached turn 40 through the summary');
          assert.equal(last.messages[0].role, 'system', 'the summary goes first, as a system message');
          assert.ok(summaryRequests().length >= 10, `summaries ran along the way (${summaryRequests().length})`);
          assert.ok(
            summaryRequests().every((request) => request.body.model === MODEL),
            'the summaries asked the model of the requests',
          );
          const stored = await proxy.store.get('pi');
          assert.equal(stored[0]!.summary, true);
          assert.ok(stored.length - 1 <= 8);
        } else {
          assert.doesNotMatch(sent, /Ada/, 'forgotten: maxTurns dropped it');
          assert.equal(summaryRequests().length, 0, 'no summary is asked for when it is off');
        }
      });
    });
  }

  it('no reply waits for a summary: while the upstream holds the summary request, the next exchanges are answered and stored', async () => {
    await withProxy(true, async (proxy) => {
      let release!: () => void;
      upstream.summaryGate = new Promise((resolve) => (release = resolve));
      for (let turn = 1; turn <= 3; turn++) await say(proxy, 'held', `Remember ${turn}.`);
      // Due after the third exchange (6 turns of maxTurns 8): its request is now held.
      while (upstream.summariesPending === 0) await sleep(5);
      const reply = await say(proxy, 'held', 'Turn 4.');
      assert.match(reply, /Turn 4/);
      assert.equal(upstream.summariesPending, 1, 'answered while the summary was still held');
      assert.deepEqual(
        (await proxy.store.get('held')).map((turn) => turn.role + (turn.summary ? ' summary' : '')),
        ['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant'],
        'stored, and no summary yet',
      );
      release();
      await settle();
      const stored = await proxy.store.get('held');
      assert.equal(stored[0]!.summary, true, 'the summary landed once released');
      assert.deepEqual(
        stored.slice(1).map((turn) => turn.content),
        ['Remember 3.', 'You said "Remember 3."; I saw 5 messages.', 'Turn 4.', 'You said "Turn 4."; I saw 7 messages.'],
        'the summary folded the 4 turns it read (keep 2); the exchange answered meanwhile is kept after them: nothing lost',
      );
    });
  });

  it('a failing summary changes nothing: the conversation is as it was, and the next request works', async () => {
    await withProxy(true, async (proxy) => {
      upstream.summaryFails = true;
      for (let turn = 1; turn <= 3; turn++) await say(proxy, 'fails', `Remember ${turn}.`);
      await settle();
      assert.equal(summaryRequests().length, 1, 'the summary was asked for, and failed');
      const turns = await proxy.store.get('fails');
      assert.deepEqual(
        turns.map((turn) => turn.content),
        [
          'Remember 1.',
          'You said "Remember 1."; I saw 1 messages.',
          'Remember 2.',
          'You said "Remember 2."; I saw 3 messages.',
          'Remember 3.',
          'You said "Remember 3."; I saw 5 messages.',
        ],
      );
      assert.equal(turns[0]!.summary, undefined);
      upstream.summaryFails = false;
      assert.match(await say(proxy, 'fails', 'Turn 4.'), /Turn 4/);
      await settle();
      assert.equal((await proxy.store.get('fails'))[0]!.summary, true, 'the next one, due again, succeeds');
    });
  });

  it('one conversation never runs two summaries at once: exchanges while one is under way start none', async () => {
    await withProxy(true, async (proxy) => {
      let release!: () => void;
      upstream.summaryGate = new Promise((resolve) => (release = resolve));
      for (let turn = 1; turn <= 3; turn++) await say(proxy, 'once', `Remember ${turn}.`);
      while (upstream.summariesPending === 0) await sleep(5);
      // Each of these is due (8 turns held, and the window's history grows): none starts a second summary.
      await say(proxy, 'once', 'Turn 4.');
      await Promise.all([say(proxy, 'once', 'Turn 5.'), say(proxy, 'other', 'Remember other.')]);
      await sleep(50);
      assert.equal(summaryRequests().length, 1);
      assert.equal(upstream.summariesPending, 1);
      release();
      await settle();
      assert.equal(upstream.summaryPeak, 1);
      const stored = await proxy.store.get('once');
      assert.equal(stored[0]!.summary, true);
      assert.ok(
        stored.some((turn) => turn.content === 'Turn 5.'),
        'the turns stored meanwhile are kept',
      );
    });
  });

  it('the Responses API route summarises too: a chain of responses keeps the first fact', async () => {
    await withProxy(true, async (proxy) => {
      let previous: string | undefined;
      let conversation = '';
      for (let turn = 1; turn <= 12; turn++) {
        const response = await fetch(`${proxy.url}/v1/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: MODEL,
            input: turn === 1 ? 'Remember: the launch code is 0000.' : `Step ${turn}.`,
            ...(previous ? { previous_response_id: previous } : {}),
          }),
        });
        assert.equal(response.status, 200);
        const body = (await response.json()) as { id: string; conversation?: { id: string } };
        previous = body.id;
        conversation = response.headers.get('x-conversation-id')!;
        await settle();
      }
      assert.match(JSON.stringify(chatRequests().at(-1)!.body.messages), /launch code is 0000/);
      assert.ok(summaryRequests().length > 0);
      assert.equal((await proxy.store.get(decodeURIComponent(conversation)))[0]!.summary, true);
    });
  });

  it('a Responses fork of a conversation with a summary copies the summary as the system turn it reads as', async () => {
    await withProxy(true, async (proxy) => {
      const ask = async (input: string, previous?: string) => {
        const response = await fetch(`${proxy.url}/v1/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: MODEL, input, ...(previous ? { previous_response_id: previous } : {}) }),
        });
        assert.equal(response.status, 200);
        return {
          id: ((await response.json()) as { id: string }).id,
          conversation: decodeURIComponent(response.headers.get('x-conversation-id')!),
        };
      };
      const ids: string[] = [];
      let conversation = '';
      // The third is due a summary (6 turns of maxTurns 8), which folds all but the third; the fourth is not.
      for (let turn = 1; turn <= 4; turn++) {
        const answer = await ask(turn === 1 ? 'Remember: the door is blue.' : `Step ${turn}.`, ids.at(-1));
        ids.push(answer.id);
        conversation = answer.conversation;
        await settle();
      }
      const summary = (await proxy.store.get(conversation))[0]!;
      assert.equal(summary.summary, true);
      // Continuing the response before the newest forks the conversation.
      const fork = await ask('And now?', ids.at(-2));
      assert.notEqual(fork.conversation, conversation);
      const forked = await proxy.store.get(fork.conversation);
      assert.deepEqual([forked[0]!.role, forked[0]!.content, forked[0]!.summary], ['system', summary.content, undefined]);
      assert.equal(forked.at(-2)!.content, 'And now?');
    });
  });

  it('summarize options are checked: keep too large for maxTurns, an unknown key, an empty prompt', async () => {
    const store = new MemoryStore();
    try {
      for (const summarize of [{ maxTurns: 8, keep: 6 }, { kept: 2 }, { prompt: ' ' }, { maxTurns: 2 }, 'yes']) {
        await assert.rejects(
          createServer({ store, logLevel: 'silent', proxy: { upstream: upstream.url, summarize: summarize as never } }),
          (error: Error & { code?: string }) => error.code === 'TURNSTORE_INVALID_OPTION' && /summarize/.test(error.message),
          JSON.stringify(summarize),
        );
      }
    } finally {
      await store.close();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { failureLog } from '../../src/server/failure-log.js';
import { serviceLogger } from '../../src/server/service-logger.js';

describe('the service logger and the failure log', () => {
  it("writes a failed request as one JSON line in pino's shape, with the request and the error", () => {
    const lines: string[] = [];
    const request = {
      id: 'req-7',
      method: 'GET',
      url: '/v1/conversations/x',
      log: serviceLogger('info', (line) => lines.push(line)),
    } as unknown as FastifyRequest;
    failureLog(false)(request, Object.assign(new Error('disk on fire'), { code: 'EIO' }));
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.endsWith('\n'));
    const entry = JSON.parse(lines[0]!) as Record<string, any>;
    assert.equal(entry.level, 50);
    assert.equal(entry.msg, 'request failed');
    assert.equal(entry.reqId, 'req-7');
    assert.deepEqual(entry.req, { method: 'GET', url: '/v1/conversations/x' });
    assert.deepEqual([entry.err.type, entry.err.message, entry.err.code], ['Error', 'disk on fire', 'EIO']);
    assert.match(entry.err.stack, /disk on fire/);
    assert.equal(typeof entry.time, 'number');
  });

  it('writes the levels at or above its own, follows a change of level, and nothing when silent', () => {
    const lines: string[] = [];
    const logger = serviceLogger('warn', (line) => lines.push(line));
    logger.info('not shown');
    logger.warn({ reqId: 'r1' }, 'shown');
    logger.error(new Error('boom'));
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { level: number }).level),
      [40, 50],
    );
    logger.level = 'silent';
    logger.fatal('not shown either');
    assert.equal(lines.length, 2);
    logger.level = 'info';
    logger.info('now shown');
    assert.equal(lines.length, 3);
    assert.equal(logger.child({ reqId: 'x' }), logger, 'no child per request');
  });
  it("writes the error's causes after its message and stack, as pino does; an AggregateError by the errors it holds", () => {
    const lines: string[] = [];
    const logger = serviceLogger('info', (line) => lines.push(line));
    const refused = (port: number) =>
      Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), { code: 'ECONNREFUSED', address: '127.0.0.1', port });
    const single = new Error('The upstream could not be reached.', { cause: new TypeError('fetch failed', { cause: refused(9) }) });
    // What fetch gives when every address of a host refuses: an AggregateError without a message of its own.
    const aggregate = Object.assign(new AggregateError([refused(7), refused(8)], ''), { code: 'ECONNREFUSED' });
    const several = new Error('The upstream could not be reached.', { cause: new TypeError('fetch failed', { cause: aggregate }) });
    failureLog(false)({ id: 'r1', method: 'POST', url: '/v1/chat/completions', log: logger } as unknown as FastifyRequest, single);
    failureLog(false)({ id: 'r2', method: 'POST', url: '/v1/chat/completions', log: logger } as unknown as FastifyRequest, several);
    const [first, second] = lines.map((line) => (JSON.parse(line) as { err: { message: string; stack: string } }).err);
    assert.equal(first!.message, 'The upstream could not be reached.: fetch failed: connect ECONNREFUSED 127.0.0.1:9');
    assert.match(
      first!.stack,
      /^Error: The upstream could not be reached\.\n[^]*\ncaused by: TypeError: fetch failed\n[^]*\ncaused by: Error: connect ECONNREFUSED 127\.0\.0\.1:9\n/,
    );
    assert.equal(
      second!.message,
      'The upstream could not be reached.: fetch failed: connect ECONNREFUSED 127.0.0.1:7; connect ECONNREFUSED 127.0.0.1:8',
    );
  });

  it('a cause that points back at an error already written ends the chain', () => {
    const lines: string[] = [];
    const looping = new Error('outer');
    looping.cause = new Error('inner', { cause: looping });
    serviceLogger('info', (line) => lines.push(line)).error({ err: looping }, 'x');
    assert.equal((JSON.parse(lines[0]!) as { err: { message: string } }).err.message, 'outer: inner');
  });
});

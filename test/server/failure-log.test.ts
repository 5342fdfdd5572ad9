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
});

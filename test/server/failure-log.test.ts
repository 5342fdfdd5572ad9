import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { failureLog } from '../../src/server/failure-log.js';

const request = { id: 'req-7', method: 'GET', url: '/v1/conversations/x' } as FastifyRequest;

describe('the failure log', () => {
  it('writes one JSON line in pino\'s shape, with the request and the error', () => {
    const lines: string[] = [];
    failureLog('info', false, (line) => lines.push(line))(request, Object.assign(new Error('disk on fire'), { code: 'EIO' }));
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.endsWith('\n'));
    const entry = JSON.parse(lines[0]!) as Record<string, any>;
    assert.equal(entry.level, 50);
    assert.equal(entry.msg, 'request failed');
    assert.equal(entry.reqId, 'req-7');
    assert.deepEqual(entry.req, { method: 'GET', url: '/v1/conversations/x' });
    assert.equal(entry.err.type, 'Error');
    assert.equal(entry.err.message, 'disk on fire');
    assert.equal(entry.err.code, 'EIO');
    assert.match(entry.err.stack, /disk on fire/);
    assert.equal(typeof entry.time, 'number');
  });

  it('writes nothing at fatal and silent', () => {
    for (const level of ['fatal', 'silent'] as const) {
      const lines: string[] = [];
      failureLog(level, false, (line) => lines.push(line))(request, new Error('x'));
      assert.deepEqual(lines, []);
    }
  });
});

/**
 * The floor of the service benchmark: bare Fastify routes on the service's paths, with no store,
 * schemas, auth, metrics or logging. GET answers a constant conversation of the same size as the
 * service's (serialized by Fastify's default JSON.stringify, as any route returning an object);
 * POST parses the JSON body, as the service does, and answers what the service answers.
 *
 * Usage: node bench/dist/bench/service/bare-server.js <turnsEach> <contentLength>; prints its URL.
 */
import Fastify from 'fastify';
import { conversationBody } from './content.js';

const [turnsEach, contentLength] = process.argv.slice(2).map(Number) as [number, number];
const conversation = conversationBody('c-0000', turnsEach, contentLength);

const app = Fastify({ logger: false });
app.get('/v1/conversations/:id', async () => conversation);
app.post<{ Params: { id: string } }>('/v1/conversations/:id/turns', async (request, reply) => {
  void reply.code(201);
  return { id: request.params.id, appended: 1 };
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${url}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

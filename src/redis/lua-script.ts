import { createHash } from 'node:crypto';

/**
 * Sends one command and resolves with its reply. `firstKey` routes the command on a Cluster;
 * `deadline` (a `performance.now()` reading) is when the caller stops waiting.
 */
export type CommandSender = (firstKey: string, args: string[], deadline: number) => Promise<unknown>;

/**
 * A Lua script defined once with its SHA1, run with `EVALSHA` and, when the server does not know
 * it (`NOSCRIPT`: first use, a restart, `SCRIPT FLUSH`, a failover to a replica that never saw
 * it), sent in full once with `EVAL`, which also caches it on that server again.
 *
 * Written here rather than taken from node-redis's `defineScript`: that one is tied to a client
 * created with it (`createClient({ scripts })`), and RedisStore must also work with a client or
 * cluster the caller created. Both routes give one round trip per call in the steady state.
 */
export class LuaScript {
  /** A name for messages. */
  readonly name: string;
  /** The Lua source, sent with EVAL. */
  readonly source: string;
  /** SHA1 of the source in hex, as Redis names cached scripts. */
  readonly sha1: string;

  constructor(name: string, source: string) {
    this.name = name;
    this.source = source;
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Runs the script: one `EVALSHA`, plus one `EVAL` only when the server answers `NOSCRIPT`.
   * Keys go in KEYS and everything else in ARGV, never in the script text, so the SHA1 stays
   * the same and ids are data.
   */
  run(send: CommandSender, keys: readonly string[], args: readonly string[], deadline: number): Promise<unknown> {
    const command = this.command(keys.length);
    for (const key of keys) command.push(key);
    for (const arg of args) command.push(arg);
    return this.runCommand(send, command, deadline);
  }

  /** The start of a run of this script with `keyCount` keys, for {@link runCommand}: the keys and then the arguments are pushed onto it. */
  command(keyCount: number): string[] {
    return ['EVALSHA', this.sha1, String(keyCount)];
  }

  /**
   * {@link run} with the command built by the caller, from {@link command}: the hot path builds it
   * in place, with no copies.
   */
  async runCommand(send: CommandSender, command: string[], deadline: number): Promise<unknown> {
    const firstKey = command[3]!;
    try {
      return await send(firstKey, command, deadline);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      const full = command.slice();
      full[0] = 'EVAL';
      full[1] = this.source;
      return send(firstKey, full, deadline);
    }
  }
}

/** Whether Redis answered that it does not have the script cached. */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

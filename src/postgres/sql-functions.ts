/**
 * The tables and the plpgsql functions of PostgresStore (schema version 5). Each store operation is
 * one call of one of these functions (append calls go several at a time, as one call of `appends`,
 * and get calls as one call of `gets`):
 * one round trip and one transaction, in which the call expires idle conversations, does its work,
 * and enforces the caps. Ids, contents and numbers are always the functions' parameters, never SQL
 * text; the only names written into the SQL are the schema and the table prefix, checked to plain
 * identifier characters and double-quoted.
 *
 * Layout (prefix `p_` shown as `p`):
 *
 * - `p conversations`: one row per live conversation. `key` is a small integer the turns refer
 *   to, so an id of up to 256 characters is stored once. `touch_order` orders conversations by
 *   recency: each touch takes the next value of the sequence `p touch_order`, a strict order shared
 *   by every process, even within one millisecond; `list` pages on it and the LRU cap evicts the
 *   lowest. `last_access_ms` is the server time of the last touch, indexed for expiry. `turns` and
 *   `bytes` are the conversation's own counts, so removing it never counts its turns. `summary`
 *   (NULL for none), `summary_ts_ms` and `summary_bytes` are its summary (decision 16; version 4),
 *   counted in `bytes`, never in `turns`.
 * - `p turns`: keyed by (conversation, seq): a conversation's turns are one range of the primary
 *   key, read in order and trimmed with one range delete. `extras` is the turn's extras JSON text
 *   verbatim (`text`, not `jsonb`, which would reorder keys), NULL for a plain turn; `bytes` is
 *   content plus extras in UTF-8, measured by the app before it sends them.
 * - `p totals`: one row: live conversations, turns and bytes (what the caps are checked against),
 *   and the evictions by reason since the store was created.
 * - `p totals_shards`: 32 rows of turns and bytes that common-case `appends` batches count in
 *   instead of `totals`, each within its shard's `quota` (its part of the room under the byte budget;
 *   see version 3), so batches on several connections commit at once. The live turns and bytes are
 *   `totals` plus the sum of the shards; the exact path folds the shards into `totals` first.
 *
 * Locking, so that concurrent calls never deadlock: a call first waits for the row lock of its
 * own conversation (if it has one; `appends` for those of all its calls, in id order), and only
 * then for the `totals` row, and then, in the exact path of `appends` and in `compact`, for every
 * shard in shard order. A common-case batch takes no `totals` lock, only one shard's, last (one no other batch
 * holds if there is one). Any other conversation it removes (expired, or
 * evicted by the caps) it locks with `SKIP LOCKED`, never waiting: a conversation locked by another
 * call is being touched right now, so it is not the one to evict anyway. `clear` locks every
 * conversation, in id order, before it takes `totals`.
 *
 * Time is `clock_timestamp()` on the server, read once the conversation's lock is held, so turns
 * of concurrent writers are stamped in the order they are stored.
 */

/** The quoted names of one store's objects. */
export interface SqlNames {
  /** `"schema"` */
  readonly schema: string;
  /** `"schema"."<prefix>name"` for one of the store's objects. */
  readonly object: (name: string) => string;
  /** The same name quoted as one identifier, without the schema (for indexes). */
  readonly bare: (name: string) => string;
  /** `"schema"."<prefix>name"` as a string literal, for nextval. */
  readonly literal: (name: string) => string;
  /** The advisory lock key of this store (a signed 32-bit integer). */
  readonly lockKey: number;
}

/** Advisory lock class of the migration; the store's own key is the second half. */
export const MIGRATION_LOCK_CLASS = 746_570_001;
/** Advisory lock class of the expiry sweep. */
export const SWEEP_LOCK_CLASS = 746_570_002;
/**
 * Rows of `<prefix>totals_shards`: how many common-case batches can commit at once, each holding
 * one shard's lock (rather than the totals row's) through its commit's WAL flush.
 */
export const TOTALS_SHARDS = 32;

function tables(n: SqlNames): string {
  return `
CREATE TABLE ${n.object('conversations')} (
  key bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  touch_order bigint NOT NULL,
  last_access_ms bigint NOT NULL,
  next_seq bigint NOT NULL,
  turns integer NOT NULL,
  bytes bigint NOT NULL
);
CREATE INDEX ${n.bare('conversations_by_touch')} ON ${n.object('conversations')} (touch_order);
CREATE INDEX ${n.bare('conversations_by_last_access')} ON ${n.object('conversations')} (last_access_ms);
CREATE SEQUENCE ${n.object('touch_order')} AS bigint;

CREATE TABLE ${n.object('turns')} (
  conversation bigint NOT NULL,
  seq bigint NOT NULL,
  role smallint NOT NULL,
  content text NOT NULL,
  extras text,
  ts_ms bigint NOT NULL,
  bytes integer NOT NULL,
  PRIMARY KEY (conversation, seq)
);

CREATE TABLE ${n.object('totals')} (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  conversations bigint NOT NULL,
  turns bigint NOT NULL,
  bytes bigint NOT NULL,
  evicted_ttl bigint NOT NULL,
  evicted_lru bigint NOT NULL,
  evicted_bytes bigint NOT NULL
);
INSERT INTO ${n.object('totals')} VALUES (true, 0, 0, 0, 0, 0, 0);
`;
}

/** Variables every function declares: the clock reading, evictions, and changes to the totals. */
const COMMON_DECLARATIONS = `
  now_ms bigint;
  evicted text[] := '{}';
  d_conversations bigint := 0;
  d_turns bigint := 0;
  d_bytes bigint := 0;
  n_ttl bigint := 0;
  n_lru bigint := 0;
  n_bytes bigint := 0;
  victim record;`;

/** The server's clock in whole milliseconds. */
const CLOCK_MS = 'floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint';
const READ_CLOCK = `now_ms := ${CLOCK_MS};`;

/**
 * Whether a last access (ms) is expired at `now` (an SQL expression; the clock reading `now_ms`
 * unless given): idle more than the TTL, `now − last > ttl`.
 */
const isExpired = (lastAccess: string, now = 'now_ms'): string => `(p_ttl_ms > 0 AND ${lastAccess} < ceil(${now} - p_ttl_ms)::bigint)`;

/**
 * Whether any conversation has expired: the oldest last access, read from the end of its index.
 * Written as `min()` because that plan does not depend on the parameters: plpgsql's generic plan
 * for `EXISTS (… WHERE last_access_ms < $1)` guesses a third of the rows match and may scan the
 * whole table, on every call (version 5).
 */
function anyExpired(n: SqlNames): string {
  return isExpired(`(SELECT min(o.last_access_ms) FROM ${n.object('conversations')} o)`);
}

/**
 * Removes every expired conversation but `keep` (the call's own, handled by the call), as 'ttl'
 * evictions; conversations locked by other calls are left to them.
 */
function expireOthers(n: SqlNames, keep: string): string {
  return `
  IF ${anyExpired(n)} THEN
    FOR victim IN
      SELECT c.key, c.id, c.turns, c.bytes FROM ${n.object('conversations')} c
      WHERE c.last_access_ms < ceil(now_ms - p_ttl_ms)::bigint AND c.key <> ${keep}
      ORDER BY c.last_access_ms
      FOR UPDATE SKIP LOCKED
    LOOP
      DELETE FROM ${n.object('turns')} WHERE conversation = victim.key;
      DELETE FROM ${n.object('conversations')} WHERE key = victim.key;
      d_conversations := d_conversations - 1;
      d_turns := d_turns - victim.turns;
      d_bytes := d_bytes - victim.bytes;
      n_ttl := n_ttl + 1;
      evicted := evicted || ARRAY['ttl', victim.id];
    END LOOP;
  END IF;`;
}

/** Writes the changes to the totals, when there are any: the `totals` row is locked last. */
function applyTotals(n: SqlNames): string {
  return `
  IF d_conversations <> 0 OR d_turns <> 0 OR d_bytes <> 0 OR n_ttl <> 0 OR n_lru <> 0 OR n_bytes <> 0 THEN
    UPDATE ${n.object('totals')} SET
      conversations = conversations + d_conversations,
      turns = turns + d_turns,
      bytes = bytes + d_bytes,
      evicted_ttl = evicted_ttl + n_ttl,
      evicted_lru = evicted_lru + n_lru,
      evicted_bytes = evicted_bytes + n_bytes;
  END IF;`;
}

/** Removes the conversation in `victim` as an eviction for `reason`, counted in the running totals. */
function evictVictim(n: SqlNames, reason: 'lru' | 'bytes'): string {
  return `
    DELETE FROM ${n.object('turns')} WHERE conversation = victim.key;
    DELETE FROM ${n.object('conversations')} WHERE key = victim.key;
    v_total_conversations := v_total_conversations - 1;
    v_total_bytes := v_total_bytes - victim.bytes;
    d_conversations := d_conversations - 1;
    d_turns := d_turns - victim.turns;
    d_bytes := d_bytes - victim.bytes;
    n_${reason} := n_${reason} + 1;
    evicted := evicted || ARRAY['${reason}', victim.id];`;
}

/**
 * The caps after an append call's turns are in, in the order of the contract: the LRU cap, the
 * byte budget on others (victims: the least recently used conversation but the call's own, and
 * `exclude` — an SQL condition on `c` — locked with SKIP LOCKED), then on the conversation's own
 * oldest turns. Needs the variables of `appends`.
 */
function enforceCaps(n: SqlNames, exclude: string, summaries = false): string {
  const conversations = n.object('conversations');
  const turns = n.object('turns');
  const victim = `SELECT c.key, c.id, c.turns, c.bytes INTO victim FROM ${conversations} c
      WHERE c.key <> v_key${exclude} ORDER BY c.touch_order LIMIT 1 FOR UPDATE SKIP LOCKED;`;
  return `WHILE v_total_conversations > p_max_conversations LOOP
    ${victim}
    EXIT WHEN NOT FOUND;${evictVictim(n, 'lru')}
  END LOOP;
  WHILE v_total_bytes > p_max_total_bytes LOOP
    ${victim}
    EXIT WHEN NOT FOUND;${evictVictim(n, 'bytes')}
  END LOOP;
  IF v_total_bytes > p_max_total_bytes THEN
    -- Alone over the budget: its own oldest turns go. The newest always fits (maxTotalBytes >= maxTurnBytes).
    v_trimmed_turns := 0;
    v_trimmed_bytes := 0;
    WHILE v_total_bytes > p_max_total_bytes AND v_turns - v_trimmed_turns > 1 LOOP
      DELETE FROM ${turns} WHERE conversation = v_key
        AND seq = (SELECT min(t.seq) FROM ${turns} t WHERE t.conversation = v_key)
        RETURNING bytes INTO v_gone_bytes;
      EXIT WHEN NOT FOUND;
      v_trimmed_turns := v_trimmed_turns + 1;
      v_trimmed_bytes := v_trimmed_bytes + v_gone_bytes;
      v_total_bytes := v_total_bytes - v_gone_bytes;
    END LOOP;
    IF v_trimmed_turns > 0 THEN
      UPDATE ${conversations} SET turns = turns - v_trimmed_turns, bytes = bytes - v_trimmed_bytes WHERE key = v_key;
      d_turns := d_turns - v_trimmed_turns;
      d_bytes := d_bytes - v_trimmed_bytes;
    END IF;${summaries ? dropOwnSummary(n) : ''}
  END IF;`;
}

/** Still over the budget with only the newest turn left: the conversation's summary goes too (decision 16). */
function dropOwnSummary(n: SqlNames): string {
  const conversations = n.object('conversations');
  return `
    IF v_total_bytes > p_max_total_bytes THEN
      SELECT c.summary_bytes INTO v_gone_bytes FROM ${conversations} c WHERE c.key = v_key AND c.summary IS NOT NULL;
      IF FOUND THEN
        UPDATE ${conversations} SET summary = NULL, summary_ts_ms = NULL, summary_bytes = 0, bytes = bytes - v_gone_bytes WHERE key = v_key;
        d_bytes := d_bytes - v_gone_bytes;
        v_total_bytes := v_total_bytes - v_gone_bytes;
      END IF;
    END IF;`;
}

/**
 * `pop(id, count, ttlMs)`: removes the newest `count` turns of a live conversation (all, when it
 * holds fewer) and touches it; one left empty is removed, as by `delete`. Serves `pop` and
 * `replaceNewest` with no turns to append. Rows: the newest turn removed (role, content, extras,
 * ts in ms), if any; then the evictions as rows with a NULL role (id, reason).
 */
function popFunction(n: SqlNames, summaries = false): string {
  const conversations = n.object('conversations');
  const turns = n.object('turns');
  return `
CREATE OR REPLACE FUNCTION ${n.object('pop')}(p_id text, p_count bigint, p_ttl_ms double precision)
RETURNS TABLE (r_role smallint, r_content text, r_extras text, r_ts_ms double precision) LANGUAGE plpgsql AS $fn$
DECLARE${COMMON_DECLARATIONS}
  v_key bigint;
  v_next_seq bigint;
  v_turns integer;
  v_bytes bigint;
  v_last_access bigint;
  v_found boolean;
  v_gone_turns integer;
  v_gone_bytes bigint;
  v_has_summary boolean := false;
BEGIN
  SELECT c.key, c.next_seq, c.turns, c.bytes, c.last_access_ms${summaries ? ', c.summary IS NOT NULL' : ''} INTO v_key, v_next_seq, v_turns, v_bytes, v_last_access${summaries ? ', v_has_summary' : ''}
    FROM ${conversations} c WHERE c.id = p_id FOR UPDATE;
  v_found := FOUND;
  ${READ_CLOCK}
  ${expireOwn(n)}
  ${expireOthers(n, 'coalesce(v_key, -1)')}
  -- A conversation holding only a summary has no turn to remove.
  IF v_found${summaries ? ' AND v_turns > 0' : ''} THEN
    RETURN QUERY SELECT t.role, t.content, t.extras, t.ts_ms::double precision FROM ${turns} t
      WHERE t.conversation = v_key ORDER BY t.seq DESC LIMIT 1;
    WITH gone AS (DELETE FROM ${turns} WHERE conversation = v_key AND seq >= v_next_seq - p_count RETURNING bytes)
      SELECT count(*), coalesce(sum(gone.bytes), 0) INTO v_gone_turns, v_gone_bytes FROM gone;
    d_turns := d_turns - v_gone_turns;
    d_bytes := d_bytes - v_gone_bytes;
    IF v_gone_turns >= v_turns AND NOT v_has_summary THEN
      -- Emptied: gone, as if deleted (not an eviction); one holding a summary stays.
      DELETE FROM ${conversations} WHERE key = v_key;
      d_conversations := d_conversations - 1;
    ELSE
      UPDATE ${conversations} SET
        touch_order = nextval(${n.literal('touch_order')}),
        last_access_ms = now_ms,
        next_seq = v_next_seq - v_gone_turns,
        turns = v_turns - v_gone_turns,
        bytes = v_bytes - v_gone_bytes
        WHERE key = v_key;
    END IF;
  END IF;
  ${endWithTurnRows(n)}`;
}

/**
 * When the call's own conversation (locked, `v_found`) has expired: removes it as a 'ttl' eviction,
 * and the call goes on as if it had not been found.
 */
function expireOwn(n: SqlNames): string {
  return `IF v_found AND ${isExpired('v_last_access')} THEN
    DELETE FROM ${n.object('turns')} WHERE conversation = v_key;
    DELETE FROM ${n.object('conversations')} WHERE key = v_key;
    d_conversations := d_conversations - 1;
    d_turns := d_turns - v_turns;
    d_bytes := d_bytes - v_bytes;
    n_ttl := n_ttl + 1;
    evicted := evicted || ARRAY['ttl', p_id];
    v_found := false;
  END IF;`;
}

/** The end of `get` and `pop`, whose rows are turns: settles the totals, then emits the evictions as rows with a NULL role. */
function endWithTurnRows(n: SqlNames): string {
  return `${applyTotals(n)}
  ${emitEvictions(['r_role', 'r_content', 'r_extras', 'r_ts_ms'], 'r_content', 'r_extras')}
END
$fn$;`;
}

/** Emits the evictions as rows whose first column is NULL: then the id, then the reason. */
function emitEvictions(columns: readonly string[], idColumn: string, reasonColumn: string): string {
  return `
  FOR i IN 1 .. cardinality(evicted) / 2 LOOP
    ${columns.map((column) => `${column} := ${column === idColumn ? 'evicted[2 * i]' : column === reasonColumn ? 'evicted[2 * i - 1]' : 'NULL'};`).join(' ')}
    RETURN NEXT;
  END LOOP;`;
}

/**
 * `get(id, ttlMs)`: the turns (role, content, extras, ts in ms), oldest first, touching the
 * conversation when it is live; then the evictions as rows with a NULL role (id, reason).
 *
 * `fastTouch` (version 5): a live conversation is touched by one `UPDATE … RETURNING`, which takes
 * its row lock, checks expiry at the clock read once the lock is held (PostgreSQL re-checks the
 * condition after waiting for a concurrent writer), and touches it, without a separate locking
 * read first; anything else (not found, expired) takes the locking path.
 */
function getFunction(n: SqlNames, asyncTouch = false, summaries = false, fastTouch = false): string {
  return `
CREATE OR REPLACE FUNCTION ${n.object('get')}(p_id text, p_ttl_ms double precision)
RETURNS TABLE (r_role smallint, r_content text, r_extras text, r_ts_ms double precision) LANGUAGE plpgsql AS $fn$
DECLARE${COMMON_DECLARATIONS}${CONVERSATION_DECLARATIONS}
BEGIN${
    asyncTouch
      ? `
  -- A read's touch (recency, TTL, expiries) commits without waiting for the WAL flush: a crash may
  -- lose it, never a turn; a later durable commit flushes it too.
  SET LOCAL synchronous_commit = off;`
      : ''
  }
  ${getBody(n, summaries, fastTouch)}
  ${endWithTurnRows(n)}`;
}

/** The variables of one conversation's row, as `get`, `gets` and `compact` read it, besides {@link COMMON_DECLARATIONS}. */
const CONVERSATION_DECLARATIONS = `
  v_key bigint;
  v_turns integer;
  v_bytes bigint;
  v_last_access bigint;
  v_found boolean;
  v_summary text;
  v_summary_ts bigint;`;

/**
 * One get of `p_id`: expires what is due, touches the conversation when it is live, and returns
 * its summary and turns as rows, with `call` (an SQL expression, for `gets`) as a first column
 * when given. Evictions accumulate in `evicted` and the totals' changes in the `d_`/`n_` variables.
 */
function getBody(n: SqlNames, summaries: boolean, fastTouch: boolean, call?: string): string {
  const conversations = n.object('conversations');
  const turns = n.object('turns');
  const touch = `touch_order = nextval(${n.literal('touch_order')})`;
  const lockingPath = `SELECT c.key, c.turns, c.bytes, c.last_access_ms${summaries ? ', c.summary, c.summary_ts_ms' : ''} INTO v_key, v_turns, v_bytes, v_last_access${summaries ? ', v_summary, v_summary_ts' : ''}
    FROM ${conversations} c WHERE c.id = p_id FOR UPDATE;
  v_found := FOUND;
  ${READ_CLOCK}
  ${expireOwn(n)}
  ${expireOthers(n, 'coalesce(v_key, -1)')}
  IF v_found THEN
    UPDATE ${conversations} SET ${touch}, last_access_ms = now_ms WHERE key = v_key;
  END IF;`;
  return `${
    fastTouch
      ? `UPDATE ${conversations} c SET ${touch}, last_access_ms = ${CLOCK_MS}
    WHERE c.id = p_id AND NOT ${isExpired('c.last_access_ms', CLOCK_MS)}
    RETURNING c.key, c.last_access_ms${summaries ? ', c.summary, c.summary_ts_ms' : ''} INTO v_key, now_ms${summaries ? ', v_summary, v_summary_ts' : ''};
  v_found := FOUND;
  IF v_found THEN
    ${expireOthers(n, 'v_key').replace(/\n/g, '\n  ')}
  ELSE
    ${lockingPath.replace(/\n/g, '\n  ')}
  END IF;`
      : lockingPath
  }
  IF v_found THEN${
    summaries
      ? `
    -- The summary first, as a row of role -1 (decision 16).
    IF v_summary IS NOT NULL THEN
      ${call === undefined ? '' : `r_call := ${call}; `}r_role := -1; r_content := v_summary; r_extras := NULL; r_ts_ms := v_summary_ts;
      RETURN NEXT;
    END IF;`
      : ''
  }
    RETURN QUERY SELECT ${call === undefined ? '' : `${call}, `}t.role, t.content, t.extras, t.ts_ms::double precision FROM ${turns} t WHERE t.conversation = v_key ORDER BY t.seq;
  END IF;`;
}

/**
 * `gets(ids, ttlMs)` (version 5): several get calls in one transaction, each exactly as if made
 * alone, in order. Rows: (call, role, content, extras, ts in ms) for each call's summary and turns,
 * the call numbered from 1, in call order; then the evictions as rows with a NULL call and role
 * (id, reason). Every conversation of the batch is locked first, in id order (the order `appends`
 * and `clear` lock in), so batches never wait for each other in a cycle.
 */
function getsFunction(n: SqlNames): string {
  return `
CREATE OR REPLACE FUNCTION ${n.object('gets')}(p_ids text[], p_ttl_ms double precision)
RETURNS TABLE (r_call integer, r_role smallint, r_content text, r_extras text, r_ts_ms double precision) LANGUAGE plpgsql AS $fn$
DECLARE${COMMON_DECLARATIONS}${CONVERSATION_DECLARATIONS}
  p_id text;
  v_call integer;
BEGIN
  -- As get: the touches commit without waiting for the WAL flush.
  SET LOCAL synchronous_commit = off;
  PERFORM FROM ${n.object('conversations')} c WHERE c.id = ANY (p_ids) ORDER BY c.id FOR UPDATE;
  FOR v_call IN 1 .. cardinality(p_ids) LOOP
    p_id := p_ids[v_call];
    ${getBody(n, true, true, 'v_call').replace(/\n/g, '\n  ')}
  END LOOP;
  ${applyTotals(n)}
  ${emitEvictions(['r_call', 'r_role', 'r_content', 'r_extras', 'r_ts_ms'], 'r_content', 'r_extras')}
END
$fn$;`;
}

/** `delete(id, ttlMs)`: `{'1' | '0', reason, id, …}` — whether a live conversation went, then the evictions. */
function deleteFunction(n: SqlNames): string {
  const conversations = n.object('conversations');
  return `
CREATE OR REPLACE FUNCTION ${n.object('delete')}(p_id text, p_ttl_ms double precision)
RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE${COMMON_DECLARATIONS}
  v_key bigint;
  v_turns integer;
  v_bytes bigint;
  v_last_access bigint;
  v_found boolean;
BEGIN
  SELECT c.key, c.turns, c.bytes, c.last_access_ms INTO v_key, v_turns, v_bytes, v_last_access
    FROM ${conversations} c WHERE c.id = p_id FOR UPDATE;
  v_found := FOUND;
  ${READ_CLOCK}
  IF v_found THEN
    DELETE FROM ${n.object('turns')} WHERE conversation = v_key;
    DELETE FROM ${conversations} WHERE key = v_key;
    d_conversations := -1;
    d_turns := -v_turns;
    d_bytes := -v_bytes;
    IF ${isExpired('v_last_access')} THEN
      -- It had expired: an eviction, and nothing live was deleted.
      n_ttl := 1;
      evicted := ARRAY['ttl', p_id];
      v_found := false;
    END IF;
  END IF;
  ${expireOthers(n, 'coalesce(v_key, -1)')}
  ${applyTotals(n)}
  RETURN ARRAY[CASE WHEN v_found THEN '1' ELSE '0' END] || evicted;
END
$fn$;`;
}

/** `clear(ttlMs)`: removes every conversation (the expired ones counted as evictions); returns the evictions. */
function clearFunction(n: SqlNames, lockBy: 'key' | 'id' = 'key'): string {
  const conversations = n.object('conversations');
  return `
CREATE OR REPLACE FUNCTION ${n.object('clear')}(p_ttl_ms double precision)
RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE${COMMON_DECLARATIONS}
  v_keys bigint[] := '{}';
BEGIN
  ${READ_CLOCK}
  -- Every conversation is locked (waiting for calls on it) before totals; those created meanwhile
  -- are not locked here, and stay: they came after the clear.
  FOR victim IN SELECT c.key, c.id, c.turns, c.bytes, c.last_access_ms FROM ${conversations} c ORDER BY c.${lockBy} FOR UPDATE LOOP
    IF ${isExpired('victim.last_access_ms')} THEN
      n_ttl := n_ttl + 1;
      evicted := evicted || ARRAY['ttl', victim.id];
    END IF;
    d_conversations := d_conversations - 1;
    d_turns := d_turns - victim.turns;
    d_bytes := d_bytes - victim.bytes;
    v_keys := v_keys || victim.key;
  END LOOP;
  DELETE FROM ${n.object('turns')} WHERE conversation = ANY (v_keys);
  DELETE FROM ${conversations} WHERE key = ANY (v_keys);
  ${applyTotals(n)}
  RETURN evicted;
END
$fn$;`;
}

/**
 * A function of `p_ttl_ms` alone that expires what is due, settles the totals and returns
 * `result` (a text[] expression; `evicted` holds the evictions); `guard` runs first.
 */
function expiringFunction(n: SqlNames, name: string, result: string, guard = ''): string {
  return `
CREATE OR REPLACE FUNCTION ${n.object(name)}(p_ttl_ms double precision)
RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE${COMMON_DECLARATIONS}
BEGIN${guard}
  ${READ_CLOCK}
  ${expireOthers(n, '-1')}
  ${applyTotals(n)}
  RETURN ${result};
END
$fn$;`;
}

/** `size(ttlMs)`: `{count, reason, id, …}`. */
function sizeFunction(n: SqlNames): string {
  return expiringFunction(n, 'size', `ARRAY[(SELECT t.conversations FROM ${n.object('totals')} t)::text] || evicted`);
}

/** `stats(ttlMs)`: `{conversations, turns, bytes, evicted ttl, lru, bytes, reason, id, …}`; turns and bytes are the totals' plus the shards'. */
function statsFunction(n: SqlNames): string {
  return expiringFunction(
    n,
    'stats',
    `(SELECT ARRAY[t.conversations, t.turns + s.turns, t.bytes + s.bytes, t.evicted_ttl, t.evicted_lru, t.evicted_bytes]::text[]
    FROM ${n.object('totals')} t, (SELECT coalesce(sum(u.turns), 0) AS turns, coalesce(sum(u.bytes), 0) AS bytes FROM ${n.object('totals_shards')} u) s) || evicted`,
  );
}

/** `sweep(ttlMs)`: removes expired conversations, one process at a time (others skip); returns the evictions. */
function sweepFunction(n: SqlNames): string {
  return expiringFunction(
    n,
    'sweep',
    'evicted',
    `
  IF NOT pg_try_advisory_xact_lock(${SWEEP_LOCK_CLASS}, ${n.lockKey}) THEN
    RETURN evicted;
  END IF;`,
  );
}

/**
 * `list(before, limit, ttlMs)`: the evictions first (a NULL touch order, then id and reason), then
 * up to `limit` + 1 conversations touched before `before`, most recent first, one row per turn
 * (touch order, id, last access ms, role, content, extras, ts ms); the last of `limit` + 1 comes
 * as one row without a turn: it only says that more follow.
 */
function listFunction(n: SqlNames, summaries = false): string {
  // With summaries, each conversation's summary joins as its first row (role -1, before every seq).
  const rows = summaries
    ? `(SELECT s.key AS conversation, -1::bigint AS seq, (-1)::smallint AS role, s.summary AS content, NULL::text AS extras, s.summary_ts_ms AS ts_ms
        FROM ${n.object('conversations')} s WHERE s.summary IS NOT NULL
      UNION ALL
      SELECT u.conversation, u.seq, u.role, u.content, u.extras, u.ts_ms FROM ${n.object('turns')} u)`
    : n.object('turns');
  return `
CREATE OR REPLACE FUNCTION ${n.object('list')}(p_before bigint, p_limit integer, p_ttl_ms double precision)
RETURNS TABLE (r_touch_order text, r_id text, r_last_access_ms double precision, r_role smallint, r_content text, r_extras text, r_ts_ms double precision)
LANGUAGE plpgsql AS $fn$
DECLARE${COMMON_DECLARATIONS}
BEGIN
  ${READ_CLOCK}
  ${expireOthers(n, '-1')}
  ${applyTotals(n)}
  ${emitEvictions(['r_touch_order', 'r_id', 'r_last_access_ms', 'r_role', 'r_content', 'r_extras', 'r_ts_ms'], 'r_id', 'r_extras')}
  RETURN QUERY
    WITH page AS (
      SELECT c.key, c.id, c.touch_order, c.last_access_ms, row_number() OVER (ORDER BY c.touch_order DESC) AS place
      FROM ${n.object('conversations')} c WHERE c.touch_order < p_before ORDER BY c.touch_order DESC LIMIT p_limit + 1)
    SELECT p.touch_order::text, p.id, p.last_access_ms::double precision, t.role, t.content, t.extras, t.ts_ms::double precision
    FROM page p LEFT JOIN ${rows} t ON t.conversation = p.key AND p.place <= p_limit
    ORDER BY p.touch_order DESC, t.seq;
END
$fn$;`;
}

/**
 * Locks the totals, then every shard (in shard order), and folds the shards' counts into the
 * totals, which then hold the exact figures for the caps (version 3). Whatever adds bytes other
 * than a common-case batch runs this first, and {@link shareRoom} after.
 */
function foldShards(n: SqlNames): string {
  const shards = n.object('totals_shards');
  return `
  PERFORM FROM ${n.object('totals')} FOR UPDATE;
  WITH folded AS (
    UPDATE ${shards} s SET turns = 0, bytes = 0 FROM (SELECT o.shard, o.turns, o.bytes FROM ${shards} o ORDER BY o.shard FOR UPDATE) old
      WHERE s.shard = old.shard RETURNING old.turns, old.bytes)
    UPDATE ${n.object('totals')} SET turns = turns + (SELECT coalesce(sum(f.turns), 0) FROM folded f),
      bytes = bytes + (SELECT coalesce(sum(f.bytes), 0) FROM folded f);`;
}

/** The room left under the byte budget, shared out among the (locked, folded) shards for the next common-case batches. */
function shareRoom(n: SqlNames): string {
  return `UPDATE ${n.object('totals_shards')} SET cap_basis = p_max_total_bytes,
    quota = greatest(0, p_max_total_bytes - (SELECT t.bytes FROM ${n.object('totals')} t)) / ${TOTALS_SHARDS};`;
}

/** What version 6's `appends` declares for its common case: the batch's conversations, as locked. */
const SET_BASED_DECLARATIONS = `
  v_distinct integer := 1;
  v_existing integer;
  v_locked integer := 0;
  v_keys bigint[];
  v_ids text[];
  v_next_seqs bigint[];
  v_turns_of integer[];
  v_bytes_of bigint[];`;

/**
 * The start of version 6's `appends`. A batch of several calls asks, without locks, how many
 * distinct conversations it names and how many exist; when all do, it locks them in one statement,
 * in id order (the order the loop after it takes them in), and keeps their rows as locked
 * (`v_keys`…) for {@link writeAllAtOnce}, with the bytes the batch adds. A single call, a batch that
 * creates a conversation, or one that lost a conversation between the two statements goes on to
 * the loop, which locks or creates them one at a time (rows already locked are locked again at no
 * cost). In that last, rare case the loop may create a conversation whose id sorts before one
 * already locked: should that ever close a cycle with another batch, PostgreSQL ends one of them
 * with a deadlock error, a rollback, and its calls are sent again one at a time. Only a batch with
 * every conversation in `v_keys` (`v_locked = v_distinct`) is written by the one statement.
 */
function lockAllAtOnce(n: SqlNames): string {
  const conversations = n.object('conversations');
  return `
  IF cardinality(p_ids) > 1 THEN
    SELECT count(DISTINCT u.id), (SELECT count(*) FROM ${conversations} c WHERE c.id = ANY (p_ids))
      INTO v_distinct, v_existing FROM unnest(p_ids) AS u(id);
    IF v_existing = v_distinct THEN
      SELECT array_agg(l.key), array_agg(l.id), array_agg(l.next_seq), array_agg(l.turns), array_agg(l.bytes),
          (SELECT coalesce(sum(b), 0) FROM unnest(p_bytes) AS b)
        INTO v_keys, v_ids, v_next_seqs, v_turns_of, v_bytes_of, v_fast_added
        FROM (SELECT c.key, c.id, c.next_seq, c.turns, c.bytes FROM ${conversations} c WHERE c.id = ANY (p_ids) ORDER BY c.id FOR UPDATE) l;
      v_locked := coalesce(cardinality(v_keys), 0);
    END IF;
  END IF;
  IF v_locked < v_distinct THEN`;
}

/**
 * Version 6's common case when no call replaces turns and {@link lockAllAtOnce} locked every
 * conversation of the batch: all the batch's calls written in one
 * statement, whatever their number — the trims, one update per conversation, the inserts — with
 * the same result as the per-call loop. Each conversation gets its calls' turns, numbered on from
 * its `next_seq` in call order, and keeps its newest `maxTurns`: older turns are deleted, and a
 * turn of the batch that a later call of the batch would have trimmed is never inserted. Its
 * recency is that of its last call (touch orders taken in call order), so the LRU order is what
 * calls made one at a time leave. Sets `v_fast_turns` and `v_fast_bytes` to what the totals gain.
 *
 * The function runs with `jit = off` and `plan_cache_mode = force_generic_plan`. Not knowing the
 * arrays' lengths, the planner guesses a thousand elements each, so this statement's generic plan
 * looks costly: left to itself, plpgsql planned it afresh on every call (a thousand batches took
 * 2.5 times as long), and its cost estimate crossed the JIT threshold (0.85 s of compiling per call).
 * Every statement of the function is written to be right under a generic plan (a test checks that
 * none scans the conversations or turns table).
 */
function writeAllAtOnce(n: SqlNames): string {
  const conversations = n.object('conversations');
  const turns = n.object('turns');
  return `
          WITH calls AS (
            SELECT i AS call, p_ids[i] AS id, p_counts[i] AS count, sum(p_counts[i]) OVER (ORDER BY i) - p_counts[i] + 1 AS first
            FROM generate_subscripts(p_ids, 1) AS i
          ), batch AS (
            SELECT c.id, g AS place, row_number() OVER (PARTITION BY c.id ORDER BY g) AS k
            FROM calls c CROSS JOIN LATERAL generate_series(c.first, c.first + c.count - 1) AS g
          ), target AS (
            SELECT x.key, x.id, x.next_seq, x.turns, x.bytes, per.count, row_number() OVER (ORDER BY per.last_call) AS rank
            FROM (SELECT c.id, sum(c.count) AS count, max(c.call) AS last_call FROM calls c GROUP BY c.id) per
            JOIN unnest(v_ids, v_keys, v_next_seqs, v_turns_of, v_bytes_of) AS x(id, key, next_seq, turns, bytes) ON x.id = per.id
          ), touches AS (
            SELECT array_agg(s.v ORDER BY s.v) AS v FROM (SELECT nextval(${n.literal('touch_order')}) AS v FROM generate_series(1, v_distinct)) s
          ), kept AS (
            SELECT t.key, t.next_seq + b.k - 1 AS seq, b.place FROM batch b JOIN target t ON t.id = b.id WHERE b.k > t.count - p_max_turns
          ), gone AS (
            DELETE FROM ${turns} d USING target t
              WHERE d.conversation = ANY (v_keys) AND d.conversation = t.key AND d.seq < t.next_seq + t.count - p_max_turns
            RETURNING d.conversation, d.bytes
          ), inserted AS (
            INSERT INTO ${turns} (conversation, seq, role, content, extras, ts_ms, bytes)
            SELECT k.key, k.seq, p_roles[k.place], p_contents[k.place], p_extras[k.place], now_ms, p_bytes[k.place] FROM kept k
          ), changes AS (
            SELECT t.key, t.next_seq + t.count AS next_seq, t.rank,
              t.turns + (SELECT count(*) FROM kept k WHERE k.key = t.key) - (SELECT count(*) FROM gone g WHERE g.conversation = t.key) AS turns,
              t.bytes + (SELECT coalesce(sum(p_bytes[k.place]), 0) FROM kept k WHERE k.key = t.key)
                - (SELECT coalesce(sum(g.bytes), 0) FROM gone g WHERE g.conversation = t.key) AS bytes
            FROM target t
          ), touched AS (
            UPDATE ${conversations} c SET touch_order = (SELECT touches.v[ch.rank] FROM touches), last_access_ms = now_ms,
              next_seq = ch.next_seq, turns = ch.turns, bytes = ch.bytes
            FROM changes ch WHERE c.key = ANY (v_keys) AND c.key = ch.key
          )
          SELECT coalesce(sum(ch.turns - t.turns), 0), coalesce(sum(ch.bytes - t.bytes), 0) INTO v_fast_turns, v_fast_bytes
            FROM changes ch JOIN target t ON t.key = ch.key;`;
}

/**
 * `appends(ids, counts, replace, maxTurns, maxConversations, maxTotalBytes, ttlMs, roles, contents,
 * extras, bytes)`: several append calls in one transaction, each exactly as if made alone, in
 * order. Call i appends `counts[i]` turns (the next ones of the turn arrays) to `ids[i]`, after
 * removing that conversation's newest `replace[i]` turns (0: none). Returns one `text[]` row per
 * call, in call order: that call's evictions as `reason, id, …`.
 *
 * Locks: first every conversation of the batch, in id order — one that does not exist yet is
 * created as a placeholder (no turns, not counted, never a victim) and becomes the conversation
 * when its first call comes — and only then the totals, as every other function does (`clear`
 * also locks by id). So batches, single calls and `clear` never wait for each other in a cycle.
 * A conversation of the batch that an earlier call of the batch evicted or expired is created
 * again by its call, as it would be if the calls came one at a time.
 */
function appendsFunction(n: SqlNames, summaries = false, setBased = false): string {
  const conversations = n.object('conversations');
  const turns = n.object('turns');
  const shards = n.object('totals_shards');
  // The start of each call: its turns' bytes, its conversation's row (locked already), the clock.
  const callStart = `    v_id := p_ids[v_call];
    v_count := p_counts[v_call];
    v_inserted := false;
    v_trimmed_turns := 0;
    v_trimmed_bytes := 0;
    evicted := '{}';
    SELECT coalesce(sum(p_bytes[i]), 0) INTO v_added_bytes FROM generate_series(v_first, v_first + v_count - 1) AS i;
    SELECT c.key, c.next_seq, c.turns, c.bytes, c.last_access_ms INTO v_key, v_next_seq, v_turns, v_bytes, v_last_access
      FROM ${conversations} c WHERE c.id = v_id;
    v_found := FOUND;
    ${READ_CLOCK}
`;
  // Each call's turns: its newest turns replaced, the oldest trimmed to maxTurns, the row touched,
  // the turns inserted.
  const writeTurns = `    IF NOT v_inserted THEN
      IF p_replace[v_call] > 0 AND v_turns > 0 THEN
        -- The newest turns replaced: the kept ones stay numbered up to next_seq - 1.
        WITH gone AS (DELETE FROM ${turns} WHERE conversation = v_key AND seq >= v_next_seq - least(p_replace[v_call], v_turns) RETURNING bytes)
          SELECT count(*), coalesce(sum(gone.bytes), 0) INTO v_removed_turns, v_removed_bytes FROM gone;
        v_next_seq := v_next_seq - v_removed_turns;
        v_turns := v_turns - v_removed_turns;
        v_bytes := v_bytes - v_removed_bytes;
        d_turns := d_turns - v_removed_turns;
        d_bytes := d_bytes - v_removed_bytes;
      END IF;
      -- Trim before inserting: the turns numbered below next_seq + count - maxTurns go.
      IF v_next_seq + v_count - p_max_turns > v_next_seq - v_turns THEN
        WITH gone AS (DELETE FROM ${turns} WHERE conversation = v_key AND seq < v_next_seq + v_count - p_max_turns RETURNING bytes)
          SELECT count(*), coalesce(sum(gone.bytes), 0) INTO v_trimmed_turns, v_trimmed_bytes FROM gone;
      END IF;
      UPDATE ${conversations} SET
        touch_order = nextval(${n.literal('touch_order')}),
        last_access_ms = now_ms,
        next_seq = v_next_seq + v_count,
        turns = v_turns - v_trimmed_turns + v_count,
        bytes = v_bytes - v_trimmed_bytes + v_added_bytes
        WHERE key = v_key;
    END IF;
    INSERT INTO ${turns} (conversation, seq, role, content, extras, ts_ms, bytes)
      SELECT v_key, v_next_seq + i - v_first, p_roles[i], p_contents[i], p_extras[i], now_ms, p_bytes[i]
      FROM generate_series(v_first, v_first + v_count - 1) AS i;
    v_first := v_first + v_count;
    v_turns := v_turns - v_trimmed_turns + v_count;
`;
  return `
CREATE OR REPLACE FUNCTION ${n.object('appends')}(p_ids text[], p_counts integer[], p_replace bigint[],
  p_max_turns integer, p_max_conversations bigint, p_max_total_bytes bigint, p_ttl_ms double precision,
  p_roles smallint[], p_contents text[], p_extras text[], p_bytes integer[])
RETURNS SETOF text[] LANGUAGE plpgsql${setBased ? ' SET jit = off SET plan_cache_mode = force_generic_plan' : ''} AS $fn$
DECLARE${COMMON_DECLARATIONS}
  v_pending bigint[] := '{}';
  v_lock_id text;
  v_call integer;
  v_first integer := 1;
  v_id text;
  v_key bigint;
  v_next_seq bigint;
  v_turns integer;
  v_bytes bigint;
  v_last_access bigint;
  v_found boolean;
  v_inserted boolean;
  v_count integer;
  v_added_bytes bigint;
  v_removed_turns integer;
  v_removed_bytes bigint;
  v_trimmed_turns integer;
  v_trimmed_bytes bigint;
  v_total_conversations bigint;
  v_total_bytes bigint;
  v_gone_bytes integer;
  v_fast_turns bigint := 0;
  v_fast_bytes bigint := 0;
  v_fast_added bigint;
  v_shard integer;${setBased ? SET_BASED_DECLARATIONS : ''}
BEGIN${setBased ? lockAllAtOnce(n) : ''}
  FOR v_lock_id IN SELECT DISTINCT u.id FROM unnest(p_ids) AS u(id) ORDER BY u.id LOOP
    LOOP
      PERFORM FROM ${conversations} c WHERE c.id = v_lock_id FOR UPDATE;
      EXIT WHEN FOUND;
      ${READ_CLOCK}
      -- Should another call create it first, this waits for that call, then locks the row it made.
      INSERT INTO ${conversations} (id, touch_order, last_access_ms, next_seq, turns, bytes)
        VALUES (v_lock_id, 0, now_ms, 0, 0, 0)
        ON CONFLICT (id) DO NOTHING RETURNING key INTO v_key;
      IF FOUND THEN
        v_pending := v_pending || v_key;
        EXIT;
      END IF;
    END LOOP;
  END LOOP;${setBased ? '\n  END IF;' : ''}

  IF cardinality(v_pending) = 0 THEN
    -- The common case first: every conversation exists (each is locked), none has expired, no cap
    -- to enforce. All of that is checked before anything is written (version 5), so a batch that
    -- needs the exact path below (an expiry, an eviction) has nothing to undo and needs no
    -- subtransaction. The batch's calls all happen at one reading of the clock, taken with every
    -- lock held. Each call then writes only its own conversation, and the batch counts in one shard
    -- of the totals, which must have room for all its turns' bytes (trims only lower its peak).
    ${READ_CLOCK}
    ${setBased ? 'IF v_fast_added IS NULL THEN\n      ' : ''}SELECT coalesce(sum(b), 0) INTO v_fast_added FROM unnest(p_bytes) AS b;${setBased ? '\n    END IF;' : ''}
    -- The batch adds no conversation: the count only an exact path changes is read, not locked.
    IF NOT ${anyExpired(n)} AND (SELECT t.conversations FROM ${n.object('totals')} t) <= p_max_conversations THEN
      -- A shard with room for the batch: a free one first (batches on other connections hold the
      -- others), else this connection's own, waited for.
      SELECT s.shard INTO v_shard FROM ${shards} s
        WHERE s.cap_basis <= p_max_total_bytes AND s.bytes + v_fast_added <= s.quota
        ORDER BY (s.shard + pg_backend_pid()) % ${TOTALS_SHARDS} LIMIT 1 FOR UPDATE SKIP LOCKED;
      IF NOT FOUND THEN
        SELECT s.shard INTO v_shard FROM ${shards} s
          WHERE s.shard = pg_backend_pid() % ${TOTALS_SHARDS} AND s.cap_basis <= p_max_total_bytes AND s.bytes + v_fast_added <= s.quota
          FOR UPDATE;
      END IF;
      IF v_shard IS NOT NULL THEN${
        setBased
          ? `
        IF v_locked = v_distinct AND 0 = ALL (p_replace) THEN${writeAllAtOnce(n)}
        ELSE`
          : ''
      }
        FOR v_call IN 1 .. cardinality(p_ids) LOOP
${callStart.replace(`    ${READ_CLOCK}\n`, '')}${writeTurns}          v_fast_turns := v_fast_turns + d_turns + v_count - v_trimmed_turns;
          v_fast_bytes := v_fast_bytes + d_bytes + v_added_bytes - v_trimmed_bytes;
          d_turns := 0;
          d_bytes := 0;
        END LOOP;${setBased ? '\n        END IF;' : ''}
        UPDATE ${shards} SET turns = turns + v_fast_turns, bytes = bytes + v_fast_bytes WHERE shard = v_shard;
        FOR v_call IN 1 .. cardinality(p_ids) LOOP
          RETURN NEXT evicted;
        END LOOP;
        RETURN;
      END IF;
    END IF;
  END IF;

  -- The exact path.${foldShards(n)}

  FOR v_call IN 1 .. cardinality(p_ids) LOOP
${callStart}    IF NOT v_found THEN
      -- Evicted or expired by an earlier call of this batch, while locked by it: nobody else can
      -- have created it since.
      INSERT INTO ${conversations} (id, touch_order, last_access_ms, next_seq, turns, bytes)
        VALUES (v_id, nextval(${n.literal('touch_order')}), now_ms, v_count, v_count, v_added_bytes) RETURNING key INTO v_key;
      v_inserted := true;
    ELSIF v_key = ANY (v_pending) THEN
      v_pending := array_remove(v_pending, v_key);
      UPDATE ${conversations} SET touch_order = nextval(${n.literal('touch_order')}), last_access_ms = now_ms,
        next_seq = v_count, turns = v_count, bytes = v_added_bytes WHERE key = v_key;
      v_inserted := true;
    END IF;
    IF v_inserted THEN
      d_conversations := 1;
      v_next_seq := 0;
      v_turns := 0;
      v_bytes := 0;
    ELSIF ${isExpired('v_last_access')} THEN
      -- Expired: its old turns are gone first (a 'ttl' eviction), and it starts again empty.
      DELETE FROM ${turns} WHERE conversation = v_key;${
        summaries
          ? `
      UPDATE ${conversations} SET summary = NULL, summary_ts_ms = NULL, summary_bytes = 0 WHERE key = v_key;`
          : ''
      }
      d_turns := d_turns - v_turns;
      d_bytes := d_bytes - v_bytes;
      n_ttl := n_ttl + 1;
      evicted := evicted || ARRAY['ttl', v_id];
      v_turns := 0;
      v_bytes := 0;
    END IF;
    ${expireOthers(n, 'v_key AND c.key <> ALL (v_pending)')}

${writeTurns}
    UPDATE ${n.object('totals')} SET
      conversations = conversations + d_conversations,
      turns = turns + d_turns + v_count - v_trimmed_turns,
      bytes = bytes + d_bytes + v_added_bytes - v_trimmed_bytes,
      evicted_ttl = evicted_ttl + n_ttl
      RETURNING conversations, bytes INTO v_total_conversations, v_total_bytes;
    d_conversations := 0;
    d_turns := 0;
    d_bytes := 0;
    n_ttl := 0;

    ${enforceCaps(n, ' AND c.key <> ALL (v_pending)', summaries).replace(/\n/g, '\n  ')}
    ${applyTotals(n)}
    d_conversations := 0;
    d_turns := 0;
    d_bytes := 0;
    n_ttl := 0;
    n_lru := 0;
    n_bytes := 0;
    RETURN NEXT evicted;
  END LOOP;
  ${shareRoom(n)}
END
$fn$;`;
}

/**
 * Version 1: the tables and every function of the time but its `append` (one call, no replace
 * count), which version 2 drops: no call of today's code reaches it, and a new database never gets it.
 */
function version1(n: SqlNames): string {
  return [
    tables(n),
    getFunction(n),
    deleteFunction(n),
    clearFunction(n),
    sizeFunction(n),
    statsFunction(n),
    sweepFunction(n),
    listFunction(n),
  ].join('\n');
}

/** The argument types of version 1's `append`, which version 2 drops. */
const VERSION_1_APPEND_ARGUMENTS = 'text, integer, bigint, bigint, double precision, smallint[], text[], text[], integer[]';

/**
 * Version 2: `appends`, every append call — several at once, each with its `replaceNewest` count —
 * in place of version 1's `append` (dropped); `pop`; `get` touching without waiting for the WAL
 * flush; `clear` locking conversations in id order, the order `appends` locks them in. The tables
 * are unchanged.
 */
function version2(n: SqlNames): string {
  return [
    `DROP FUNCTION IF EXISTS ${n.object('append')}(${VERSION_1_APPEND_ARGUMENTS});`,
    appendsFunction(n),
    popFunction(n),
    getFunction(n, true),
    clearFunction(n, 'id'),
  ].join('\n');
}

/**
 * `compact(id, maxConversations, maxTotalBytes, ttlMs, seenSummary, seenSummaryTsMs, roles,
 * contents, extras, tsMs, summary, summaryBytes)` (decision 16): with the conversation's row
 * locked, compares its summary (text and time; NULL for none) and its oldest turns with what the
 * caller saw; only when all are equal deletes those turns, sets the new summary, touches the
 * conversation and enforces the byte budget (on the exact totals: the shards folded in, their room
 * shared out again after). Returns `{problem, reason, id, …}`: '' when
 * compacted, else why not; then the evictions.
 */
function compactFunction(n: SqlNames): string {
  const conversations = n.object('conversations');
  const turns = n.object('turns');
  return `
CREATE OR REPLACE FUNCTION ${n.object('compact')}(p_id text, p_max_conversations bigint, p_max_total_bytes bigint, p_ttl_ms double precision,
  p_seen_summary text, p_seen_summary_ts_ms bigint, p_roles smallint[], p_contents text[], p_extras text[], p_ts_ms bigint[],
  p_summary text, p_summary_bytes integer)
RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE${COMMON_DECLARATIONS}${CONVERSATION_DECLARATIONS}
  v_summary_bytes integer;
  v_count integer := cardinality(p_roles);
  v_same integer;
  v_last_seq bigint;
  v_removed_bytes bigint;
  v_problem text := '';
  v_total_conversations bigint;
  v_total_bytes bigint;
  v_trimmed_turns integer;
  v_trimmed_bytes bigint;
  v_gone_bytes integer;
BEGIN
  SELECT c.key, c.turns, c.bytes, c.last_access_ms, c.summary, c.summary_ts_ms, c.summary_bytes
    INTO v_key, v_turns, v_bytes, v_last_access, v_summary, v_summary_ts, v_summary_bytes
    FROM ${conversations} c WHERE c.id = p_id FOR UPDATE;
  v_found := FOUND;
  ${READ_CLOCK}
  ${expireOwn(n)}
  ${expireOthers(n, 'coalesce(v_key, -1)')}
  IF NOT v_found THEN
    v_problem := 'it is gone: deleted, expired or evicted';
  ELSIF v_summary IS DISTINCT FROM p_seen_summary OR (v_summary IS NOT NULL AND v_summary_ts IS DISTINCT FROM p_seen_summary_ts_ms) THEN
    v_problem := CASE WHEN v_summary IS NULL THEN 'its summary is gone' WHEN p_seen_summary IS NULL THEN 'it has a summary now' ELSE 'its summary changed' END;
  ELSIF v_turns < v_count THEN
    v_problem := 'it holds fewer turns than the summary covers';
  ELSE
    SELECT count(*) FILTER (WHERE t.role = p_roles[t.i] AND t.content = p_contents[t.i]
        AND t.extras IS NOT DISTINCT FROM p_extras[t.i] AND t.ts_ms = p_ts_ms[t.i]), max(t.seq)
      INTO v_same, v_last_seq
      FROM (SELECT u.role, u.content, u.extras, u.ts_ms, u.seq, row_number() OVER (ORDER BY u.seq) AS i
        FROM ${turns} u WHERE u.conversation = v_key ORDER BY u.seq LIMIT v_count) t;
    IF v_same < v_count THEN
      v_problem := 'its turns are not the ones seen';
    ELSE
      -- The summary may add bytes: the caps are checked on the exact totals, as appends' exact path does.${foldShards(n).replace(/\n/g, '\n    ')}
      WITH gone AS (DELETE FROM ${turns} WHERE conversation = v_key AND seq <= v_last_seq RETURNING bytes)
        SELECT coalesce(sum(gone.bytes), 0) INTO v_removed_bytes FROM gone;
      UPDATE ${conversations} SET
        touch_order = nextval(${n.literal('touch_order')}),
        last_access_ms = now_ms,
        summary = p_summary,
        summary_ts_ms = now_ms,
        summary_bytes = p_summary_bytes,
        turns = v_turns - v_count,
        bytes = v_bytes - v_removed_bytes - v_summary_bytes + p_summary_bytes
        WHERE key = v_key;
      v_turns := v_turns - v_count;
      UPDATE ${n.object('totals')} SET
        conversations = conversations + d_conversations,
        turns = turns + d_turns - v_count,
        bytes = bytes + d_bytes - v_removed_bytes - v_summary_bytes + p_summary_bytes,
        evicted_ttl = evicted_ttl + n_ttl
        RETURNING conversations, bytes INTO v_total_conversations, v_total_bytes;
      d_conversations := 0;
      d_turns := 0;
      d_bytes := 0;
      n_ttl := 0;
      ${enforceCaps(n, '', true)}
    END IF;
  END IF;
  ${applyTotals(n)}
  IF v_problem = '' THEN
    ${shareRoom(n)}
  END IF;
  RETURN ARRAY[v_problem] || evicted;
END
$fn$;`;
}

/**
 * Version 3: `<prefix>totals_shards`, where common-case batches count their turns and bytes, so
 * that several batches (on several connections) commit at once and share WAL flushes instead of
 * queueing on the totals row; `appends` and `stats` use them. A shard's `quota` is its part of the
 * room left under the byte budget (`cap_basis`) when an exact-path batch last folded every shard
 * into the totals. Invariant: totals.bytes + Σ quota ≤ cap_basis, and a shard's bytes ≤ its
 * quota; so the bytes stored (totals + Σ shard bytes) never exceed the budget, and a batch that
 * fits its shard's quota needs no other lock. Anything that adds bytes otherwise must lock every
 * shard, as the exact path does.
 */
function version3(n: SqlNames): string {
  const shards = n.object('totals_shards');
  return [
    `CREATE TABLE ${shards} (
  shard integer PRIMARY KEY,
  turns bigint NOT NULL,
  bytes bigint NOT NULL,
  quota bigint NOT NULL,
  cap_basis bigint NOT NULL
);
-- No room shared out yet (and no budget it was measured against): the first batches go the exact way.
INSERT INTO ${shards} SELECT shard, 0, 0, 0, 9223372036854775807 FROM generate_series(0, ${TOTALS_SHARDS - 1}) AS shard;`,
    appendsFunction(n),
    `DROP FUNCTION ${n.object('stats')}(double precision);`,
    statsFunction(n),
  ].join('\n');
}

/**
 * Version 4: a conversation may hold a summary (decision 16). `conversations` gains `summary`
 * (NULL for none: every conversation of an older database), `summary_ts_ms` and
 * `summary_bytes`; its `bytes` (and the totals) count the summary, so evictions and `delete`
 * release it with no other change, while `turns` never counts it. Columns added with NULL or a
 * constant default rewrite no row. `get`, `list`, `pop` and `appends` are replaced by
 * versions that know the summary; `compact` is new.
 */
function version4(n: SqlNames): string {
  return [
    `ALTER TABLE ${n.object('conversations')} ADD COLUMN summary text, ADD COLUMN summary_ts_ms bigint, ADD COLUMN summary_bytes integer NOT NULL DEFAULT 0;`,
    getFunction(n, true, true),
    popFunction(n, true),
    listFunction(n, true),
    appendsFunction(n, true),
    compactFunction(n),
  ].join('\n');
}

/**
 * Version 5: the same tables; functions that do less per call. Every function that expires other
 * conversations first asks whether any has expired, by the oldest last access (one index probe
 * whatever the plan), where an `EXISTS` on a parameter could scan the whole table under plpgsql's
 * generic plan; `get` touches a live conversation in one statement (see {@link getFunction}); and
 * `gets` is new: get calls made at once, in one call and one transaction, as `appends` does for
 * appends. Every other function but `clear` is replaced.
 */
function version5(n: SqlNames): string {
  return [
    getFunction(n, true, true, true),
    getsFunction(n),
    popFunction(n, true),
    deleteFunction(n),
    sizeFunction(n),
    statsFunction(n),
    sweepFunction(n),
    listFunction(n, true),
    appendsFunction(n, true),
    compactFunction(n),
  ].join('\n');
}

/**
 * Version 6: `appends` does the common case in a fixed number of statements, however many calls
 * its batch holds: its conversations locked in one statement when all exist, and, when no call
 * replaces turns, every call's trims, conversation updates and inserts in one (see
 * {@link writeAllAtOnce}). Nothing else changes.
 */
function version6(n: SqlNames): string {
  return appendsFunction(n, true, true);
}

/** Each entry takes the schema from version `index` to `index + 1`: SQL run in the migration's transaction. */
export const MIGRATIONS: ReadonlyArray<(names: SqlNames) => string> = [version1, version2, version3, version4, version5, version6];

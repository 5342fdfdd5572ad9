/**
 * The Lua scripts of RedisStore: one per operation, each run atomically by Redis in one round
 * trip. Keys and data always come in KEYS and ARGV, never in the source, so each script has one
 * SHA1 forever.
 *
 * Layout of one store (prefix `p`; `{p}` is the Redis Cluster hash tag, so all of it lives in
 * one slot and a script may touch any of it):
 *
 * | key | type | holds |
 * | --- | --- | --- |
 * | `{p}:c:<id>` | list | the turns of conversation `<id>`, oldest first; PEXPIREd to the TTL on every write and read hit |
 * | `{p}:lru` | sorted set | every indexed conversation id, scored by its last touch (see below) |
 * | `{p}:bytes` | hash | id → UTF-8 bytes of its turns (content plus extras JSON), kept with HINCRBY |
 * | `{p}:turns` | hash | id → its number of turns, written only when it changes |
 * | `{p}:meta` | hash | `bytes` and `turns` (totals), `evicted:ttl`, `evicted:lru`, `evicted:bytes` |
 *
 * The two per-conversation hashes are what the totals need once a list key has expired; while it
 * lives, the list's own length (RPUSH answers it) gives the turns.
 *
 * The score of a touch is the server time in microseconds, or — should some score already be that
 * high (the server clock was set back) — the highest score + 1: strictly above every other score,
 * so recency has no ties, and still the time of the touch while the server clock runs forward
 * (scripts run one at a time, each for more than a microsecond, so two never read the same time).
 * So the index gives recency, `lastAccess`, and — since recency and TTL are refreshed together —
 * expiry: the conversations idle longer than the TTL are exactly those scored below the
 * millisecond `now − ttl` (whole milliseconds, as Redis's own PEXPIRE counts), counted with one ZCOUNT at the start of every script and, when there are any,
 * forgotten and reported as 'ttl' evictions. Redis has freed their turns already (PEXPIRE), or the
 * script deletes them then. Scores stay below 2^53 (exact in a double, and written by Redis
 * without exponent) until the year 2255.
 *
 * A turn is stored as one list element: a header without spaces ending in the server time in ms,
 * a space, then the body — the content, or for a turn with tool calls, attachments or metadata
 * the JSON text of those followed by the content (the layouts are in turn-codec.ts). The body is
 * exactly what a turn's size counts (content plus extras JSON, SPEC §1), so its UTF-8 bytes are
 * the element's length minus the header up to the first space, whichever layout the element has:
 * the scripts count bytes without looking at extras, and a plain turn costs what it always did.
 *
 * A conversation's summary (decision 16) is the first element of its list, with the header digit
 * `8` (`8<ts ms> <summary>`), so a `get` reads it with the turns in the same LRANGE and a
 * conversation without one is stored and read exactly as before. The paths that take elements
 * off the list's ends check the one element they would wrongly take — the oldest popped from the
 * front, the last of those popped from the back — with a byte comparison and no extra call, and
 * put the summary back when it was among them; the turn counts kept in the hashes never count it.
 *
 * The scripts are written for Redis's cost model: every `redis.call` and every closure created
 * per run counts, and on the common paths nothing runs that is not needed. Appending to a live
 * conversation at its turn cap is nine calls (TIME, ZCOUNT, RPUSH, LPOP, two HINCRBY, ZCOUNT,
 * ZADD, PEXPIRE); a get hit six. (Counting the scores at or above the time, which is almost always
 * none, costs Redis about half of reading the highest score with ZRANGE.) In a combined run each
 * such append is three (RPUSH, LPOP, PEXPIRE), and the run adds eight whatever its size (TIME, the
 * expiry count, the byte total read and written, the conversations' byte counts read in one HMGET
 * and written in one HSET, the recency count, and one ZADD for every touch). Numbers Redis 7.0
 * would print with a slow %.17g (the TTL, the touches' scores, the byte counts) go to it as text.
 *
 * @packageDocumentation
 */
import { LuaScript } from './lua-script.js';

/** How many score units (microseconds) one millisecond spans. */
export const SCORE_UNITS_PER_MS = 1000;

/**
 * The start of every script. KEYS[1] `{p}:lru`, KEYS[2] `{p}:bytes`, KEYS[3] `{p}:turns`,
 * KEYS[4] `{p}:meta`; ARGV[1] the prefix of conversation keys, `{p}:c:`, ARGV[2] the TTL in ms
 * (0: never).
 *
 * `forget` drops a conversation whose list key is gone from the index and the totals (also from
 * `totalBytes`, the append script's copy of the byte total), counting it when it is an eviction.
 *
 * Then expired conversations are forgotten: those scored below `(now − ttl)` in score units.
 */
const PRELUDE = `
local call = redis.call
local lru, bytesOf, turnsOf, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local keyPrefix, ttl = ARGV[1], tonumber(ARGV[2])
-- The TTL as sent, for PEXPIRE: Redis 7.0 writes a Lua number back to text with a slow %.17g.
local ttlText = ARGV[2]
local time = call('TIME')
local now = time[1] * 1000 + math.floor(time[2] / 1000)
local nowUs = time[1] * 1000000 + time[2]
local evicted = {}
local totalBytes = 0
-- Set by the appends script only: its touches not yet written (written first here), and its
-- conversations' byte counts (see there).
local saveTouches, knownBytes

local function forget(id, reason)
  if saveTouches then saveTouches() end
  local bytes
  local known = knownBytes and knownBytes[id]
  if known ~= nil then
    bytes = known or 0
    knownBytes[id] = false
  else
    bytes = tonumber(call('HGET', bytesOf, id)) or 0
  end
  local turns = tonumber(call('HGET', turnsOf, id)) or 0
  call('ZREM', lru, id)
  call('HDEL', bytesOf, id)
  call('HDEL', turnsOf, id)
  if bytes ~= 0 then
    call('HINCRBY', meta, 'bytes', 0 - bytes)
    totalBytes = totalBytes - bytes
  end
  if turns ~= 0 then call('HINCRBY', meta, 'turns', 0 - turns) end
  if reason then
    call('HINCRBY', meta, 'evicted:' .. reason, 1)
    evicted[#evicted + 1] = reason
    evicted[#evicted + 1] = id
  end
end

if ttl > 0 then
  -- Expired: idle more than ttl whole milliseconds, as PEXPIRE counts (touched before the
  -- millisecond now − ttl). Inclusive bound one unit lower: the number goes to Redis as an exact
  -- integer (%.17g).
  local bound = (now - ttl) * ${SCORE_UNITS_PER_MS} - 1
  if call('ZCOUNT', lru, '-inf', bound) > 0 then
    while true do
      local ids = call('ZRANGEBYSCORE', lru, '-inf', bound, 'LIMIT', 0, 1000)
      for _, id in ipairs(ids) do
        -- Redis has usually freed the turns already; should the key outlive its index entry by a
        -- millisecond, delete it, so that a conversation is never half there.
        call('UNLINK', keyPrefix .. id)
        forget(id, 'ttl')
      end
      if #ids < 1000 then break end
    end
  end
end
`;

/**
 * Makes `id` the most recently used: scored with the time in microseconds, unless some score is
 * already that high (the server clock was set back), then just above the highest (see the
 * module's documentation).
 */
const TOUCH = `
local score = nowUs
if call('ZCOUNT', lru, score, '+inf') > 0 then score = tonumber(call('ZRANGE', lru, -1, -1, 'WITHSCORES')[2]) + 1 end
call('ZADD', lru, score, id)
`;

/**
 * {@link TOUCH} for the appends script, where every call reads the same time: the first touch
 * finds its score as TOUCH does, and each later one takes the score just above the one before,
 * which is then the highest (nothing else in the run adds a score). The touch is not written at
 * once but kept in `touches`, and `saveTouches` writes all kept ones in one ZADD before anything
 * reads the index again (a cap's eviction, `forget`) and at the end of the run — the index reads
 * the same as with a ZADD per call wherever it is read, for one ZADD per run instead of one per
 * call. Needs `lastScore` (nil before the first touch), `touches` and `touchCount`.
 */
const BATCH_TOUCH = `
local score
if lastScore then
  score = lastScore + 1
else
  score = nowUs
  if call('ZCOUNT', lru, score, '+inf') > 0 then score = tonumber(call('ZRANGE', lru, -1, -1, 'WITHSCORES')[2]) + 1 end
end
lastScore = score
touchCount = touchCount + 2
-- As text: an integer printed by Lua costs less than the %.17g Redis 7.0 would print it with.
touches[touchCount - 1], touches[touchCount] = string.format('%d', score), id
`;

/**
 * A conversation's turns. KEYS[5] its key; ARGV[3] id. Reply: the stored turns, followed — only
 * when there were evictions — by one array of them (`reason, id, …`).
 */
const GET = `${PRELUDE}
local key, id = KEYS[5], ARGV[3]
local turns = call('LRANGE', key, 0, -1)
if #turns > 0 then
  ${TOUCH}
  if ttl > 0 then call('PEXPIRE', key, ttlText) end
elseif call('ZSCORE', lru, id) then
  -- Indexed, yet its turns are gone: it expired a moment before the index said so.
  forget(id, 'ttl')
end
if #evicted > 0 then turns[#turns + 1] = evicted end
return turns
`;

/** The first byte of a summary's element: the header digit `8`. */
const SUMMARY_BYTE = 56;

/** `sizeOf(elements)`: the UTF-8 bytes of the turns in a list of elements, each one's length minus its header. */
const BYTES_OF = `
local function sizeOf(elements)
  local bytes = 0
  for _, turn in ipairs(elements) do bytes = bytes + #turn - string.find(turn, ' ', 1, true) end
  return bytes
end
`;

/**
 * `replaceNewest`: removes the newest `count` turns of `key` (a Lua expression giving the count
 * as a decimal string; '0' for a plain append) before an append's turns are pushed, in the same
 * step, setting `replacedBytes` and `replacedTurns`.
 */
const replaceNewest = (count: string): string => `local replacedBytes, replacedTurns = 0, 0
if ${count} ~= '0' then
  local replaced = call('RPOP', key, tonumber(${count}))
  if replaced then
    -- Popped down to the summary: it goes back, it is not a turn to replace.
    if string.byte(replaced[#replaced], 1) == ${SUMMARY_BYTE} then call('RPUSH', key, table.remove(replaced)) end
    ${BYTES_OF}
    replacedBytes, replacedTurns = sizeOf(replaced), #replaced
  end
end`;

/**
 * Pushes the turns in ARGV[first], ARGV[first + 1] … ARGV[last] (header, body pairs) onto `key`,
 * setting `length` (RPUSH's reply), `addedBytes` and `addedTurns`. One turn (the common case) is
 * pushed without a table.
 */
const pushTurns = (first: string, last: string): string => `if ${last} == ${first} + 1 then
    local content = ARGV[${last}]
    length = call('RPUSH', key, ARGV[${first}] .. stamp .. content)
    addedBytes, addedTurns = #content, 1
  else
    local batch = {}
    addedBytes, addedTurns = 0, 0
    for i = ${first}, ${last}, 2 do
      local content = ARGV[i + 1]
      batch[#batch + 1] = ARGV[i] .. stamp .. content
      addedBytes = addedBytes + #content
      -- unpack() is limited by the Lua stack; push in slices.
      if #batch == 1000 then
        length = call('RPUSH', key, unpack(batch))
        addedTurns = addedTurns + #batch
        batch = {}
      end
    end
    if #batch > 0 then
      length = call('RPUSH', key, unpack(batch))
      addedTurns = addedTurns + #batch
    end
  end`;

/**
 * How the append and appends scripts differ inside {@link appendCaps}: Lua statements, each
 * needing `id`.
 */
interface AppendSteps {
  /** Makes `id` the most recent. */
  readonly touch: string;
  /** Adds the Lua expression `delta` to the conversation's byte count. */
  readonly addConversationBytes: (delta: string) => string;
  /** Adds `bytesDelta` to the byte total (and sets `totalBytes`). */
  readonly addTotalBytes: string;
  /** Runs before the index is read to pick a conversation to evict. */
  readonly beforeEviction: string;
}

/**
 * The byte budget on the written conversation itself, once evicting others was not enough: its
 * oldest turns go, then its summary; its newest turn always fits (maxTotalBytes >= maxTurnBytes).
 * Needs `key`, `id`, `turns` (the list's length, the summary included), `totalBytes`, `maxTotalBytes`;
 * `addConversationBytes` writes the conversation's byte count.
 */
const ownBudget = (addConversationBytes: AppendSteps['addConversationBytes']): string => `if totalBytes > maxTotalBytes then
  local droppedBytes, droppedTurns, real = 0, 0, turns
  local summary = false
  if string.byte(call('LINDEX', key, 0), 1) == ${SUMMARY_BYTE} then
    summary = call('LPOP', key)
    real = real - 1
  end
  while totalBytes - droppedBytes > maxTotalBytes and real - droppedTurns > 1 do
    local turn = call('LPOP', key)
    droppedBytes, droppedTurns = droppedBytes + #turn - string.find(turn, ' ', 1, true), droppedTurns + 1
  end
  if summary then
    if totalBytes - droppedBytes > maxTotalBytes then
      droppedBytes = droppedBytes + #summary - string.find(summary, ' ', 1, true)
    else
      call('LPUSH', key, summary)
    end
  end
  totalBytes = totalBytes - droppedBytes
  ${addConversationBytes('0 - droppedBytes')}
  call('HINCRBY', meta, 'bytes', 0 - droppedBytes)
  if droppedTurns > 0 then
    call('HINCRBY', turnsOf, id, 0 - droppedTurns)
    call('HINCRBY', meta, 'turns', 0 - droppedTurns)
  end
end
`;

/**
 * The caps after an append's turns are pushed, in the order of the contract — maxTurns,
 * maxConversations, maxTotalBytes (others first, then the conversation's own oldest turns) — and
 * the TTL. Needs `key`, `id`, `length` (RPUSH's reply), `addedBytes`, `addedTurns`, `replacedBytes`,
 * `replacedTurns` and the caps.
 */
const appendCaps = (steps: AppendSteps): string => `
-- The list was empty: a new conversation, or one indexed whose list expired a moment before the
-- index said so — then it is forgotten first ('ttl'), and its old turns never come back. (A list
-- whose every turn was just replaced was live.)
local created = length == addedTurns and replacedTurns == 0
if created then
  ${steps.beforeEviction}
  if call('ZSCORE', lru, id) then forget(id, 'ttl') end
end

-- turns: the list's length, the summary's element included when there is one.
local turns, bytesDelta, turnsDelta = length, addedBytes - replacedBytes, addedTurns - replacedTurns
if turns > maxTurns then
  if turns == maxTurns + 1 then
    -- One over (the common case): one element, no table.
    local turn = call('LPOP', key)
    if string.byte(turn, 1) == ${SUMMARY_BYTE} then
      -- The summary goes back: it is not a turn.
      call('LPUSH', key, turn)
    else
      bytesDelta = bytesDelta - (#turn - string.find(turn, ' ', 1, true))
      turns, turnsDelta = turns - 1, turnsDelta - 1
    end
  else
    local dropped = call('LPOP', key, turns - maxTurns)
    -- With a summary first, as many turns after it as over the cap went: the summary goes back.
    if string.byte(dropped[1], 1) == ${SUMMARY_BYTE} then call('LPUSH', key, table.remove(dropped, 1)) end
    for _, turn in ipairs(dropped) do bytesDelta = bytesDelta - (#turn - string.find(turn, ' ', 1, true)) end
    turns, turnsDelta = turns - #dropped, turnsDelta - #dropped
  end
end
${steps.addConversationBytes('bytesDelta')}
${steps.addTotalBytes}
if turnsDelta ~= 0 then
  call('HINCRBY', turnsOf, id, turnsDelta)
  call('HINCRBY', meta, 'turns', turnsDelta)
end
${steps.touch}

-- Evicting another conversation whose key is gone already (expired a moment ago, or deleted
-- behind the store's back) counts as 'ttl', whatever pushed it out now.
if created then
  ${steps.beforeEviction}
  -- The written conversation is now the newest, so the oldest is always another.
  local live = call('ZCARD', lru)
  while live > maxConversations do
    local oldest = call('ZRANGE', lru, 0, 0)[1]
    forget(oldest, call('DEL', keyPrefix .. oldest) == 1 and 'lru' or 'ttl')
    live = live - 1
  end
end
if totalBytes > maxTotalBytes then
  ${steps.beforeEviction}
  while totalBytes > maxTotalBytes do
    local oldest = call('ZRANGE', lru, 0, 0)[1]
    if oldest == id then break end
    forget(oldest, call('DEL', keyPrefix .. oldest) == 1 and 'bytes' or 'ttl')
  end
end
${ownBudget(steps.addConversationBytes)}if ttl > 0 then call('PEXPIRE', key, ttlText) end
`;

/**
 * Appends turns, then enforces maxTurns, maxConversations and maxTotalBytes, in that order.
 * KEYS[5] the conversation's key; ARGV[3] id, ARGV[4] maxTurns, ARGV[5] maxConversations, ARGV[6]
 * maxTotalBytes, ARGV[7] how many of the newest turns to remove first (`replaceNewest`, `0` for a
 * plain append), then of each turn the header's start (role digit, and for a turn with extras
 * their JSON length) and the body (see turn-codec.ts); the body's bytes are the turn's size.
 * Reply: the evictions (`reason, id, …`).
 */
const APPEND = `${PRELUDE}
local key, id = KEYS[5], ARGV[3]
local maxTurns, maxConversations, maxTotalBytes = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
${replaceNewest('ARGV[7]')}

local stamp = now .. ' '
local length, addedBytes, addedTurns
${pushTurns('8', '#ARGV')}
${appendCaps({
  touch: TOUCH,
  addConversationBytes: (delta) => `call('HINCRBY', bytesOf, id, ${delta})`,
  addTotalBytes: "totalBytes = call('HINCRBY', meta, 'bytes', bytesDelta)",
  beforeEviction: '',
})}return evicted
`;

/**
 * Several append calls in one script run, each exactly as the append script would run it alone,
 * in order: one EVALSHA, one TIME and one expiry check for all of them. KEYS[5…] each call's
 * conversation key; ARGV[3] maxTurns, ARGV[4] maxConversations, ARGV[5] maxTotalBytes, then of
 * each call its id, its number of turns, how many of the newest turns it replaces (`0`: none),
 * and the turns as the append script takes them. Reply: 0 when no call evicted anything or
 * failed (the common case, and the cheapest reply to write and to read); else one array per
 * call, its evictions (`reason, id, …`; the first call's also holds the expiries found at the
 * start), or `{'!', message}` when that call failed (its error is caught, the next calls still
 * run; a failing call's effects are what they would be in the append script alone).
 *
 * What the calls write to the index and the byte counts is kept here and written once per run:
 * the touches (see {@link BATCH_TOUCH}), the byte total (read once; the calls' changes go in one
 * HINCRBY at the end, the evictions' at once by \`forget\`), and the byte count of each
 * conversation of the run (read in one HMGET at the start into \`knownBytes\`, which \`forget\`
 * reads and clears, and written in one HSET at the end). So an append to a live conversation at
 * its turn cap costs three calls (RPUSH, LPOP, PEXPIRE) besides its share of the run's.
 */
const APPENDS = `${PRELUDE}
local maxTurns, maxConversations, maxTotalBytes = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local stamp = now .. ' '
local lastScore
local touches, touchCount = {}, 0
saveTouches = function()
  if touchCount == 0 then return end
  -- unpack() is limited by the Lua stack: 500 touches a ZADD.
  for from = 1, touchCount, 1000 do call('ZADD', lru, unpack(touches, from, math.min(from + 999, touchCount))) end
  touchCount = 0
end
totalBytes = tonumber(call('HGET', meta, 'bytes')) or 0
local unsavedBytes = 0

-- The byte count of each conversation of the run: a number, or false for none (no field).
knownBytes = {}
local ids = {}
local at = 6
while at <= #ARGV do
  local id = ARGV[at]
  if knownBytes[id] == nil then
    knownBytes[id] = false
    ids[#ids + 1] = id
  end
  at = at + 3 + 2 * tonumber(ARGV[at + 1])
end
for from = 1, #ids, 1000 do
  local to = math.min(from + 999, #ids)
  local counts = call('HMGET', bytesOf, unpack(ids, from, to))
  for i = from, to do
    local count = counts[i - from + 1]
    if count then knownBytes[ids[i]] = tonumber(count) end
  end
end

local function appendOne(key, id, replace, first, last)
  ${replaceNewest('replace')}
  local length, addedBytes, addedTurns = 0
  ${pushTurns('first', 'last')}
${appendCaps({
  touch: BATCH_TOUCH,
  addConversationBytes: (delta) => `knownBytes[id] = (knownBytes[id] or 0) + ${delta}`,
  addTotalBytes: 'totalBytes, unsavedBytes = totalBytes + bytesDelta, unsavedBytes + bytesDelta',
  beforeEviction: 'saveTouches()',
})}end
local replies = {}
-- The reply of every call without evictions (the common case): one table for all of them.
local none = {}
-- No call failed or evicted: the reply is just 0.
local quiet = true
at = 6
for c = 1, #KEYS - 4 do
  local last = at + 2 + 2 * tonumber(ARGV[at + 1])
  local ok, failure = pcall(appendOne, KEYS[4 + c], ARGV[at], ARGV[at + 2], at + 3, last)
  if not ok then
    replies[c] = {'!', type(failure) == 'table' and tostring(failure.err) or tostring(failure)}
    quiet = false
    if #evicted > 0 then evicted = {} end
  elseif #evicted == 0 then
    replies[c] = none
  else
    replies[c] = evicted
    quiet = false
    evicted = {}
  end
  at = last + 1
end
saveTouches()
local counts, n = {}, 0
for _, id in ipairs(ids) do
  local count = knownBytes[id]
  if count then
    counts[n + 1], counts[n + 2] = id, string.format('%d', count)
    n = n + 2
    if n == 1000 then
      call('HSET', bytesOf, unpack(counts, 1, n))
      n = 0
    end
  end
end
if n > 0 then call('HSET', bytesOf, unpack(counts, 1, n)) end
if unsavedBytes ~= 0 then call('HINCRBY', meta, 'bytes', unsavedBytes) end
if quiet then return 0 end
return replies
`;

/**
 * Removes the newest turns of a live conversation: \`pop\`, and \`replaceNewest\` with no turns to
 * append. KEYS[5] its key; ARGV[3] id, ARGV[4] how many (all, when it holds fewer). Touches what is
 * left; a conversation left empty is forgotten, as by \`delete\`. Reply: the newest turn removed (or
 * false: none), then the evictions.
 */
const POP = `${PRELUDE}
local key, id = KEYS[5], ARGV[3]
local removed = call('RPOP', key, tonumber(ARGV[4]))
local newest = false
-- Popped down to the summary: it goes back, it is not a turn; popping only it changes nothing.
local summaryOnly = false
if removed and string.byte(removed[#removed], 1) == ${SUMMARY_BYTE} then
  call('RPUSH', key, table.remove(removed))
  summaryOnly = #removed == 0
end
if summaryOnly then
  newest = false
elseif removed then
  newest = removed[1]
  local left = call('LLEN', key)
  if left == 0 then
    forget(id, nil)
  else
    ${BYTES_OF}
    local bytes = sizeOf(removed)
    call('HINCRBY', bytesOf, id, 0 - bytes)
    call('HINCRBY', meta, 'bytes', 0 - bytes)
    call('HINCRBY', turnsOf, id, 0 - #removed)
    call('HINCRBY', meta, 'turns', 0 - #removed)
    ${TOUCH}
    if ttl > 0 then call('PEXPIRE', key, ttlText) end
  end
elseif call('ZSCORE', lru, id) then
  -- Indexed, yet its turns are gone: it expired a moment before the index said so.
  forget(id, 'ttl')
end
table.insert(evicted, 1, newest)
return evicted
`;

/**
 * \`compact\` (decision 16): KEYS[5] the conversation's key; ARGV[3] id, ARGV[4] maxTotalBytes,
 * ARGV[5] the element of the summary the caller saw ('' for none), ARGV[6] the new summary's text,
 * then the elements of the turns it covers, oldest first, as the caller saw them. Compares them
 * with the list's first elements; only when all are equal removes them, puts the new summary
 * first, touches, and enforces the byte budget. Reply: '' when compacted or the reason it was
 * not, then the evictions.
 */
const COMPACT = `${PRELUDE}
local key, id, maxTotalBytes = KEYS[5], ARGV[3], tonumber(ARGV[4])
local count = #ARGV - 6
local function refuse(problem)
  table.insert(evicted, 1, problem)
  return evicted
end
local head = call('LRANGE', key, 0, count)
if #head == 0 then
  if call('ZSCORE', lru, id) then forget(id, 'ttl') end
  return refuse('it is gone: deleted, expired or evicted')
end
local at = 0
if string.byte(head[1], 1) == ${SUMMARY_BYTE} then
  if head[1] ~= ARGV[5] then return refuse(ARGV[5] == '' and 'it has a summary now' or 'its summary changed') end
  at = 1
elseif ARGV[5] ~= '' then
  return refuse('its summary is gone')
end
if #head - at < count then return refuse('it holds fewer turns than the summary covers') end
for i = 1, count do
  if head[at + i] ~= ARGV[6 + i] then return refuse('its turn ' .. (i - 1) .. ' is not the one seen there') end
end
local removed = call('LPOP', key, at + count)
${BYTES_OF}
local summary = ARGV[6]
local bytesDelta = #summary - sizeOf(removed)
call('LPUSH', key, '8' .. now .. ' ' .. summary)
call('HINCRBY', bytesOf, id, bytesDelta)
totalBytes = call('HINCRBY', meta, 'bytes', bytesDelta)
call('HINCRBY', turnsOf, id, 0 - count)
call('HINCRBY', meta, 'turns', 0 - count)
${TOUCH}
while totalBytes > maxTotalBytes do
  local oldest = call('ZRANGE', lru, 0, 0)[1]
  if oldest == id then break end
  forget(oldest, call('DEL', keyPrefix .. oldest) == 1 and 'bytes' or 'ttl')
end
local turns = call('LLEN', key)
${ownBudget((delta) => `call('HINCRBY', bytesOf, id, ${delta})`)}if ttl > 0 then call('PEXPIRE', key, ttlText) end
return refuse('')
`;

/** Removes a conversation. KEYS[5] its key; ARGV[3] id. Reply: 1 or 0, then the evictions. */
const DELETE = `${PRELUDE}
local id = ARGV[3]
local removed = 0
if call('DEL', KEYS[5]) == 1 then
  forget(id, nil)
  removed = 1
elseif call('ZSCORE', lru, id) then
  forget(id, 'ttl')
end
table.insert(evicted, 1, removed)
return evicted
`;

/**
 * Removes every conversation of the store: walks the index rather than SCANning the keyspace,
 * since every conversation key is in it (each change to both happens in one script). Eviction
 * counts stay. Reply: the evictions.
 */
const CLEAR = `${PRELUDE}
while true do
  local ids = call('ZRANGE', lru, 0, 999)
  if #ids == 0 then break end
  local keys = {}
  for i, id in ipairs(ids) do keys[i] = keyPrefix .. id end
  -- UNLINK frees the memory in a background thread, so a big clear does not stall Redis.
  call('UNLINK', unpack(keys))
  call('ZREMRANGEBYRANK', lru, 0, #ids - 1)
end
call('UNLINK', bytesOf, turnsOf)
call('HSET', meta, 'bytes', 0, 'turns', 0)
return evicted
`;

/** Live conversations; also the periodic sweep. Reply: the count, then the evictions. */
const SIZE = `${PRELUDE}
table.insert(evicted, 1, call('ZCARD', lru))
return evicted
`;

/** Reply: conversations, turns, bytes, evictions by ttl, lru, bytes; then this call's evictions. */
const STATS = `${PRELUDE}
local totals = call('HMGET', meta, 'turns', 'bytes', 'evicted:ttl', 'evicted:lru', 'evicted:bytes')
local reply = {call('ZCARD', lru)}
for i = 1, 5 do reply[i + 1] = tonumber(totals[i]) or 0 end
for _, value in ipairs(evicted) do reply[#reply + 1] = value end
return reply
`;

/**
 * A page of conversations, most recent first, touching nothing. ARGV[3] the cursor (the score
 * of the last item of the previous page, or ''), ARGV[4] the limit. Conversations touched since
 * got a higher score, so they are not repeated, and untouched ones are listed exactly once.
 * Reply `{evicted, {{id, lastAccessMs, turns}…}, cursor | false}`; a cursor only when another
 * live conversation follows.
 */
const LIST = `${PRELUDE}
local limit = tonumber(ARGV[4])
local max = ARGV[3] == '' and '+inf' or '(' .. ARGV[3]
local items, lastScore, more = {}, false, false
while not more do
  local batch = call('ZREVRANGEBYSCORE', lru, max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1)
  if #batch == 0 then break end
  for i = 1, #batch, 2 do
    local id = batch[i]
    if #items == limit then
      if call('EXISTS', keyPrefix .. id) == 1 then
        more = true
        break
      end
      forget(id, 'ttl')
    else
      local turns = call('LRANGE', keyPrefix .. id, 0, -1)
      if #turns == 0 then
        forget(id, 'ttl')
      else
        items[#items + 1] = {id, math.floor(tonumber(batch[i + 1]) / ${SCORE_UNITS_PER_MS}), turns}
        lastScore = batch[i + 1]
      end
    end
  end
  if more or #batch < 2 * (limit + 1) then break end
  max = '(' .. batch[#batch]
end
return {evicted, items, more and lastScore or false}
`;

/** The scripts, each with its SHA1, built once when the module loads. */
export const SCRIPTS = {
  get: new LuaScript('get', GET),
  append: new LuaScript('append', APPEND),
  appends: new LuaScript('appends', APPENDS),
  pop: new LuaScript('pop', POP),
  compact: new LuaScript('compact', COMPACT),
  delete: new LuaScript('delete', DELETE),
  clear: new LuaScript('clear', CLEAR),
  size: new LuaScript('size', SIZE),
  stats: new LuaScript('stats', STATS),
  list: new LuaScript('list', LIST),
} as const;

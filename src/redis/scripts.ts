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
 * | `{p}:lru` | sorted set | every indexed conversation id, scored by a counter bumped on each touch: strict recency order, no ties |
 * | `{p}:info` | hash | id → `"<lastAccessMs> <bytes> <turns>"`: what is needed once the list key has expired |
 * | `{p}:meta` | hash | `clock` (the counter), `bytes` and `turns` (totals), `evicted:ttl`, `evicted:lru`, `evicted:bytes` |
 *
 * A turn is stored as one list element: the role's index (one digit), the server time in ms, a
 * space, then the content — so its content's UTF-8 bytes are the element's length minus the
 * header, which is what the byte counters need.
 *
 * Redis expires idle list keys itself. Recency and TTL are refreshed together, so expired
 * conversations stand at the old end of `{p}:lru`; every script first forgets them from there
 * (`forgetExpired`), counting each as a 'ttl' eviction, so counts and totals are exact by the
 * time any call returns.
 *
 * @packageDocumentation
 */
import { LuaScript } from './lua-script.js';

/**
 * Shared by every script. KEYS[1] `{p}:lru`, KEYS[2] `{p}:info`, KEYS[3] `{p}:meta`; ARGV[1] the
 * prefix of conversation keys, `{p}:c:`. Functions are local: Redis forbids globals in scripts.
 */
const PRELUDE = `
local lru, info, meta = KEYS[1], KEYS[2], KEYS[3]
local keyPrefix = ARGV[1]
local evicted = {}

local function readInfo(id)
  local value = redis.call('HGET', info, id)
  if not value then return 0, 0, 0 end
  local at, bytes, turns = string.match(value, '^(%d+) (%d+) (%d+)$')
  return tonumber(at), tonumber(bytes), tonumber(turns)
end

-- Forgets a conversation whose list key is already gone: out of the index and the totals,
-- counted and reported when it is an eviction.
local function unindex(id, reason)
  local _, bytes, turns = readInfo(id)
  redis.call('ZREM', lru, id)
  redis.call('HDEL', info, id)
  if bytes ~= 0 then redis.call('HINCRBY', meta, 'bytes', 0 - bytes) end
  if turns ~= 0 then redis.call('HINCRBY', meta, 'turns', 0 - turns) end
  if reason then
    redis.call('HINCRBY', meta, 'evicted:' .. reason, 1)
    evicted[#evicted + 1] = reason
    evicted[#evicted + 1] = id
  end
end

-- Evicts another conversation. Should its key be gone already (expired, or deleted behind the
-- store's back), that was a 'ttl' eviction, whatever pushed it out now.
local function evict(id, reason)
  if redis.call('DEL', keyPrefix .. id) == 1 then unindex(id, reason) else unindex(id, 'ttl') end
end

-- Redis deleted the keys of expired conversations (PEXPIRE); they are the oldest in the index,
-- since recency and TTL are refreshed together. Forget them, oldest first, up to a live one.
local function forgetExpired()
  while true do
    local oldest = redis.call('ZRANGE', lru, 0, 0)[1]
    if oldest == nil or redis.call('EXISTS', keyPrefix .. oldest) == 1 then return end
    unindex(oldest, 'ttl')
  end
end

local function serverTimeMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

-- Marks a conversation the most recently used: the counter never repeats, so there are no ties.
local function bump(id)
  redis.call('ZADD', lru, redis.call('HINCRBY', meta, 'clock', 1), id)
end

local function record(id, key, now, bytes, turns, ttl)
  redis.call('HSET', info, id, string.format('%d %d %d', now, bytes, turns))
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
end
`;

/** A conversation's turns. KEYS[4] its key; ARGV[2] TTL ms (0: never), ARGV[3] id. Reply `{evicted, turns}`. */
const GET = `${PRELUDE}
forgetExpired()
local key, ttl, id = KEYS[4], tonumber(ARGV[2]), ARGV[3]
local turns = redis.call('LRANGE', key, 0, -1)
if #turns == 0 then
  if redis.call('ZSCORE', lru, id) then unindex(id, 'ttl') end
  return {evicted, turns}
end
local _, bytes = readInfo(id)
bump(id)
record(id, key, serverTimeMs(), bytes, #turns, ttl)
return {evicted, turns}
`;

/**
 * Appends turns, then enforces maxTurns, maxConversations and maxTotalBytes, in that order.
 * KEYS[4] the conversation's key; ARGV[2] TTL ms, ARGV[3] id, ARGV[4] maxTurns, ARGV[5]
 * maxConversations, ARGV[6] maxTotalBytes, then role digit and content of each turn. Reply `{evicted}`.
 */
const APPEND = `${PRELUDE}
forgetExpired()
local key, ttl, id = KEYS[4], tonumber(ARGV[2]), ARGV[3]
local maxTurns, maxConversations, maxTotalBytes = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local now = serverTimeMs()
local bytes, turns = 0, 0
if redis.call('EXISTS', key) == 1 then
  local _
  _, bytes, turns = readInfo(id)
elseif redis.call('ZSCORE', lru, id) then
  -- Indexed but its turns are gone: it expired. It starts empty; the old turns never come back.
  unindex(id, 'ttl')
end

local stamp = string.format('%d', now) .. ' '
local batch, addedBytes, addedTurns = {}, 0, 0
for i = 7, #ARGV, 2 do
  local content = ARGV[i + 1]
  batch[#batch + 1] = ARGV[i] .. stamp .. content
  addedBytes = addedBytes + #content
  -- unpack() is limited by the Lua stack; push in slices.
  if #batch == 1000 then
    redis.call('RPUSH', key, unpack(batch))
    addedTurns = addedTurns + #batch
    batch = {}
  end
end
if #batch > 0 then
  redis.call('RPUSH', key, unpack(batch))
  addedTurns = addedTurns + #batch
end
turns, bytes = turns + addedTurns, bytes + addedBytes
local total = redis.call('HINCRBY', meta, 'bytes', addedBytes)
redis.call('HINCRBY', meta, 'turns', addedTurns)

-- Drops the conversation's n oldest turns, keeping the counters in step.
local function dropOldest(n)
  local dropped = redis.call('LPOP', key, n)
  local droppedBytes = 0
  for _, turn in ipairs(dropped) do droppedBytes = droppedBytes + #turn - string.find(turn, ' ', 1, true) end
  turns, bytes = turns - #dropped, bytes - droppedBytes
  redis.call('HINCRBY', meta, 'turns', 0 - #dropped)
  -- 0 - x, not -x: Lua writes -0 as "-0", which Redis refuses as an integer.
  return redis.call('HINCRBY', meta, 'bytes', 0 - droppedBytes)
end

if turns > maxTurns then total = dropOldest(turns - maxTurns) end
bump(id)
-- The written conversation is now the newest, so the oldest is always another one.
local count = redis.call('ZCARD', lru)
while count > maxConversations do
  evict(redis.call('ZRANGE', lru, 0, 0)[1], 'lru')
  count = count - 1
end
total = tonumber(redis.call('HGET', meta, 'bytes'))
while total > maxTotalBytes do
  local oldest = redis.call('ZRANGE', lru, 0, 0)[1]
  if oldest == id then break end
  evict(oldest, 'bytes')
  total = tonumber(redis.call('HGET', meta, 'bytes'))
end
-- Alone over the budget: its own oldest turns go. The newest always fits (maxTotalBytes >= maxTurnBytes).
while total > maxTotalBytes and turns > 1 do total = dropOldest(1) end
record(id, key, now, bytes, turns, ttl)
return {evicted}
`;

/** Removes a conversation. KEYS[4] its key; ARGV[2] id. Reply `{evicted, 1 | 0}`. */
const DELETE = `${PRELUDE}
forgetExpired()
local id = ARGV[2]
if redis.call('DEL', KEYS[4]) == 1 then
  unindex(id, nil)
  return {evicted, 1}
end
if redis.call('ZSCORE', lru, id) then unindex(id, 'ttl') end
return {evicted, 0}
`;

/**
 * Removes every conversation of the store: walks the index rather than SCANning the keyspace,
 * since every conversation key is in it (each change to both happens in one script). Eviction
 * counts and the recency counter stay. Reply `{evicted}`.
 */
const CLEAR = `${PRELUDE}
forgetExpired()
while true do
  local ids = redis.call('ZRANGE', lru, 0, 999)
  if #ids == 0 then break end
  local keys = {}
  for i, id in ipairs(ids) do keys[i] = keyPrefix .. id end
  -- UNLINK frees the memory in a background thread, so a big clear does not stall Redis.
  redis.call('UNLINK', unpack(keys))
  redis.call('ZREMRANGEBYRANK', lru, 0, #ids - 1)
end
redis.call('UNLINK', info)
redis.call('HSET', meta, 'bytes', 0, 'turns', 0)
return {evicted}
`;

/** Live conversations; also the periodic sweep. Reply `{evicted, count}`. */
const SIZE = `${PRELUDE}
forgetExpired()
return {evicted, redis.call('ZCARD', lru)}
`;

/** Reply `{evicted, conversations, turns, bytes, evicted ttl, lru, bytes}`. */
const STATS = `${PRELUDE}
forgetExpired()
local totals = redis.call('HMGET', meta, 'turns', 'bytes', 'evicted:ttl', 'evicted:lru', 'evicted:bytes')
local reply = {evicted, redis.call('ZCARD', lru)}
for i = 1, 5 do reply[i + 2] = tonumber(totals[i]) or 0 end
return reply
`;

/**
 * A page of conversations, most recent first, touching nothing. ARGV[2] the cursor (the score
 * of the last item of the previous page, or ''), ARGV[3] the limit. Conversations touched since
 * got a higher score, so they are not repeated, and untouched ones are listed exactly once.
 * Reply `{evicted, {{id, lastAccessMs, turns}…}, cursor | false}`; a cursor only when another
 * live conversation follows.
 */
const LIST = `${PRELUDE}
forgetExpired()
local limit = tonumber(ARGV[3])
local max = ARGV[2] == '' and '+inf' or '(' .. ARGV[2]
local items, lastScore, more = {}, false, false
while not more do
  local batch = redis.call('ZREVRANGEBYSCORE', lru, max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1)
  if #batch == 0 then break end
  for i = 1, #batch, 2 do
    local id = batch[i]
    if #items == limit then
      if redis.call('EXISTS', keyPrefix .. id) == 1 then
        more = true
        break
      end
      unindex(id, 'ttl')
    else
      local turns = redis.call('LRANGE', keyPrefix .. id, 0, -1)
      if #turns == 0 then
        unindex(id, 'ttl')
      else
        local at = readInfo(id)
        items[#items + 1] = {id, at, turns}
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
  delete: new LuaScript('delete', DELETE),
  clear: new LuaScript('clear', CLEAR),
  size: new LuaScript('size', SIZE),
  stats: new LuaScript('stats', STATS),
  list: new LuaScript('list', LIST),
} as const;

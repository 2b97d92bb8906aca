/**
 * The Lua scripts of presence kept in Redis. Each step (a connection opens or closes, a node
 * stops, a member is looked at) runs as one script, so no other node sees it half done: that
 * is what lets exactly one node find a departure and report it.
 *
 * Keys, under the deployment's prefix P, for a kind of member K (`agents:`, `visitors:`):
 *
 *   P node:<node>          a node is alive while this exists (PX node TTL, refreshed by its heartbeat)
 *   P K present            sorted set: every member here, scored with when to look at them next
 *   P K <id>:conns         hash: node → connections of the member open on that node
 *   P K <id>:grace         exists while the member's grace runs (PX grace)
 *   P K <id>:visit         hash: a visitor's visit (visitorId, siteId, since, returning, name, page)
 *   P K site:<site>        sorted set: the visitors on a site, scored by when their visit began
 *
 * Every key expires. `node:` and `:grace` live their own TTL; the others get `keepMs` (twice a
 * node TTL and a grace) whenever a member is written or looked at, and every member is looked at
 * again within a node TTL or a grace: nothing outlives the last node for long.
 *
 * A member is here while it is in `present`. It leaves when a look finds no connection on a live
 * node and no grace: the look that removes it from `present` is the one that reports it gone.
 * Connections of a dead node (its `node:` key expired) are dropped and start the grace, as a
 * graceful stop would.
 *
 * Keys are built inside the scripts from the arguments, which a single Redis (not Redis
 * Cluster) allows. Every script takes the same first six arguments (see `PresenceScope`).
 */
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

/** The arguments every presence script begins with. */
export interface PresenceScope {
  /** `P K`, the prefix of this kind's keys. */
  namespace: string
  /** `P node:`. */
  nodePrefix: string
  nodeId: string
  nodeTtlMs: number
  graceMs: number
  keepMs: number
}

const COMMON = `
local ns, nodePrefix, nodeId = ARGV[1], ARGV[2], ARGV[3]
local nodeTtlMs, graceMs, keepMs = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local present = ns .. 'present'

-- Redis's clock, the same for every node.
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Connections of the member on live nodes; what dead nodes held is dropped. Returns how many
-- live nodes hold one, how soon the first of them could die, and whether a dead node held one.
local function liveConnections(member)
  local conns = ns .. member .. ':conns'
  local fields = redis.call('HGETALL', conns)
  local live, soonest, died = 0, nil, false
  for i = 1, #fields, 2 do
    local ttl = redis.call('PTTL', nodePrefix .. fields[i])
    if ttl ~= -2 and tonumber(fields[i + 1]) > 0 then
      live = live + 1
      if ttl > 0 and (soonest == nil or ttl < soonest) then soonest = ttl end
    else
      redis.call('HDEL', conns, fields[i])
      if ttl == -2 then died = true end
    end
  end
  return live, soonest or nodeTtlMs, died
end

local function keep(member)
  redis.call('PEXPIRE', present, keepMs)
  redis.call('PEXPIRE', ns .. member .. ':conns', keepMs)
  local visit = ns .. member .. ':visit'
  if redis.call('PEXPIRE', visit, keepMs) == 1 then
    redis.call('PEXPIRE', ns .. 'site:' .. redis.call('HGET', visit, 'siteId'), keepMs)
  end
end

local function startGrace(member, now)
  if graceMs > 0 then redis.call('SET', ns .. member .. ':grace', '1', 'PX', graceMs) end
  redis.call('ZADD', present, now + graceMs, member)
  keep(member)
end

-- Looks at a member: {'here'}, {'grace', ms left}, {'gone', visit} for the one look that ends
-- their presence, or {'absent'} when it had ended before.
local function settle(member, now)
  if not redis.call('ZSCORE', present, member) then return {'absent'} end
  local live, soonest, died = liveConnections(member)
  if live > 0 then
    redis.call('ZADD', present, now + soonest, member)
    keep(member)
    return {'here'}
  end
  if died then startGrace(member, now) end
  local graceLeft = redis.call('PTTL', ns .. member .. ':grace')
  if graceLeft > 0 then
    redis.call('ZADD', present, now + graceLeft, member)
    keep(member)
    return {'grace', graceLeft}
  end
  redis.call('ZREM', present, member)
  redis.call('DEL', ns .. member .. ':conns', ns .. member .. ':grace')
  local visitKey = ns .. member .. ':visit'
  local visit = redis.call('HGETALL', visitKey)
  local site = redis.call('HGET', visitKey, 'siteId')
  if site then redis.call('ZREM', ns .. 'site:' .. site, member) end
  redis.call('DEL', visitKey)
  return {'gone', visit}
end
`

/**
 * A connection of a member opened on this node. ARGV[7]: the member. For a visitor, then: how
 * many field pairs follow that are set only when a visit begins, those pairs, and the pairs
 * set on every connection (the page and name). Returns {1 if the member arrived, visit}.
 */
const CONNECT = `${COMMON}
local member = ARGV[7]
local now = nowMs()
local arrived = not redis.call('ZSCORE', present, member)
-- A node that holds connections is alive, whatever its heartbeat is doing.
redis.call('SET', nodePrefix .. nodeId, '1', 'PX', nodeTtlMs)
redis.call('HINCRBY', ns .. member .. ':conns', nodeId, 1)
redis.call('DEL', ns .. member .. ':grace')
redis.call('ZADD', present, now + nodeTtlMs, member)
local visit = ns .. member .. ':visit'
if #ARGV > 7 then
  local beginPairs = tonumber(ARGV[8])
  local lastBegin = 8 + beginPairs * 2
  if arrived or redis.call('EXISTS', visit) == 0 then
    redis.call('DEL', visit)
    redis.call('HSET', visit, unpack(ARGV, 9, lastBegin))
    local site, since = unpack(redis.call('HMGET', visit, 'siteId', 'since'))
    redis.call('ZADD', ns .. 'site:' .. site, since, member)
  end
  if #ARGV > lastBegin then redis.call('HSET', visit, unpack(ARGV, lastBegin + 1, #ARGV)) end
end
keep(member)
return {arrived and 1 or 0, redis.call('HGETALL', visit)}
`

/** A visitor moved or gave their name. ARGV[7]: the member, then field pairs. Returns the visit, or nothing when it has ended. */
const CHANGE_VISIT = `${COMMON}
local member = ARGV[7]
local visit = ns .. member .. ':visit'
-- HSET on its own would bring back an ended visit, without an expiry.
if redis.call('EXISTS', visit) == 0 then return false end
if #ARGV > 7 then redis.call('HSET', visit, unpack(ARGV, 8, #ARGV)) end
keep(member)
return redis.call('HGETALL', visit)
`

/** A connection of a member closed on this node. ARGV[7]: the member. Returns 1 when their grace began. */
const DISCONNECT = `${COMMON}
local member = ARGV[7]
local conns = ns .. member .. ':conns'
if redis.call('HINCRBY', conns, nodeId, -1) <= 0 then redis.call('HDEL', conns, nodeId) end
if not redis.call('ZSCORE', present, member) then return 0 end
if liveConnections(member) > 0 then return 0 end
startGrace(member, nowMs())
return 1
`

/** A member recorded here with no connection: the grace to come back, unless connected. ARGV[7]: the member. Returns 1 when the grace began. */
const EXPECT_RETURN = `${COMMON}
local member = ARGV[7]
if liveConnections(member) > 0 then return 0 end
startGrace(member, nowMs())
return 1
`

/** Looks at the members ARGV[7..]: one result of \`settle\` each, in order. */
const SETTLE = `${COMMON}
local now = nowMs()
local results = {}
for i = 7, #ARGV do results[#results + 1] = settle(ARGV[i], now) end
return results
`

/**
 * The heartbeat: keeps this node alive and looks at up to ARGV[7] members due for a look.
 * Returns {member, visit} for each it found gone.
 */
const HEARTBEAT = `${COMMON}
redis.call('SET', nodePrefix .. nodeId, '1', 'PX', nodeTtlMs)
redis.call('PEXPIRE', present, keepMs)
local now = nowMs()
local gone = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', present, '-inf', now, 'LIMIT', 0, tonumber(ARGV[7]))) do
  local result = settle(member, now)
  if result[1] == 'gone' then gone[#gone + 1] = {member, result[2]} end
end
return gone
`

/**
 * A graceful stop: this node's connections of the members ARGV[7..] are closed at once, and
 * those left with none anywhere begin their grace, which other nodes will see out.
 */
const LEAVE = `${COMMON}
local now = nowMs()
for i = 7, #ARGV do
  local member = ARGV[i]
  redis.call('HDEL', ns .. member .. ':conns', nodeId)
  if redis.call('ZSCORE', present, member) and liveConnections(member) == 0 then startGrace(member, now) end
end
redis.call('DEL', nodePrefix .. nodeId)
return 0
`

/** Runs a script by its digest, sending its source only when Redis does not know it yet. */
function script(lua: string) {
  const digest = createHash('sha1').update(lua).digest('hex')
  return async function runPresenceScript(redis: Redis, scope: PresenceScope, args: Array<string | number>): Promise<unknown> {
    const argv = [scope.namespace, scope.nodePrefix, scope.nodeId, scope.nodeTtlMs, scope.graceMs, scope.keepMs, ...args]
    try {
      return await redis.evalsha(digest, 0, ...argv)
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
      return redis.eval(lua, 0, ...argv)
    }
  }
}

export const presenceScripts = {
  connect: script(CONNECT),
  changeVisit: script(CHANGE_VISIT),
  disconnect: script(DISCONNECT),
  expectReturn: script(EXPECT_RETURN),
  settle: script(SETTLE),
  heartbeat: script(HEARTBEAT),
  leave: script(LEAVE),
}

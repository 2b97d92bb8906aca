/**
 * This process's part in presence kept in Redis, for one kind of member (agents or visitors):
 * the connections it holds, the heartbeat that keeps its `node:` key alive, the grace timers
 * of members whose last connection closed here, and the sweep that finds departures nobody
 * else will report (a node that was killed runs no timer). Key layout and the reasons behind
 * it: redis-presence-scripts.ts.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Logger } from '../ops/logger.js'
import { presenceScripts, type PresenceScope } from './redis-presence-scripts.js'

export interface RedisPresenceNodeOptions {
  redis: Redis
  /** The deployment's key prefix (REDIS_PREFIX). */
  prefix: string
  kind: 'agents' | 'visitors'
  graceMs: number
  /** How long a node that stops refreshing its key still counts as alive; it refreshes every third of it. */
  nodeTtlMs: number
  logger: Logger
  /** Called once per departure, on whichever node finds it, with the visit a visitor had (empty for agents). */
  onGone(member: number, visit: Record<string, string>): void
}

/** Members looked at in one script run: bounds how long Redis is busy with one sweep. */
const SWEEP_BATCH = 100

type Settled = ['here'] | ['grace', number] | ['gone', string[]] | ['absent']

/** A Redis reply of `HGETALL` (field, value, field, value...) as an object. */
export function fieldsOf(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!
  return fields
}

export function createRedisPresenceNode({ redis, prefix, kind, graceMs, nodeTtlMs, logger, onGone }: RedisPresenceNodeOptions) {
  const scope: PresenceScope = {
    namespace: `${prefix}${kind}:`,
    nodePrefix: `${prefix}node:`,
    nodeId: randomBytes(8).toString('hex'),
    nodeTtlMs,
    graceMs,
    // Long enough for any member to be looked at again before its keys expire (see the scripts).
    keepMs: 2 * (nodeTtlMs + graceMs),
  }
  /** Connections open on this node, per member: what a graceful stop closes in Redis. */
  const held = new Map<number, number>()
  const graceTimers = new Map<number, NodeJS.Timeout>()
  let sweeping: Promise<void> | undefined
  let closed = false

  function reportGone(member: number, visit: string[]) {
    try {
      onGone(member, fieldsOf(visit))
    } catch (error) {
      logger.error({ err: error, kind, member }, 'a presence departure listener failed')
    }
  }

  /** One connection fewer held here. */
  function forget(member: number) {
    const count = (held.get(member) ?? 1) - 1
    if (count > 0) held.set(member, count)
    else held.delete(member)
  }

  function clearGraceTimer(member: number) {
    clearTimeout(graceTimers.get(member))
    graceTimers.delete(member)
  }

  /** Looks at the member once their grace should be over, here rather than at the next sweep. */
  function lookAfter(member: number, delayMs: number) {
    clearGraceTimer(member)
    const timer = setTimeout(function presenceGraceExpired() {
      graceTimers.delete(member)
      void settle(member).catch((error) => logger.error({ err: error, kind, member }, 'failed to look at a member after their grace'))
    }, delayMs)
    timer.unref()
    graceTimers.set(member, timer)
  }

  async function settle(member: number) {
    const [result] = (await presenceScripts.settle(redis, scope, [member])) as Settled[]
    if (result?.[0] === 'gone') reportGone(member, result[1])
    // Redis's clock and ours may run apart by a few milliseconds: look again when the grace is really over.
    else if (result?.[0] === 'grace' && !closed) lookAfter(member, result[1] + 1)
  }

  async function sweep() {
    for (;;) {
      const gone = (await presenceScripts.heartbeat(redis, scope, [SWEEP_BATCH])) as Array<[string, string[]]>
      for (const [member, visit] of gone) reportGone(Number(member), visit)
      if (gone.length < SWEEP_BATCH || closed) return
    }
  }

  function heartbeat() {
    if (sweeping || closed) return // the last one is still running (Redis is slow): skip a beat
    sweeping = sweep()
      .catch((error) => logger.error({ err: error, kind }, 'presence heartbeat failed'))
      .finally(() => (sweeping = undefined))
  }

  const beat = setInterval(heartbeat, Math.max(1, Math.floor(nodeTtlMs / 3)))
  beat.unref()
  heartbeat()

  return {
    /** Resolves with whether the member arrived (nobody held them here) and their visit as it now stands. */
    async connected(member: number, visit?: { begin: Array<string | number>; always: Array<string | number> }) {
      if (closed) return { arrived: false, visit: {} }
      held.set(member, (held.get(member) ?? 0) + 1)
      clearGraceTimer(member)
      const args: Array<string | number> = [member]
      if (visit) args.push(visit.begin.length / 2, ...visit.begin, ...visit.always)
      try {
        const [arrived, fields] = (await presenceScripts.connect(redis, scope, args)) as [number, string[]]
        return { arrived: arrived === 1, visit: fieldsOf(fields) }
      } catch (error) {
        forget(member)
        throw error
      }
    },

    /** Changes fields of a running visit; resolves with the visit, or undefined when it has ended. */
    async changeVisit(member: number, pairs: string[]): Promise<Record<string, string> | undefined> {
      const fields = (await presenceScripts.changeVisit(redis, scope, [member, ...pairs])) as string[] | null
      return fields ? fieldsOf(fields) : undefined
    },

    async disconnected(member: number) {
      // Unbalanced or after the stop: nothing of this node's to close.
      if (closed || !held.has(member)) return
      forget(member)
      if ((await presenceScripts.disconnect(redis, scope, [member])) === 1) lookAfter(member, graceMs)
    },

    async expectReturn(member: number) {
      if (closed) return
      if ((await presenceScripts.expectReturn(redis, scope, [member])) === 1) lookAfter(member, graceMs)
    },

    /** Which of these members are here (connected somewhere, or within the grace). */
    async here(members: number[]): Promise<Set<number>> {
      if (members.length === 0) return new Set()
      const scores = await redis.zmscore(`${scope.namespace}present`, ...members)
      return new Set(members.filter((_, i) => scores[i] !== null))
    },

    keyOf: (suffix: string) => scope.namespace + suffix,

    /** Stops the timers and closes this node's connections in Redis, giving their members the grace. */
    async close() {
      if (closed) return
      closed = true
      clearInterval(beat)
      for (const timer of graceTimers.values()) clearTimeout(timer)
      graceTimers.clear()
      await sweeping
      try {
        await presenceScripts.leave(redis, scope, [...held.keys()])
      } catch (error) {
        // The keys expire anyway; other nodes will find the members gone once this node's key has.
        logger.warn({ err: error, kind }, 'could not close this node\'s connections in Redis')
      }
      held.clear()
    },
  }
}

export type RedisPresenceNode = ReturnType<typeof createRedisPresenceNode>

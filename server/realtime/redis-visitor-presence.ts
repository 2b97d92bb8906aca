import type { Redis } from 'ioredis'
import type { Logger } from '../ops/logger.js'
import { createRedisPresenceNode } from './redis-presence-node.js'
import type { Visit, VisitChange, VisitorPresence, VisitorPresenceOptions } from './visitor-presence.js'

export interface RedisVisitorPresenceOptions extends VisitorPresenceOptions {
  redis: Redis
  prefix: string
  logger: Logger
  /** How long a node that stopped (killed, cut off) still holds its visitors' connections (default 15 s). */
  nodeTtlMs?: number
}

const CHANGEABLE = ['name', 'pageUrl', 'pageTitle'] as const

/** The fields of a change that say something, as Redis hash pairs. */
function changedPairs(change: VisitChange): string[] {
  return CHANGEABLE.flatMap((field) => (change[field] === undefined ? [] : [field, change[field]!]))
}

/** A visit as Redis keeps it (a hash of strings), or undefined for a hash that is not one. */
function visitOf(fields: Record<string, string>): Visit | undefined {
  if (fields.visitorId === undefined || fields.siteId === undefined || fields.since === undefined) return undefined
  return {
    visitorId: Number(fields.visitorId),
    siteId: Number(fields.siteId),
    since: Number(fields.since),
    returning: fields.returning === '1',
    ...(fields.name === undefined ? {} : { name: fields.name }),
    ...(fields.pageUrl === undefined ? {} : { pageUrl: fields.pageUrl }),
    ...(fields.pageTitle === undefined ? {} : { pageTitle: fields.pageTitle }),
  }
}

const byLatestArrival = (a: Visit, b: Visit) => b.since - a.since || b.visitorId - a.visitorId

/** Visitors present on any node of a deployment sharing one Redis: every node lists the same visits. */
export function createRedisVisitorPresence({ graceMs, onGone, redis, prefix, logger, nodeTtlMs = 15_000 }: RedisVisitorPresenceOptions): VisitorPresence {
  const node = createRedisPresenceNode({
    redis, prefix, kind: 'visitors', graceMs, nodeTtlMs, logger,
    onGone(_visitorId, fields) {
      const visit = visitOf(fields)
      // A visit whose record had expired cannot say where it was: nobody was shown it since.
      if (visit) onGone(visit)
    },
  })
  const visitKey = (visitorId: number) => node.keyOf(`${visitorId}:visit`)
  const siteKey = (siteId: number) => node.keyOf(`site:${siteId}`)

  return {
    async connected(visit) {
      const begin = ['visitorId', visit.visitorId, 'siteId', visit.siteId, 'since', visit.since, 'returning', visit.returning ? 1 : 0]
      const running = await node.connected(visit.visitorId, { begin, always: changedPairs(visit) })
      return visitOf(running.visit) ?? visit
    },

    async update(visitorId, change) {
      const fields = await node.changeVisit(visitorId, changedPairs(change))
      return fields && visitOf(fields)
    },

    disconnected: (visitorId) => node.disconnected(visitorId),

    async get(visitorId) {
      return visitOf(await redis.hgetall(visitKey(visitorId)))
    },

    async list(siteIds, limit) {
      if (siteIds.length === 0 || limit <= 0) return []
      const perSite = await Promise.all(siteIds.map((siteId) => redis.zrevrange(siteKey(siteId), 0, limit - 1)))
      const ids = [...new Set(perSite.flat())]
      const records = await Promise.all(ids.map((id) => redis.hgetall(visitKey(Number(id)))))
      const visits = records.map((fields) => visitOf(fields)).filter((visit): visit is Visit => visit !== undefined)
      // A visit whose record expired while its site's list lived on (every node was down a while): drop it from the list.
      const expired = ids.filter((_, i) => visitOf(records[i]!) === undefined)
      if (expired.length > 0) await Promise.all(siteIds.map((siteId) => redis.zrem(siteKey(siteId), ...expired)))
      return visits.filter((visit) => siteIds.includes(visit.siteId)).sort(byLatestArrival).slice(0, limit)
    },

    close: () => node.close(),
  }
}

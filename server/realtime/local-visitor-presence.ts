import type { Visit, VisitorPresence, VisitorPresenceOptions } from './visitor-presence.js'

/** Presence kept in this process's memory: right for a single Parley process. */
export function createLocalVisitorPresence({ graceMs, onGone }: VisitorPresenceOptions): VisitorPresence {
  const visits = new Map<number, Visit>()
  const connections = new Map<number, number>()
  const leaving = new Map<number, NodeJS.Timeout>()
  let closed = false

  function stopGrace(visitorId: number) {
    clearTimeout(leaving.get(visitorId))
    leaving.delete(visitorId)
  }

  return {
    async connected(visit) {
      stopGrace(visit.visitorId)
      connections.set(visit.visitorId, (connections.get(visit.visitorId) ?? 0) + 1)
      const running = visits.get(visit.visitorId)
      const current: Visit = running
        ? { ...running, name: visit.name ?? running.name, pageUrl: visit.pageUrl ?? running.pageUrl, pageTitle: visit.pageTitle ?? running.pageTitle }
        : { ...visit }
      visits.set(visit.visitorId, current)
      return current
    },

    async update(visitorId, change) {
      const running = visits.get(visitorId)
      if (!running) return undefined
      const current: Visit = { ...running }
      for (const [key, value] of Object.entries(change) as [keyof typeof change, string | undefined][]) {
        if (value !== undefined) current[key] = value
      }
      visits.set(visitorId, current)
      return current
    },

    async disconnected(visitorId) {
      const count = (connections.get(visitorId) ?? 1) - 1
      if (count > 0) return void connections.set(visitorId, count)
      connections.delete(visitorId)
      if (closed || !visits.has(visitorId)) return
      stopGrace(visitorId)
      const timer = setTimeout(function visitorGraceExpired() {
        leaving.delete(visitorId)
        const visit = visits.get(visitorId)
        if (!visit || connections.has(visitorId)) return
        visits.delete(visitorId)
        onGone(visit)
      }, graceMs)
      timer.unref()
      leaving.set(visitorId, timer)
    },

    async get(visitorId) {
      return visits.get(visitorId)
    },

    async list(siteIds, limit) {
      const sites = new Set(siteIds)
      const here: Visit[] = []
      for (const visit of visits.values()) if (sites.has(visit.siteId)) here.push(visit)
      return here.sort((a, b) => b.since - a.since || b.visitorId - a.visitorId).slice(0, limit)
    },

    async close() {
      closed = true
      for (const timer of leaving.values()) clearTimeout(timer)
      leaving.clear()
    },
  }
}

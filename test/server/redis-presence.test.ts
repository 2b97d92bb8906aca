/**
 * Presence kept in Redis, against a real Redis (PARLEY_TEST_REDIS_URL, by default the local one).
 * Each presence instance stands for a node, with a Redis connection of its own: cutting that
 * connection is a node killed mid-flight (no timer of its runs again, nothing is cleaned up).
 * Without a Redis the suite is skipped, loudly, except on CI.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { AgentPresence } from '../../server/realtime/agent-presence.js'
import { createRedisAgentPresence } from '../../server/realtime/redis-agent-presence.js'
import { createRedisVisitorPresence } from '../../server/realtime/redis-visitor-presence.js'
import type { Visit, VisitorPresence } from '../../server/realtime/visitor-presence.js'
import { missingServices, REDIS_URL } from '../support/services.js'

const withoutRedis = await missingServices('the Redis presence tests', 'redis')

const GRACE_MS = 200
/** A node that stops refreshing is dead this long after its last refresh (it refreshes every 100 ms). */
const NODE_TTL_MS = 300
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const silent = pino({ level: 'silent' })

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await delay(10)
  }
}

/** Departures reported, by which node: the test of "once across every node". */
type Departure = { node: string; id: number; visit?: Visit }

describe.skipIf(withoutRedis)('presence in Redis', () => {
  let prefix = ''
  let departures: Departure[] = []
  const connections: Redis[] = []
  const nodes: Array<{ close(): Promise<void> }> = []
  /** A plain connection that looks at Redis from outside the nodes. */
  let observer: Redis | undefined

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.close()))
    const cleaner = new Redis(REDIS_URL)
    const keys = await cleaner.keys(`${prefix}*`)
    if (keys.length > 0) await cleaner.del(...keys)
    await cleaner.quit()
    for (const connection of connections.splice(0)) connection.disconnect()
    observer = undefined
    departures = []
  })

  /** A fresh key prefix per test, so that parallel runs and other users of the Redis are not seen. */
  function freshPrefix() {
    prefix = `parley-test-${randomBytes(6).toString('hex')}:`
    departures = []
  }

  function connection() {
    const redis = new Redis(REDIS_URL)
    redis.on('error', () => {}) // a killed node's connection
    connections.push(redis)
    return redis
  }

  function agentNode(name: string): AgentPresence & { kill(): void } {
    const redis = connection()
    const presence = createRedisAgentPresence({
      redis, prefix, logger: silent, graceMs: GRACE_MS, nodeTtlMs: NODE_TTL_MS,
      onGone: (id) => departures.push({ node: name, id }),
    })
    nodes.push(presence)
    return { ...presence, kill: () => redis.disconnect() }
  }

  function visitorNode(name: string): VisitorPresence & { kill(): void } {
    const redis = connection()
    const presence = createRedisVisitorPresence({
      redis, prefix, logger: silent, graceMs: GRACE_MS, nodeTtlMs: NODE_TTL_MS,
      onGone: (visit) => departures.push({ node: name, id: visit.visitorId, visit }),
    })
    nodes.push(presence)
    return { ...presence, kill: () => redis.disconnect() }
  }

  /** Every key of this test's prefix, with its remaining time to live (-1: none). */
  async function keysLeft(): Promise<Array<{ key: string; ttl: number }>> {
    const looking = (observer ??= connection())
    const keys = await looking.keys(`${prefix}*`)
    return Promise.all(keys.map(async (key) => ({ key: key.slice(prefix.length), ttl: await looking.pttl(key) })))
  }

  /** How many nodes have their liveness key. */
  async function liveNodes(): Promise<number> {
    return (await keysLeft()).filter(({ key }) => key.startsWith('node:')).length
  }

  const visit = (visitorId: number, siteId: number, since: number, page?: string): Visit => ({
    visitorId, siteId, since, returning: false, ...(page ? { pageUrl: `https://shop.test/${page}`, pageTitle: page } : {}),
  })

  describe('of agents', () => {
    it('shows an agent connected on one node to every node', async () => {
      freshPrefix()
      const [a, b] = [agentNode('A'), agentNode('B')]
      expect(await a.connected(7)).toBe(true)
      expect(await b.isConnected(7)).toBe(true)
      expect(await b.connectedAmong([7, 8])).toEqual(new Set([7]))
      expect(await b.isConnected(8)).toBe(false)
      // A second connection, elsewhere, is no arrival.
      expect(await b.connected(7)).toBe(false)
    })

    it('takes a move from one node to another within the grace for no departure', async () => {
      freshPrefix()
      const [a, b] = [agentNode('A'), agentNode('B')]
      await a.connected(1)
      await a.disconnected(1)
      await delay(GRACE_MS / 2)
      expect(await b.connected(1)).toBe(false)
      await delay(GRACE_MS + NODE_TTL_MS)
      expect(departures).toEqual([])
      expect(await a.isConnected(1)).toBe(true)
    })

    it('reports the last disconnection anywhere once, on one node, after the grace', async () => {
      freshPrefix()
      const [a, b, c] = [agentNode('A'), agentNode('B'), agentNode('C')]
      await a.connected(1)
      await b.connected(1)
      await a.disconnected(1)
      await delay(GRACE_MS + 50)
      expect(departures).toEqual([])

      const leftAt = Date.now()
      await b.disconnected(1)
      await until(() => departures.length > 0, 'the departure')
      expect(Date.now() - leftAt).toBeGreaterThanOrEqual(GRACE_MS - 5)
      // Several heartbeats and sweeps of all three nodes later: still one.
      await delay(2 * NODE_TTL_MS)
      expect(departures.map((d) => d.id)).toEqual([1])
      expect(await c.isConnected(1)).toBe(false)
    })

    it('finds the agents of a killed node gone after its key has expired and the grace, once', async () => {
      freshPrefix()
      const [a, b, c] = [agentNode('A'), agentNode('B'), agentNode('C')]
      await a.connected(1)
      await a.connected(2)
      await b.connected(2) // also connected elsewhere: stays
      a.kill()
      await until(async () => (await liveNodes()) === 2, 'the killed node\'s key to expire')
      const deadAt = Date.now()
      expect(departures).toEqual([])

      await until(() => departures.length > 0, 'the departure of the killed node\'s agent')
      // Its connections got the grace a closing connection gets.
      expect(Date.now() - deadAt).toBeGreaterThanOrEqual(GRACE_MS - 20)
      await delay(2 * NODE_TTL_MS)
      expect(departures.map((d) => d.id)).toEqual([1])
      expect(['B', 'C']).toContain(departures[0]!.node)
      expect(await c.connectedAmong([1, 2])).toEqual(new Set([2]))
    })

    it('lets a node that stops gracefully hand its agents\' grace to the others', async () => {
      freshPrefix()
      const [a, b] = [agentNode('A'), agentNode('B')]
      await a.connected(1)
      await a.connected(3)
      await a.close()
      expect(await b.connectedAmong([1, 3])).toEqual(new Set([1, 3]))
      expect(await b.connected(3)).toBe(false) // back within the grace, on B

      await until(() => departures.length > 0, 'the departure seen out by node B')
      await delay(2 * NODE_TTL_MS)
      expect(departures).toEqual([{ node: 'B', id: 1 }])
    })

    it('gives an agent recorded online but connected nowhere the grace to come back, then reports them gone once', async () => {
      freshPrefix()
      const [a, b] = [agentNode('A'), agentNode('B')]
      await a.connected(5)
      await Promise.all([a.expectReturn(4), b.expectReturn(4), b.expectReturn(5)])
      expect(await b.connectedAmong([4, 5])).toEqual(new Set([4, 5]))
      await until(() => departures.length > 0, 'the agent who did not come back')
      await delay(2 * NODE_TTL_MS)
      expect(departures.map((d) => d.id)).toEqual([4])
    })
  })

  describe('of visitors', () => {
    it('continues a visit begun on one node on another: the same start, the latest page and name', async () => {
      freshPrefix()
      const [a, b] = [visitorNode('A'), visitorNode('B')]
      const begun = await a.connected({ ...visit(1, 10, 1_000, 'shoes'), returning: true })
      expect(begun).toEqual({ ...visit(1, 10, 1_000, 'shoes'), returning: true })
      expect(await b.get(1)).toEqual(begun)

      await a.disconnected(1)
      const continued = await b.connected({ ...visit(1, 10, 5_000, 'cart'), name: 'Mia' })
      expect(continued).toEqual({ ...visit(1, 10, 1_000, 'cart'), returning: true, name: 'Mia' })
      expect(await a.update(1, { pageTitle: 'Checkout', name: undefined })).toEqual({ ...continued, pageTitle: 'Checkout' })
      expect(await a.update(2, { name: 'Nobody' })).toBeUndefined()
      expect(await b.get(2)).toBeUndefined()

      await delay(GRACE_MS + NODE_TTL_MS)
      expect(departures).toEqual([])
      await b.disconnected(1)
      await until(() => departures.length > 0, 'the end of the visit')
      await delay(2 * NODE_TTL_MS)
      expect(departures).toEqual([{ node: 'B', id: 1, visit: { ...continued, pageTitle: 'Checkout' } }])
      expect(await a.get(1)).toBeUndefined()
      expect(await a.update(1, { name: 'Too late' })).toBeUndefined()
      expect(await a.list([10], 10)).toEqual([])
    })

    it('lists the visits of the given sites on every node, the latest first, at most as many as asked', async () => {
      freshPrefix()
      const [a, b] = [visitorNode('A'), visitorNode('B')]
      for (let id = 1; id <= 10; id++) await (id <= 5 ? a : b).connected(visit(id, id % 2 === 0 ? 2 : 1, 1000 + id))
      expect((await a.list([1], 3)).map((v) => v.visitorId)).toEqual([9, 7, 5])
      expect((await b.list([1], 3)).map((v) => v.visitorId)).toEqual([9, 7, 5])
      expect((await b.list([1, 2], 4)).map((v) => v.visitorId)).toEqual([10, 9, 8, 7])
      expect(await a.list([1, 2], 100)).toHaveLength(10)
      expect(await a.list([3], 10)).toEqual([])
    })

    it('ends the visits of a killed node on another once, and leaves nothing behind in Redis', async () => {
      freshPrefix()
      const [a, b, c] = [visitorNode('A'), visitorNode('B'), visitorNode('C')]
      await a.connected(visit(1, 10, 1_000, 'shoes'))
      await a.connected(visit(2, 10, 2_000))
      await b.connected(visit(2, 10, 3_000))
      // Every key expires: a deployment that stops for good leaves nothing in Redis forever.
      expect((await keysLeft()).filter(({ ttl }) => ttl <= 0)).toEqual([])

      a.kill()
      await until(() => departures.length > 0, 'the end of the killed node\'s visit')
      await delay(2 * NODE_TTL_MS)
      expect(departures).toEqual([{ node: expect.stringMatching(/^[BC]$/), id: 1, visit: visit(1, 10, 1_000, 'shoes') }])
      expect((await c.list([10], 10)).map((v) => v.visitorId)).toEqual([2])

      await b.disconnected(2)
      await until(() => departures.length === 2, 'the last visitor leaving')
      await b.close()
      await c.close()
      // Once everyone has left and the killed node's key has expired, no key is left.
      await until(async () => (await keysLeft()).length === 0, 'no key left', 2 * NODE_TTL_MS)
    })
  })
})

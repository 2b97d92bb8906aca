/**
 * What every AgentPresence does on one node, whichever keeps it: this process's memory, or Redis
 * (PARLEY_TEST_REDIS_URL, by default the local one; skipped loudly without it, except on CI).
 * What only several nodes show is in redis-presence.test.ts.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { AgentPresence, AgentPresenceFactory } from '../../server/realtime/agent-presence.js'
import { createLocalAgentPresence } from '../../server/realtime/local-agent-presence.js'
import { createRedisAgentPresence } from '../../server/realtime/redis-agent-presence.js'
import { missingServices, REDIS_URL } from '../support/services.js'

const withoutRedis = await missingServices('the agent presence cases in Redis', 'redis')

const GRACE_MS = 60
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A Redis connection for the presences of this file, each under a key prefix of its own. */
const redis = withoutRedis ? undefined : new Redis(REDIS_URL)
const inRedis: AgentPresenceFactory = (options) => createRedisAgentPresence({
  ...options, redis: redis!, prefix: `parley-test-${randomBytes(6).toString('hex')}:`, logger: pino({ level: 'silent' }), nodeTtlMs: 300,
})

describe.each<[string, AgentPresenceFactory, boolean]>([
  ['in memory', createLocalAgentPresence, false],
  ['in Redis', inRedis, withoutRedis],
])('agent presence kept %s', (_kept, create, skip) => {
  let gone: number[] = []
  const opened: AgentPresence[] = []
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((presence) => presence.close()))
    gone = []
  })

  function presence() {
    const created = create({ graceMs: GRACE_MS, onGone: (agentId) => gone.push(agentId) })
    opened.push(created)
    return created
  }

  it.skipIf(skip)('arrives on the first connection only, and is here until the grace after the last has passed', async () => {
    const agents = presence()
    expect(await agents.connected(1)).toBe(true)
    expect(await agents.connected(1)).toBe(false)
    await agents.disconnected(1)
    await delay(GRACE_MS * 2)
    expect(gone).toEqual([])
    await agents.disconnected(1)
    expect(await agents.isConnected(1)).toBe(true)
    await delay(GRACE_MS * 2)
    expect(gone).toEqual([1])
    expect(await agents.isConnected(1)).toBe(false)
    expect(await agents.connected(1)).toBe(true)
  })

  it.skipIf(skip)('takes a reconnection within the grace for no departure and no arrival', async () => {
    const agents = presence()
    await agents.connected(1)
    await agents.disconnected(1)
    expect(await agents.connected(1)).toBe(false)
    await delay(GRACE_MS * 2)
    expect(gone).toEqual([])
    expect(await agents.connectedAmong([1, 2, 3])).toEqual(new Set([1]))
  })

  it.skipIf(skip)('gives an agent expected back the grace, and reports them gone once when they do not come', async () => {
    const agents = presence()
    await agents.connected(2)
    await agents.expectReturn(1)
    await agents.expectReturn(2)
    expect(await agents.connectedAmong([1, 2])).toEqual(new Set([1, 2]))
    expect(await agents.connected(1)).toBe(false) // back: no arrival, they were online already
    await agents.expectReturn(3)
    await delay(GRACE_MS * 3)
    expect(gone).toEqual([3])
  })

  it.skipIf(skip)('reports nobody gone once closed', async () => {
    const agents = presence()
    await agents.connected(1)
    await agents.disconnected(1)
    await agents.close()
    await delay(GRACE_MS * 2)
    expect(gone).toEqual([])
  })
})

afterAll(async () => {
  await redis?.quit()
})

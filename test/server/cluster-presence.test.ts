/**
 * Two Parley nodes behind one load balancer, as a deployment runs them: one PostgreSQL schema
 * and one Redis shared, clients connected to either. Agents and visitors on one node are seen
 * by the other. Needs a PostgreSQL (PARLEY_TEST_POSTGRES_URL) and a Redis
 * (PARLEY_TEST_REDIS_URL); without them the suite is skipped, loudly, except on CI.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectAgent, connectVisitor } from '../support/chat-client.js'
import { startTestServer, type TestServer } from '../support/test-server.js'
import { missingServices, REDIS_URL } from '../support/services.js'
import { dropSchema, freshSchemaName, postgresUrlOf } from '../support/test-database.js'

const GRACE_MS = 300
const withoutServices = await missingServices('the two-node presence tests', 'postgres', 'redis')

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(withoutServices)('two nodes sharing PostgreSQL and Redis', () => {
  let schema: string
  let prefix: string
  let a: TestServer
  let b: TestServer
  /** Where a client of node B connects to reach the site (made by node A: each start makes a "Shop"). */
  let onB: { url: string; wsUrl: string; site: TestServer['site'] }

  beforeEach(async () => {
    schema = freshSchemaName()
    prefix = `parley-test-${randomBytes(6).toString('hex')}:`
    const settings = {
      'database-url': postgresUrlOf(schema),
      'redis-url': REDIS_URL,
      'redis-prefix': prefix,
      'agent-grace': String(GRACE_MS),
      'visitor-grace': String(GRACE_MS),
    }
    a = await startTestServer(settings)
    b = await startTestServer(settings)
    onB = { url: b.url, wsUrl: b.wsUrl, site: a.site }
  })

  afterEach(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await dropSchema(schema)
    const redis = new Redis(REDIS_URL)
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  })

  it('routes a visitor of one node to an agent connected only to the other', async () => {
    const ada = await a.addAgent({ name: 'Ada' })
    const agent = await connectAgent(onB, ada)
    const visitor = await connectVisitor(a)
    expect(visitor.welcome.site?.available).toBe(true)

    const ack = await visitor.client.say('Is anyone there?')
    const assigned = await agent.client.waitFor('conv', (c) => c.conv.id === ack.conv && c.conv.status === 'assigned')
    expect(assigned.conv.assignee).toEqual({ id: ada.id, name: 'Ada' })
    await visitor.client.waitFor('msg', (m) => m.conv === ack.conv && m.sys === 'joined' && m.text === 'Ada joined the conversation')
  })

  it('shows a visitor connected to one node on the other, and reports their departure once', async () => {
    const watcher = await connectAgent(onB, await a.addAgent())
    const visitor = await connectVisitor(a)
    const id = visitor.welcome.me.id
    await watcher.client.waitFor('visitor', (f) => f.visitor.id === id)
    const late = await connectAgent(onB, await a.addAgent())
    expect(late.welcome.visitors?.map((v) => v.id)).toEqual([id])

    await visitor.client.close()
    await watcher.client.waitFor('gone', (f) => f.visitor === id)
    await late.client.waitFor('gone', (f) => f.visitor === id)
    await delay(3 * GRACE_MS)
    expect(watcher.client.ofType('gone')).toHaveLength(1)
    expect(late.client.ofType('gone')).toHaveLength(1)
    const fresh = await connectAgent(a, await a.addAgent())
    expect(fresh.welcome.visitors).toEqual([])
  })

  it('releases the chats of an agent whose only connection, on the other node, closed, once the grace has passed', async () => {
    const vic = await a.addAgent({ name: 'Vic' })
    const agent = await connectAgent(a, vic)
    const visitor = await connectVisitor(onB)
    const ack = await visitor.client.say('Hello?')
    await agent.client.waitFor('conv', (c) => c.conv.id === ack.conv && c.conv.assignee?.id === vic.id)
    const wes = await connectAgent(onB, await a.addAgent({ name: 'Wes' }))

    const leftAt = Date.now()
    await agent.client.close()
    const handedOver = await wes.client.waitFor('conv', (c) => c.conv.id === ack.conv && c.conv.assignee?.name === 'Wes')
    expect(Date.now() - leftAt).toBeGreaterThanOrEqual(GRACE_MS - 20)
    expect(handedOver.conv.status).toBe('assigned')
    await wes.client.waitFor('agent', (f) => f.agent.id === vic.id && f.agent.status === 'offline')

    await delay(3 * GRACE_MS)
    const events = await a.server.store.messagesAfter(ack.conv, 0, 100, { publicOnly: false })
    expect(events.map((m) => m.systemEvent ?? m.text)).toEqual(['Hello?', 'joined', 'left', 'joined'])
    expect(wes.client.ofType('agent').filter((f) => f.agent.id === vic.id && f.agent.status === 'offline')).toHaveLength(1)
    expect(await b.server.store.getAgent(vic.id)).toMatchObject({ status: 'offline' })
  })
})

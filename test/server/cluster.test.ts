/**
 * Three Parley nodes in processes of their own, sharing one PostgreSQL schema and one Redis,
 * as behind a load balancer: chats cross nodes, claims race across nodes, long polling lands on
 * any node, and a node killed outright loses nothing.
 *
 * Needs the local PostgreSQL and Redis: skipped loudly without them, failed on CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiToken, createSite } from '../../server/admin/admin-actions.js'
import { openStore } from '../../server/store/open-store.js'
import type { Store } from '../../server/store/store.js'
import type { Agent, Site } from '../../server/store/types.js'
import { connectAgent, connectVisitor, TestClient } from '../support/chat-client.js'
import { startParleyProcess, type ParleyProcess } from '../support/parley-process.js'
import { openPollingLink } from '../support/polling-link.js'
import { HOST_ORIGIN, TEST_PASSWORD, TEST_PASSWORD_HASH } from '../support/test-server.js'
import { missingServices, REDIS_URL } from '../support/services.js'
import { dropSchema, freshSchemaName, postgresUrlOf } from '../support/test-database.js'

const withoutServices = await missingServices('the three-node tests', 'postgres', 'redis')

const schema = freshSchemaName()
const databaseUrl = postgresUrlOf(schema)

describe.skipIf(withoutServices)('three nodes sharing PostgreSQL and Redis', () => {
  let store: Store
  let site: Site
  let ada: Agent
  let bo: Agent
  let nodes: Record<'a' | 'b' | 'c', ParleyProcess>
  const clients: TestClient[] = []

  beforeAll(async () => {
    store = await openStore(databaseUrl)
    site = await createSite(store, { name: 'Shop', allowedOrigins: [HOST_ORIGIN] })
    const passwordHash = TEST_PASSWORD_HASH
    ada = await store.createAgent({ name: 'Ada', email: 'ada@parley.test', passwordHash, role: 'agent', capacity: 50, siteIds: [site.id] })
    bo = await store.createAgent({ name: 'Bo', email: 'bo@parley.test', passwordHash, role: 'agent', capacity: 50, siteIds: [site.id] })
    const settings = {
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: `${schema}:`,
      PUBLIC_URL: 'http://parley.test',
      PARLEY_POLL_WAIT: '1s',
      PARLEY_API_RATE_LIMIT: '6',
      PARLEY_LOGIN_ATTEMPTS: '3',
    }
    const [a, b, c] = await Promise.all([startParleyProcess(settings), startParleyProcess(settings), startParleyProcess(settings)])
    nodes = { a: a!, b: b!, c: c! }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => {})))
    if (nodes) await Promise.all(Object.values(nodes).map((node) => node.stop()))
    await store?.close()
    await dropSchema(schema)
  }, 30_000)

  /** Target of a client: a node, with the shared site. */
  const on = (node: ParleyProcess) => ({ url: node.url, wsUrl: `${node.url.replace(/^http/, 'ws')}/ws`, site })

  async function agentOn(node: ParleyProcess, agent: Agent) {
    const connected = await connectAgent(on(node), agent)
    clients.push(connected.client)
    // Away: new chats stay in the queue, so that the tests decide who takes them.
    connected.client.send({ t: 'status', status: 'away', ref: 'away' })
    await connected.client.waitFor('ok', (ok) => ok.ref === 'away')
    return connected
  }

  async function visitorOn(node: ParleyProcess, options: { token?: string; last?: Record<string, number> } = {}) {
    const connected = await connectVisitor(on(node), options)
    clients.push(connected.client)
    return connected
  }

  it('carries a chat between a visitor on A and an agent on B, while an agent on C sees the queue live', async () => {
    const onB = await agentOn(nodes.b, ada)
    const onC = await agentOn(nodes.c, bo)
    const visitor = await visitorOn(nodes.a)

    const first = await visitor.client.say('Hello from node A')
    const conv = first.conv
    await onC.client.waitFor('conv', (frame) => frame.conv.id === conv && frame.conv.status === 'queued')
    await onB.client.waitFor('msg', (m) => m.conv === conv && m.text === 'Hello from node A')

    onB.client.send({ t: 'claim', conv, ref: 'claim' })
    await onB.client.waitFor('ok', (ok) => ok.ref === 'claim')
    await onC.client.waitFor('conv', (frame) => frame.conv.id === conv && frame.conv.status === 'assigned' && frame.conv.assignee?.id === ada.id)
    await onB.client.say('Ada on node B here', conv)
    await visitor.client.waitFor('msg', (m) => m.text === 'Ada on node B here')
    await visitor.client.say('Thanks, B', conv)
    await onB.client.waitFor('msg', (m) => m.text === 'Thanks, B')

    const seenByVisitor = visitor.client.events(conv).map((m) => m.seq)
    expect(new Set(seenByVisitor).size).toBe(seenByVisitor.length)
    expect(seenByVisitor).toEqual([...seenByVisitor].sort((x, y) => x - y))
    expect(onB.client.events(conv).filter((m) => m.text === 'Thanks, B')).toHaveLength(1)
  })

  it('lets exactly one of two agents on different nodes claim the same chat', async () => {
    const onB = await agentOn(nodes.b, ada)
    const onC = await agentOn(nodes.c, bo)
    for (let round = 0; round < 5; round++) {
      const visitor = await visitorOn(nodes.a)
      const { conv } = await visitor.client.say(`Who takes me? (${round})`)
      await onB.client.waitFor('conv', (frame) => frame.conv.id === conv && frame.conv.status === 'queued')
      await onC.client.waitFor('conv', (frame) => frame.conv.id === conv && frame.conv.status === 'queued')

      const refB = `b-${round}`
      const refC = `c-${round}`
      onB.client.send({ t: 'claim', conv, ref: refB })
      onC.client.send({ t: 'claim', conv, ref: refC })
      const answers = await Promise.all([
        Promise.race([onB.client.waitFor('ok', (f) => f.ref === refB), onB.client.waitFor('error', (f) => f.ref === refB)]),
        Promise.race([onC.client.waitFor('ok', (f) => f.ref === refC), onC.client.waitFor('error', (f) => f.ref === refC)]),
      ])
      expect(answers.map((answer) => answer.t).sort()).toEqual(['error', 'ok'])
      const loser = answers.find((answer) => answer.t === 'error')
      expect(loser).toMatchObject({ code: 'conflict' })

      const winner = answers[0]!.t === 'ok' ? ada : bo
      const stored = await store.getConversation(conv)
      expect(stored).toMatchObject({ status: 'assigned', assigneeId: winner.id })
      await visitor.client.waitFor('msg', (m) => m.conv === conv && m.sys === 'joined')
      await visitor.client.roundTrip()
      expect(visitor.client.events(conv).filter((m) => m.sys === 'joined')).toHaveLength(1)
    }
  })

  it('routes waiting chats once across nodes, giving an agent\'s last free slot once', async () => {
    const di = await store.createAgent({ name: 'Di', email: 'di@parley.test', passwordHash: TEST_PASSWORD_HASH, role: 'agent', capacity: 1, siteIds: [site.id] })
    const onB = await connectAgent(on(nodes.b), di)
    clients.push(onB.client)
    const visitors = await Promise.all([nodes.a, nodes.c, nodes.a, nodes.c, nodes.a, nodes.c].map((node) => visitorOn(node)))
    // Six chats arrive at once on two nodes; each routes its own.
    const acks = await Promise.all(visitors.map((visitor, i) => visitor.client.say(`Anyone there? (${i})`)))
    const convs = acks.map((ack) => ack.conv)
    await onB.client.waitFor('conv', (frame) => convs.includes(frame.conv.id) && frame.conv.assignee?.id === di.id)
    // Let any second, wrong assignment arrive too.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const stored = await Promise.all(convs.map((id) => store.getConversation(id)))
    expect(stored.filter((conversation) => conversation?.assigneeId === di.id)).toHaveLength(1)
    expect(stored.filter((conversation) => conversation?.status === 'queued')).toHaveLength(5)
  })

  it('serves one long-polling session whichever node each request lands on', async () => {
    const onC = await agentOn(nodes.c, ada)
    // A load balancer without sticky sessions: every request goes to the next node.
    const order = [nodes.b, nodes.c, nodes.a]
    let turn = 0
    const link = await openPollingLink({
      url: nodes.a.url,
      siteKey: site.key,
      headers: { Origin: HOST_ORIGIN },
      nextUrl: () => order[turn++ % order.length]!.url,
    })
    const visitor = new TestClient(link)
    clients.push(visitor)
    visitor.send({ t: 'hello', as: 'visitor' })
    await visitor.waitFor('welcome')

    const { conv } = await visitor.say('Polling through three nodes')
    onC.client.send({ t: 'claim', conv, ref: 'poll-claim' })
    await onC.client.waitFor('ok', (ok) => ok.ref === 'poll-claim')
    for (let i = 1; i <= 10; i++) {
      await onC.client.say(`Reply ${i}`, conv)
      await visitor.say(`Answer ${i}`, conv)
    }
    await visitor.waitFor('msg', (m) => m.text === 'Reply 10', 5000)
    await onC.client.waitFor('msg', (m) => m.text === 'Answer 10', 5000)

    const replies = visitor.events(conv).filter((m) => m.text.startsWith('Reply '))
    expect(replies.map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `Reply ${i + 1}`))
    const answers = onC.client.events(conv).filter((m) => m.text.startsWith('Answer '))
    expect(answers.map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `Answer ${i + 1}`))
    // Requests really went to every node.
    expect(turn).toBeGreaterThan(6)
  })

  it('loses nothing when node A is killed mid-chat: the visitor resumes through node B', async () => {
    const onB = await agentOn(nodes.b, ada)
    const visitor = await visitorOn(nodes.a)
    const first = await visitor.client.say('Before the crash')
    const conv = first.conv
    onB.client.send({ t: 'claim', conv, ref: 'kill-claim' })
    await onB.client.waitFor('ok', (ok) => ok.ref === 'kill-claim')
    await onB.client.say('Reply before the crash', conv)
    await visitor.client.waitFor('msg', (m) => m.text === 'Reply before the crash')

    // A message on its way when the node dies: maybe stored, surely not acknowledged.
    const inFlight = { t: 'send', cid: 'in-flight-1', text: 'Sent as A died', conv }
    visitor.client.send(inFlight)
    await nodes.a.kill()
    await onB.client.say('Reply while the visitor is away', conv)

    // The visitor's client reconnects through another node, says what it has seen, and resends what was not acknowledged.
    const seen = Math.max(...visitor.client.events(conv).map((m) => m.seq))
    const again = await visitorOn(nodes.b, { token: visitor.token, last: { [conv]: seen } })
    if (!visitor.client.frames.some((f) => f.t === 'ack' && f.cid === inFlight.cid)) again.client.send(inFlight)
    await again.client.waitFor('ack', (ack) => ack.cid === inFlight.cid)
    await again.client.waitFor('msg', (m) => m.text === 'Reply while the visitor is away')
    await again.client.say('After the crash', conv)
    await onB.client.waitFor('msg', (m) => m.text === 'After the crash')

    const texts = (await store.messagesAfter(conv, 0, 100)).map((m) => m.text)
    for (const text of ['Before the crash', 'Reply before the crash', 'Sent as A died', 'Reply while the visitor is away', 'After the crash']) {
      expect(texts.filter((t) => t === text), text).toHaveLength(1)
    }
    const visitorSaw = [...visitor.client.events(conv), ...again.client.events(conv)]
    expect(visitorSaw.filter((m) => m.text === 'Reply while the visitor is away')).toHaveLength(1)
    const seqs = visitorSaw.map((m) => m.seq)
    expect(new Set(seqs).size).toBe(seqs.length)
  })

  it('counts request budgets once across the nodes: API calls per token, failed sign-ins per agent', async () => {
    const { token } = await createApiToken(store, { name: 'Spread over nodes', siteIds: [site.id] })
    const all = [nodes.b, nodes.c, nodes.b, nodes.c, nodes.b, nodes.c]
    const statuses: number[] = []
    for (const node of all) {
      const response = await fetch(`${node.url}/api/v1/conversations`, { headers: { Authorization: `Bearer ${token}` } })
      await response.arrayBuffer()
      statuses.push(response.status)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
    // The budget of 6 a minute is spent, whichever node is asked next.
    const over = await fetch(`${nodes.c.url}/api/v1/conversations`, { headers: { Authorization: `Bearer ${token}` } })
    expect(over.status).toBe(429)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0)

    const cy = await store.createAgent({ name: 'Cy', email: 'cy@parley.test', passwordHash: TEST_PASSWORD_HASH, role: 'agent', capacity: 5, siteIds: [site.id] })
    const signIn = (node: ParleyProcess, password: string) =>
      fetch(`${node.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: cy.email, password }) })
    for (const node of [nodes.b, nodes.c, nodes.b]) expect((await signIn(node, 'wrong password')).status).toBe(401)
    // Three failures spread over two nodes: the right password is refused for now, on the third node too.
    expect((await signIn(nodes.c, TEST_PASSWORD)).status).toBe(429)
  })
})

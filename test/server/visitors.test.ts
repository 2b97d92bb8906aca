/**
 * Live visitors, chats an agent starts, and the visitor context the console shows beside a
 * conversation: over real connections (WebSocket and long polling) to a real server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ServerFrame, VisitorContextAnswer } from '../../protocol/index.js'
import { hashToken, newToken } from '../../server/auth/tokens.js'
import { createLocalVisitorPresence } from '../../server/realtime/local-visitor-presence.js'
import type { Visit } from '../../server/realtime/visitor-presence.js'
import { connectAgent, openClient, type TestClient, type TransportName } from '../support/chat-client.js'
import { HOST_ORIGIN, startTestServer, type TestServer } from '../support/test-server.js'

let server: TestServer
beforeEach(async () => {
  // The visitors' grace is 300 ms in tests (test/support/test-server.ts).
  server = await startTestServer()
})
afterEach(async () => {
  await server.stop()
})

type Page = { url?: string; title?: string; referrer?: string }

/** A visitor's browser saying hello as the widget does: with its page and time zone. */
async function arrive(options: { token?: string; page?: Page; tz?: string; site?: { key: string }; transport?: TransportName } = {}) {
  const client = await openClient(server, { siteKey: (options.site ?? server.site).key, origin: HOST_ORIGIN, transport: options.transport })
  client.send({
    t: 'hello',
    as: 'visitor',
    ...(options.token ? { token: options.token } : {}),
    page: options.page ?? { url: 'https://shop.test/', title: 'Shop' },
    ...(options.tz ? { tz: options.tz } : {}),
  })
  const welcome = await client.waitFor('welcome')
  return { client, id: welcome.me.id, token: welcome.token ?? options.token! }
}

const visitorFrames = (client: TestClient, id: number) =>
  client.frames.filter((f): f is Extract<ServerFrame, { t: 'visitor' | 'gone' }> => (f.t === 'visitor' && f.visitor.id === id) || (f.t === 'gone' && f.visitor === id))

/** What an agent's console fetches for the panel beside a conversation. */
async function visitorContext(id: number, cookie?: string) {
  return fetch(`${server.url}/api/console/visitors/${id}`, { headers: cookie ? { cookie } : {} })
}

describe.each<TransportName>(['websocket', 'polling'])('live visitors over %s', (transport) => {
  it('an agent sees a visitor arrive, move to another page and leave once the grace has passed', async () => {
    const agent = await connectAgent(server, await server.addAgent(), { transport })
    expect(agent.welcome.visitors).toEqual([])
    const visitor = await arrive({ transport, page: { url: 'https://shop.test/shoes', title: 'Shoes' } })
    const arrival = await agent.client.waitFor('visitor', (f) => f.visitor.id === visitor.id)
    expect(arrival.visitor).toEqual({
      id: visitor.id, site: server.site.id, page: { url: 'https://shop.test/shoes', title: 'Shoes' }, since: expect.any(Number), returning: false,
    })

    visitor.client.send({ t: 'page', url: 'https://shop.test/cart', title: 'Cart' })
    const moved = await agent.client.waitFor('visitor', (f) => f.visitor.id === visitor.id && f.visitor.page.title === 'Cart')
    expect(moved.visitor).toMatchObject({ page: { url: 'https://shop.test/cart', title: 'Cart' }, since: arrival.visitor.since })

    visitor.client.send({ t: 'profile', name: 'Mia' })
    await agent.client.waitFor('visitor', (f) => f.visitor.id === visitor.id && f.visitor.name === 'Mia')

    const leftAt = Date.now()
    await visitor.client.close()
    const gone = await agent.client.waitFor('gone', (f) => f.visitor === visitor.id)
    expect(gone.site).toBe(server.site.id)
    expect(Date.now() - leftAt).toBeGreaterThanOrEqual(250)
  })

  it('a reload within the grace continues the visit: no departure, the same start, the new page', async () => {
    const agent = await connectAgent(server, await server.addAgent(), { transport })
    const first = await arrive({ transport })
    const arrival = await agent.client.waitFor('visitor', (f) => f.visitor.id === first.id)
    await first.client.close()
    const again = await arrive({ transport, token: first.token, page: { url: 'https://shop.test/help', title: 'Help' } })
    const back = await agent.client.waitFor('visitor', (f) => f.visitor.id === first.id && f.visitor.page.title === 'Help')
    expect(again.id).toBe(first.id)
    expect(back.visitor.since).toBe(arrival.visitor.since)
    // Well past the grace: still there.
    await new Promise((resolve) => setTimeout(resolve, 600))
    await agent.client.roundTrip()
    expect(agent.client.ofType('gone')).toEqual([])
    // Two tabs: closing one leaves the visitor here.
    const secondTab = await arrive({ transport, token: first.token })
    await again.client.close()
    await new Promise((resolve) => setTimeout(resolve, 600))
    await agent.client.roundTrip()
    expect(agent.client.ofType('gone')).toEqual([])
    await secondTab.client.close()
    await agent.client.waitFor('gone', (f) => f.visitor === first.id)
  })
})

describe('live visitors', () => {
  it('are in an agent’s welcome, the latest arrival first, returning when first seen 30 minutes or more before the visit', async () => {
    const token = newToken('pv_')
    const old = await server.server.store.createVisitor(server.site.id, hashToken(token), { name: 'Old friend' }, Date.now() - 2 * 60 * 60_000)
    const regular = await arrive({ token, page: { url: 'https://shop.test/a', title: 'A' } })
    const newcomer = await arrive({ page: { url: 'https://shop.test/b', title: 'B' } })
    expect(regular.id).toBe(old.id)
    const agent = await connectAgent(server, await server.addAgent())
    expect(agent.welcome.visitors).toEqual([
      { id: newcomer.id, site: server.site.id, page: { url: 'https://shop.test/b', title: 'B' }, since: expect.any(Number), returning: false },
      { id: regular.id, site: server.site.id, name: 'Old friend', page: { url: 'https://shop.test/a', title: 'A' }, since: expect.any(Number), returning: true },
    ])
  })

  it('are never shown to agents of another site', async () => {
    const other = await server.addSite('Other shop')
    const outsider = await connectAgent(server, await server.addAgent({ sites: [other] }))
    const insider = await connectAgent(server, await server.addAgent())
    const visitor = await arrive()
    await insider.client.waitFor('visitor', (f) => f.visitor.id === visitor.id)
    visitor.client.send({ t: 'page', url: 'https://shop.test/secret', title: 'Secret' })
    await insider.client.waitFor('visitor', (f) => f.visitor.page.title === 'Secret')
    await visitor.client.close()
    await insider.client.waitFor('gone', (f) => f.visitor === visitor.id)
    await outsider.client.roundTrip()
    expect(outsider.client.frames.filter((f) => f.t === 'visitor' || f.t === 'gone')).toEqual([])
    const late = await connectAgent(server, await server.addAgent({ sites: [other] }))
    expect(late.welcome.visitors).toEqual([])
    expect(late.welcome.sites).toEqual([{ id: other.id, name: 'Other shop' }])
    // Visitors of the other site are theirs.
    const theirs = await arrive({ site: other })
    await outsider.client.waitFor('visitor', (f) => f.visitor.id === theirs.id && f.visitor.site === other.id)
    await insider.client.roundTrip()
    expect(visitorFrames(insider.client, theirs.id)).toEqual([])
  })

  it('keep the page of a visitor’s page frames, not another visitor’s', async () => {
    const agent = await connectAgent(server, await server.addAgent())
    const a = await arrive()
    const b = await arrive()
    a.client.send({ t: 'page', url: 'https://shop.test/a2', title: 'A2' })
    await agent.client.waitFor('visitor', (f) => f.visitor.id === a.id && f.visitor.page.title === 'A2')
    await agent.client.roundTrip()
    expect(visitorFrames(agent.client, b.id).every((f) => f.t === 'visitor' && f.visitor.page.title === 'Shop')).toBe(true)
  })
})

describe('in-memory presence', () => {
  const visit = (visitorId: number, siteId: number, since: number): Visit => ({ visitorId, siteId, since, returning: false })

  it('lists the visits of the given sites, the latest first, at most as many as asked', async () => {
    const presence = createLocalVisitorPresence({ graceMs: 50, onGone: () => {} })
    for (let id = 1; id <= 10; id++) await presence.connected(visit(id, id % 2 === 0 ? 2 : 1, 1000 + id))
    expect((await presence.list([1], 3)).map((v) => v.visitorId)).toEqual([9, 7, 5])
    expect((await presence.list([1, 2], 100))).toHaveLength(10)
    expect(await presence.list([3], 10)).toEqual([])
    await presence.close()
  })

  it('ends a visit once, after the grace, only when the last connection has gone', async () => {
    const gone: number[] = []
    const presence = createLocalVisitorPresence({ graceMs: 30, onGone: (v) => gone.push(v.visitorId) })
    await presence.connected(visit(1, 1, 1))
    await presence.connected(visit(1, 1, 99))
    expect((await presence.get(1))?.since).toBe(1)
    await presence.disconnected(1)
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(gone).toEqual([])
    await presence.disconnected(1)
    expect(await presence.get(1)).toBeDefined()
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(gone).toEqual([1])
    expect(await presence.get(1)).toBeUndefined()
    await presence.close()
  })
})

describe.each<TransportName>(['websocket', 'polling'])('an agent starting a chat over %s', (transport) => {
  it('opens a conversation assigned to the agent, delivered live to the visitor', async () => {
    const ada = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, ada, { transport })
    const colleague = await connectAgent(server, await server.addAgent({ name: 'Bo' }), { transport })
    const visitor = await arrive({ transport })
    await agent.client.waitFor('visitor', (f) => f.visitor.id === visitor.id)

    agent.client.send({ t: 'start', visitor: visitor.id, cid: 'start-1', text: 'Hi! Can I help you find a size?' })
    const ack = await agent.client.waitFor('ack', (f) => f.cid === 'start-1')
    const opened = await visitor.client.waitFor('conv', (f) => f.conv.id === ack.conv)
    expect(opened.conv).toMatchObject({ status: 'assigned', assignee: { id: ada.id, name: 'Ada' }, visitor: { id: visitor.id } })
    const message = await visitor.client.waitFor('msg', (f) => f.conv === ack.conv && f.author.role === 'agent')
    expect(message).toMatchObject({ seq: ack.seq, id: ack.id, text: 'Hi! Can I help you find a size?', author: { name: 'Ada' } })
    expect(visitor.client.events(ack.conv).map((e) => e.sys ?? e.author.role)).toEqual(['joined', 'agent'])
    await colleague.client.waitFor('conv', (f) => f.conv.id === ack.conv && f.conv.assignee?.id === ada.id)
    await colleague.client.waitFor('msg', (f) => f.conv === ack.conv && f.seq === ack.seq)

    // The visitor answers in it, and the agent hears it.
    const answer = await visitor.client.say('Yes please, a 38')
    expect(answer.conv).toBe(ack.conv)
    await agent.client.waitFor('msg', (f) => f.conv === ack.conv && f.text === 'Yes please, a 38')
    expect((await server.server.store.getConversation(ack.conv))?.status).toBe('assigned')
  })

  it('is idempotent on the client id, across a reconnect', async () => {
    const ada = await server.addAgent()
    const agent = await connectAgent(server, ada, { transport })
    const visitor = await arrive({ transport })
    await agent.client.waitFor('visitor', (f) => f.visitor.id === visitor.id)
    const start = { t: 'start', visitor: visitor.id, cid: 'start-twice', text: 'Hello there' }
    agent.client.send(start)
    agent.client.send(start)
    // Both starts are answered; a ping, answered at once, may overtake them.
    const startAcks = () => agent.client.ofType('ack').filter((f) => f.cid === 'start-twice')
    await expect.poll(() => startAcks().length).toBe(2)
    await agent.client.roundTrip()
    const acks = startAcks()
    expect(acks).toHaveLength(2)
    expect(acks[1]).toEqual(acks[0])
    await agent.client.close()

    const again = await connectAgent(server, ada, { transport })
    again.client.send(start)
    expect(await again.client.waitFor('ack', (f) => f.cid === 'start-twice')).toEqual(acks[0])
    const conversations = await server.server.store.listConversations({ siteIds: [server.site.id], visitorId: visitor.id }, 10)
    expect(conversations).toHaveLength(1)
    expect((await server.server.store.messagesAfter(conversations[0]!.id, 0, 10)).map((m) => m.text)).toEqual([`${ada.name} started the conversation`, 'Hello there'])
    await visitor.client.roundTrip()
    expect(visitor.client.events().filter((e) => e.text === 'Hello there')).toHaveLength(1)
  })
})

describe('an agent starting a chat', () => {
  it('is refused, pointing at it, when the visitor already has an open conversation', async () => {
    const agent = await connectAgent(server, await server.addAgent())
    const visitor = await arrive()
    const first = await visitor.client.say('I have a question')
    agent.client.send({ t: 'start', visitor: visitor.id, cid: 'busy', text: 'Hello' })
    const refusal = await agent.client.waitFor('error', (f) => f.ref === 'busy')
    expect(refusal).toMatchObject({ code: 'conflict', conv: first.conv })
    expect(refusal.message).toContain('already has an open conversation')
    await visitor.client.roundTrip()
    expect(visitor.client.events().some((e) => e.text === 'Hello')).toBe(false)
  })

  it('opens a new conversation when the visitor’s last one is closed', async () => {
    const agent = await connectAgent(server, await server.addAgent())
    const visitor = await arrive()
    const first = await visitor.client.say('Thanks, bye')
    agent.client.send({ t: 'close', conv: first.conv, ref: 'close' })
    await agent.client.waitFor('ok', (f) => f.ref === 'close')
    agent.client.send({ t: 'start', visitor: visitor.id, cid: 'again', text: 'Your parcel has shipped!' })
    const ack = await agent.client.waitFor('ack', (f) => f.cid === 'again')
    expect(ack.conv).not.toBe(first.conv)
    await visitor.client.waitFor('msg', (f) => f.conv === ack.conv && f.text === 'Your parcel has shipped!')
  })

  it('answers not_found alike for a visitor of another site and an unknown one', async () => {
    const other = await server.addSite('Other shop')
    const agent = await connectAgent(server, await server.addAgent({ sites: [other] }))
    const visitor = await arrive()
    agent.client.send({ t: 'start', visitor: visitor.id, cid: 'theirs', text: 'Hello' })
    agent.client.send({ t: 'start', visitor: 999_999, cid: 'nobody', text: 'Hello' })
    const theirs = await agent.client.waitFor('error', (f) => f.ref === 'theirs')
    const nobody = await agent.client.waitFor('error', (f) => f.ref === 'nobody')
    expect(theirs.code).toBe('not_found')
    expect(nobody.code).toBe('not_found')
    expect(theirs.message.replace(String(visitor.id), 'ID')).toBe(nobody.message.replace('999999', 'ID'))
    await visitor.client.roundTrip()
    expect(visitor.client.ofType('conv')).toEqual([])
  })

  it('is refused when the visitor has left, and is for agents only', async () => {
    const agent = await connectAgent(server, await server.addAgent())
    const visitor = await arrive()
    const other = await arrive()
    other.client.send({ t: 'start', visitor: visitor.id, cid: 'visitor-start', text: 'Hi' })
    expect(await other.client.waitFor('error', (f) => f.ref === 'visitor-start')).toMatchObject({ code: 'forbidden' })
    await visitor.client.close()
    await agent.client.waitFor('gone', (f) => f.visitor === visitor.id)
    agent.client.send({ t: 'start', visitor: visitor.id, cid: 'too-late', text: 'Hello?' })
    const refusal = await agent.client.waitFor('error', (f) => f.ref === 'too-late')
    expect(refusal).toMatchObject({ code: 'conflict', message: `Visitor #${visitor.id} has left the site` })
  })
})

describe('the visitor context route', () => {
  it('describes a visitor: profile, page, browser and system, time zone, visit and conversations', async () => {
    const ada = await server.addAgent({ name: 'Ada' })
    const { cookie, client: agent } = await connectAgent(server, ada)
    const visitor = await arrive({ tz: 'Europe/Paris', page: { url: 'https://shop.test/shoes', title: 'Shoes', referrer: 'https://search.test/?q=shoes' } })
    visitor.client.send({ t: 'profile', name: 'Mia', email: 'mia@example.com' })
    const earlier = await visitor.client.say('Do you ship to Spain?')
    agent.send({ t: 'close', conv: earlier.conv, ref: 'close' })
    await agent.waitFor('ok', (f) => f.ref === 'close')
    await server.server.store.updateVisitor(visitor.id, {
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      attributes: { plan: 'pro', orders: 3 },
    }, Date.now())
    visitor.client.send({ t: 'page', url: 'https://shop.test/cart', title: 'Cart' })
    await agent.waitFor('visitor', (f) => f.visitor.id === visitor.id && f.visitor.page.title === 'Cart')

    const response = await visitorContext(visitor.id, cookie)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const answer = (await response.json()) as VisitorContextAnswer
    expect(answer.visitor).toEqual({
      id: visitor.id,
      site: { id: server.site.id, name: 'Shop' },
      name: 'Mia',
      email: 'mia@example.com',
      attributes: { plan: 'pro', orders: 3 },
      page: { url: 'https://shop.test/cart', title: 'Cart' },
      referrer: 'https://search.test/?q=shoes',
      browser: 'Mobile Safari 17',
      os: 'iOS 17.4',
      device: 'Apple iPhone',
      timeZone: 'Europe/Paris',
      firstSeenAt: expect.any(Number),
      lastSeenAt: expect.any(Number),
      visit: { since: expect.any(Number), returning: false },
    })
    expect(answer.conversations.map((c) => [c.id, c.status])).toEqual([[earlier.conv, 'closed']])

    // Gone: no visit any more, the rest stays.
    await visitor.client.close()
    await agent.waitFor('gone', (f) => f.visitor === visitor.id)
    const after = (await (await visitorContext(visitor.id, cookie)).json()) as VisitorContextAnswer
    expect(after.visitor.visit).toBeUndefined()
    expect(after.visitor.page.title).toBe('Cart')
  })

  it('needs a signed-in agent, and answers 404 alike for another site’s visitor and a missing one', async () => {
    const other = await server.addSite('Other shop')
    const { cookie } = await connectAgent(server, await server.addAgent({ sites: [other] }))
    const visitor = await arrive()
    expect((await visitorContext(visitor.id)).status).toBe(401)
    const theirs = await visitorContext(visitor.id, cookie)
    const missing = await visitorContext(999_999, cookie)
    expect([theirs.status, missing.status]).toEqual([404, 404])
    const bodies = [await theirs.json(), await missing.json()] as { error: { code: string; message: string } }[]
    expect(bodies[0]!.error.code).toBe('not_found')
    expect(bodies[0]!.error.message.replace(String(visitor.id), 'ID')).toBe(bodies[1]!.error.message.replace('999999', 'ID'))
    expect((await visitorContext(Number.NaN, cookie)).status).toBe(404)
  })
})

describe('the visitor’s time zone', () => {
  it('is stored from hello when the server knows it, and left out when it does not', async () => {
    const paris = await arrive({ tz: 'Europe/Paris' })
    expect((await server.server.store.getVisitor(paris.id))?.timeZone).toBe('Europe/Paris')
    const mars = await arrive({ tz: 'Mars/Olympus_Mons' })
    expect((await server.server.store.getVisitor(mars.id))?.timeZone).toBeUndefined()
    // A later hello from another zone (travel) replaces it.
    await paris.client.close()
    await arrive({ token: paris.token, tz: 'America/New_York' })
    expect((await server.server.store.getVisitor(paris.id))?.timeZone).toBe('America/New_York')
  })

  it('must look like an IANA name', async () => {
    const client = await openClient(server, { siteKey: server.site.key, origin: HOST_ORIGIN })
    client.send({ t: 'hello', as: 'visitor', tz: '<script>' })
    expect(await client.waitFor('error')).toMatchObject({ code: 'bad_frame', message: expect.stringContaining('hello.tz') })
  })
})

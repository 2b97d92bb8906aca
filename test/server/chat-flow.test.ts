import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ServerFrame } from '../../protocol/index.js'
import type { Site } from '../../server/store/types.js'
import { connectAgent, connectVisitor, type TestClient } from '../support/chat-client.js'
import { startTestServer, type TestServer } from '../support/test-server.js'

let server: TestServer

/** Every test of the enclosing `describe` gets a fresh server started with these settings. */
function serveWith(settings: Record<string, string> = {}) {
  beforeEach(async () => {
    server = await startTestServer(settings)
  })
  afterEach(async () => {
    await server.stop()
  })
}

// --- Helpers -------------------------------------------------------------------------------------

type Answer = Extract<ServerFrame, { t: 'ok' | 'error' }>

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Polls `probe` until it returns something other than undefined. */
async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await delay(10)
  }
}

let refs = 0
/** Sends a command with a fresh `ref` and resolves with the `ok` or `error` that answers it. */
function command(client: TestClient, frame: Record<string, unknown>): Promise<Answer> {
  const ref = `ref-${++refs}`
  client.send({ ...frame, ref })
  return until(
    () => client.frames.find((f): f is Answer => (f.t === 'ok' || f.t === 'error') && f.ref === ref),
    `an answer to ${JSON.stringify(frame)}`,
  )
}

async function agentOnline(name: string, options: { capacity?: number; role?: 'admin' | 'agent'; sites?: Site[] } = {}) {
  const record = await server.addAgent({ name, ...options })
  return { record, ...(await connectAgent(server, record)) }
}

/** An agent who is connected (so sees the queue) but chose `away`. */
async function agentAway(name: string, options: { capacity?: number } = {}) {
  const agent = await agentOnline(name, options)
  expect(await command(agent.client, { t: 'status', status: 'away' })).toMatchObject({ t: 'ok' })
  return agent
}

/** A new visitor who writes one message; their conversation has been routed once this resolves. */
async function visitorWrites(text = 'Hello?') {
  const visitor = await connectVisitor(server)
  const ack = await visitor.client.say(text)
  return { ...visitor, ack, conv: ack.conv }
}

const conversation = async (id: number) => (await server.server.store.getConversation(id))!
const storedEvents = (conv: number) => server.server.store.messagesAfter(conv, 0, 1000)
const assigneeOf = async (conv: number) => (await conversation(conv)).assigneeId

// --- Tests ---------------------------------------------------------------------------------------

describe('a visitor and an agent chat', () => {
  serveWith()

  it('delivers visitor → agent → visitor, each stored before it is acknowledged', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    expect(visitor.token).toMatch(/^pv_/)

    const ack = await visitor.client.say('Hello, is anyone there?')
    expect(ack.seq).toBeGreaterThan(0)
    const stored = await server.server.store.messagesAfter(ack.conv, 0, 10)
    expect(stored.map((m) => m.text)).toContain('Hello, is anyone there?')

    const seen = await agent.client.waitFor('msg', (m) => m.text === 'Hello, is anyone there?')
    expect(seen.author).toMatchObject({ role: 'visitor' })
    const joined = await agent.client.waitFor('conv', (c) => c.conv.id === ack.conv && c.conv.status === 'assigned')
    expect(joined.conv.assignee).toEqual({ id: agentRecord.id, name: 'Ada' })

    await agent.client.say('Yes, Ada here.', ack.conv)
    const reply = await visitor.client.waitFor('msg', (m) => m.text === 'Yes, Ada here.')
    expect(reply.author).toMatchObject({ role: 'agent', id: agentRecord.id, name: 'Ada' })
    await visitor.client.waitFor('msg', (m) => m.sys === 'joined' && m.text === 'Ada joined the conversation')
  })
})

describe('routing a new chat', () => {
  serveWith()

  it('goes to the online agent with the fewest open chats who still has room', async () => {
    const bea = await agentOnline('Bea', { capacity: 5 })
    const first = await visitorWrites()
    const second = await visitorWrites()
    expect(await assigneeOf(first.conv)).toBe(bea.record.id)
    expect(await assigneeOf(second.conv)).toBe(bea.record.id)

    // Cal has fewer chats than Bea (none), so the next chat is his, although Bea's id is lower...
    const cal = await agentOnline('Cal', { capacity: 1 })
    const third = await visitorWrites()
    expect(await assigneeOf(third.conv)).toBe(cal.record.id)
    // ...and then he is full: the next one goes to Bea, who has more chats but has room.
    const fourth = await visitorWrites()
    expect(await assigneeOf(fourth.conv)).toBe(bea.record.id)

    const assigned = await cal.client.waitFor('conv', (c) => c.conv.id === third.conv && c.conv.status === 'assigned')
    expect(assigned.conv.assignee).toEqual({ id: cal.record.id, name: 'Cal' })
    await third.client.waitFor('msg', (m) => m.sys === 'joined' && m.text === 'Cal joined the conversation')
  })

  it('waits in the queue while no agent is online, in sight of every agent of the site', async () => {
    const ann = await agentAway('Ann')
    const ben = await agentAway('Ben')
    const otherSite = await server.addSite('Other shop')
    const oz = await agentOnline('Oz', { sites: [otherSite] })

    const visitor = await visitorWrites('Anyone?')
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'queued' })
    expect(await assigneeOf(visitor.conv)).toBeUndefined()
    await visitor.client.waitFor('conv', (c) => c.conv.id === visitor.conv && c.conv.status === 'queued')

    for (const agent of [ann, ben]) {
      const queued = await agent.client.waitFor('conv', (c) => c.conv.id === visitor.conv)
      expect(queued.conv).toMatchObject({ status: 'queued', site: server.site.id })
      expect(queued.conv.assignee).toBeUndefined()
      await agent.client.waitFor('msg', (m) => m.conv === visitor.conv && m.text === 'Anyone?')
    }
    // An agent of another site neither hears of it nor gets it, though online.
    await oz.client.roundTrip()
    const aboutIt = (f: ServerFrame) => (f.t === 'conv' ? f.conv.id : 'conv' in f ? f.conv : undefined) === visitor.conv
    expect(oz.client.frames.filter(aboutIt)).toEqual([])

    // An agent who chose away earlier finds it waiting in their welcome.
    const cleoRecord = await server.addAgent({ name: 'Cleo' })
    await server.server.store.setAgentStatus(cleoRecord.id, 'away')
    const cleo = await connectAgent(server, cleoRecord)
    expect(cleo.welcome.conversations.find((c) => c.id === visitor.conv)).toMatchObject({ status: 'queued' })
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'queued' })
  })

  it('is handed to the first agent who comes online', async () => {
    const visitor = await visitorWrites('Anyone?')
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'queued' })

    const dan = await agentOnline('Dan')
    expect(dan.welcome.conversations.find((c) => c.id === visitor.conv)).toMatchObject({
      status: 'assigned', assignee: { id: dan.record.id, name: 'Dan' },
    })
    await visitor.client.waitFor('msg', (m) => m.sys === 'joined' && m.text === 'Dan joined the conversation')
    await visitor.client.waitFor('conv', (c) => c.conv.status === 'assigned' && c.conv.assignee?.id === dan.record.id)
  })

  it('drains the queue oldest first, only up to the capacity of the agent who comes online', async () => {
    const oldest = await visitorWrites()
    const middle = await visitorWrites()
    const newest = await visitorWrites()

    const eve = await agentOnline('Eve', { capacity: 2 })
    expect(await assigneeOf(oldest.conv)).toBe(eve.record.id)
    expect(await assigneeOf(middle.conv)).toBe(eve.record.id)
    expect(await conversation(newest.conv)).toMatchObject({ status: 'queued' })
    expect(eve.welcome.conversations.find((c) => c.id === newest.conv)).toMatchObject({ status: 'queued' })
  })

  it('never gives an agent more chats than their capacity', async () => {
    const fay = await agentOnline('Fay', { capacity: 1 })
    const first = await visitorWrites()
    const second = await visitorWrites()
    expect(await assigneeOf(first.conv)).toBe(fay.record.id)
    expect(await conversation(second.conv)).toMatchObject({ status: 'queued' })
    expect(await server.server.store.countAssignedByAgent([fay.record.id])).toEqual(new Map([[fay.record.id, 1]]))
  })

  it('goes to an agent as soon as closing a chat frees a place', async () => {
    const gus = await agentOnline('Gus', { capacity: 1 })
    const first = await visitorWrites()
    const waiting = await visitorWrites()
    expect(await conversation(waiting.conv)).toMatchObject({ status: 'queued' })

    expect(await command(gus.client, { t: 'close', conv: first.conv })).toMatchObject({ t: 'ok' })
    expect(await conversation(waiting.conv)).toMatchObject({ status: 'assigned', assigneeId: gus.record.id })
    await waiting.client.waitFor('msg', (m) => m.sys === 'joined' && m.text === 'Gus joined the conversation')
  })

  it('goes to an agent as soon as transferring a chat away frees a place', async () => {
    const hal = await agentOnline('Hal', { capacity: 1 })
    const ivy = await agentAway('Ivy')
    const first = await visitorWrites()
    const waiting = await visitorWrites()
    expect(await assigneeOf(first.conv)).toBe(hal.record.id)
    expect(await conversation(waiting.conv)).toMatchObject({ status: 'queued' })

    expect(await command(hal.client, { t: 'transfer', conv: first.conv, to: ivy.record.id })).toMatchObject({ t: 'ok' })
    expect(await assigneeOf(first.conv)).toBe(ivy.record.id)
    expect(await conversation(waiting.conv)).toMatchObject({ status: 'assigned', assigneeId: hal.record.id })
  })
})

describe('an agent who is away', () => {
  serveWith()

  it('gets no new chats, and coming back online takes the waiting ones', async () => {
    const jo = await agentOnline('Jo')
    expect(await command(jo.client, { t: 'status', status: 'away' })).toMatchObject({ t: 'ok' })
    expect(await server.server.store.getAgent(jo.record.id)).toMatchObject({ status: 'away' })

    const visitor = await visitorWrites()
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'queued' })
    await jo.client.waitFor('conv', (c) => c.conv.id === visitor.conv && c.conv.status === 'queued')

    expect(await command(jo.client, { t: 'status', status: 'online' })).toMatchObject({ t: 'ok' })
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'assigned', assigneeId: jo.record.id })
    await jo.client.waitFor('conv', (c) => c.conv.id === visitor.conv && c.conv.assignee?.id === jo.record.id)
    const status = await jo.client.waitFor('agent', (a) => a.agent.id === jo.record.id && a.agent.status === 'online')
    expect(status.agent.name).toBe('Jo')
  })
})

describe('claiming a queued chat', () => {
  serveWith()

  it('assigns it to the agent who claims it, and everyone hears they joined', async () => {
    const kim = await agentAway('Kim')
    const lee = await agentAway('Lee')
    const visitor = await visitorWrites()

    expect(await command(kim.client, { t: 'claim', conv: visitor.conv })).toMatchObject({ t: 'ok' })
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'assigned', assigneeId: kim.record.id })
    await lee.client.waitFor('conv', (c) => c.conv.id === visitor.conv && c.conv.assignee?.id === kim.record.id)
    await visitor.client.waitFor('msg', (m) => m.sys === 'joined' && m.text === 'Kim joined the conversation')

    // Once taken, it is no longer there to claim.
    expect(await command(lee.client, { t: 'claim', conv: visitor.conv })).toMatchObject({ t: 'error', code: 'conflict' })
  })

  it('lets exactly one of two agents claiming at the same moment win; the other gets a conflict', async () => {
    const kim = await agentAway('Kim')
    const lee = await agentAway('Lee')
    const visitor = await visitorWrites()

    const [kimAnswer, leeAnswer] = await Promise.all([
      command(kim.client, { t: 'claim', conv: visitor.conv }),
      command(lee.client, { t: 'claim', conv: visitor.conv }),
    ])
    const answers = [kimAnswer, leeAnswer]
    expect(answers.filter((a) => a.t === 'ok')).toHaveLength(1)
    expect(answers.filter((a) => a.t === 'error')).toEqual([expect.objectContaining({ t: 'error', code: 'conflict' })])

    const winner = kimAnswer.t === 'ok' ? kim : lee
    expect(await assigneeOf(visitor.conv)).toBe(winner.record.id)
    const joined = (await storedEvents(visitor.conv)).filter((m) => m.systemEvent === 'joined')
    expect(joined.map((m) => m.text)).toEqual([`${winner.record.name} joined the conversation`])
  })

  it('happens by answering it: the agent who replies to a queued chat takes it', async () => {
    const kim = await agentAway('Kim')
    const visitor = await visitorWrites()
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'queued' })

    const reply = await kim.client.say('Kim here, how can I help?', visitor.conv)
    expect(reply.conv).toBe(visitor.conv)
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'assigned', assigneeId: kim.record.id })
    const events = (await storedEvents(visitor.conv)).map((m) => m.systemEvent ?? m.text)
    expect(events).toEqual(['Hello?', 'joined', 'Kim here, how can I help?'])
  })

  it('is refused to an agent of another site, as if the chat did not exist', async () => {
    const otherSite = await server.addSite('Other shop')
    const stranger = await agentOnline('Stranger', { sites: [otherSite] })
    const visitor = await visitorWrites()
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'queued' })

    expect(await command(stranger.client, { t: 'claim', conv: visitor.conv })).toMatchObject({ t: 'error', code: 'not_found' })
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'queued' })
  })
})

describe('transferring a chat', () => {
  serveWith()

  it('hands it to an online colleague, who sees it arrive with a transferred event', async () => {
    const mia = await agentOnline('Mia')
    const visitor = await visitorWrites()
    const ned = await agentOnline('Ned')
    expect(await assigneeOf(visitor.conv)).toBe(mia.record.id)

    expect(await command(mia.client, { t: 'transfer', conv: visitor.conv, to: ned.record.id })).toMatchObject({ t: 'ok' })
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'assigned', assigneeId: ned.record.id })

    const arrived = await ned.client.waitFor('conv', (c) => c.conv.id === visitor.conv && c.conv.assignee?.id === ned.record.id)
    expect(arrived.conv.status).toBe('assigned')
    const event = await ned.client.waitFor('msg', (m) => m.conv === visitor.conv && m.sys === 'transferred')
    expect(event).toMatchObject({ author: { role: 'system' }, text: 'Mia transferred the conversation to Ned' })
    await visitor.client.waitFor('msg', (m) => m.sys === 'transferred' && m.seq === event.seq)

    // Ned now answers it.
    await ned.client.say('Ned here, I will take it from here.', visitor.conv)
    await visitor.client.waitFor('msg', (m) => m.text === 'Ned here, I will take it from here.')
  })

  it('is refused to an agent who is neither the assignee nor an admin', async () => {
    const mia = await agentOnline('Mia')
    const visitor = await visitorWrites()
    const ned = await agentOnline('Ned')
    const ola = await agentOnline('Ola')

    const answer = await command(ned.client, { t: 'transfer', conv: visitor.conv, to: ola.record.id })
    expect(answer).toMatchObject({ t: 'error', code: 'conflict' })
    expect(await assigneeOf(visitor.conv)).toBe(mia.record.id)
    expect((await storedEvents(visitor.conv)).filter((m) => m.systemEvent === 'transferred')).toEqual([])
  })

  it('is allowed to an admin of the site, whoever holds the chat', async () => {
    const mia = await agentOnline('Mia')
    const visitor = await visitorWrites()
    const boss = await agentOnline('Boss', { role: 'admin' })
    const ned = await agentOnline('Ned')
    expect(await assigneeOf(visitor.conv)).toBe(mia.record.id)

    expect(await command(boss.client, { t: 'transfer', conv: visitor.conv, to: ned.record.id })).toMatchObject({ t: 'ok' })
    expect(await assigneeOf(visitor.conv)).toBe(ned.record.id)
    await visitor.client.waitFor('msg', (m) => m.sys === 'transferred' && m.text === 'Boss transferred the conversation to Ned')
  })

  it('is refused when the colleague is offline', async () => {
    const mia = await agentOnline('Mia')
    const visitor = await visitorWrites()
    // Pat serves the site and is even recorded online, but has no connection.
    const pat = await server.addAgent({ name: 'Pat' })
    await server.server.store.setAgentStatus(pat.id, 'online')

    const answer = await command(mia.client, { t: 'transfer', conv: visitor.conv, to: pat.id })
    expect(answer).toMatchObject({ t: 'error', code: 'conflict' })
    expect(await assigneeOf(visitor.conv)).toBe(mia.record.id)
    expect((await storedEvents(visitor.conv)).filter((m) => m.systemEvent === 'transferred')).toEqual([])
  })
})

describe('closing and reopening', () => {
  serveWith()

  it('records a closed event that the visitor sees, and cannot close twice', async () => {
    const quinn = await agentOnline('Quinn')
    const visitor = await visitorWrites()

    expect(await command(quinn.client, { t: 'close', conv: visitor.conv })).toMatchObject({ t: 'ok' })
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'closed' })
    const closed = await visitor.client.waitFor('msg', (m) => m.sys === 'closed')
    expect(closed).toMatchObject({ conv: visitor.conv, author: { role: 'system' }, text: 'Quinn closed the conversation' })
    await visitor.client.waitFor('conv', (c) => c.conv.id === visitor.conv && c.conv.status === 'closed')

    expect(await command(quinn.client, { t: 'close', conv: visitor.conv })).toMatchObject({ t: 'error', code: 'conflict' })
  })

  it('reopens the same conversation when the visitor writes again, and routes it again', async () => {
    const quinn = await agentOnline('Quinn')
    const visitor = await visitorWrites('First question')
    await command(quinn.client, { t: 'close', conv: visitor.conv })

    const again = await visitor.client.say('One more thing')
    expect(again.conv).toBe(visitor.conv)
    const reopened = await visitor.client.waitFor('msg', (m) => m.sys === 'reopened')
    expect(reopened).toMatchObject({ conv: visitor.conv, seq: again.seq - 1, author: { role: 'system' } })
    await quinn.client.waitFor('msg', (m) => m.sys === 'reopened' && m.conv === visitor.conv)

    expect(await conversation(visitor.conv)).toMatchObject({ status: 'assigned', assigneeId: quinn.record.id })
    const events = await storedEvents(visitor.conv)
    expect(events.map((m) => m.systemEvent ?? m.text)).toEqual([
      'First question', 'joined', 'closed', 'reopened', 'One more thing', 'joined',
    ])
    await visitor.client.waitFor('conv', (c) => c.conv.id === visitor.conv && c.conv.status === 'assigned')
  })

  it('routes a reopened chat as new: to the least busy agent, not back to the one who had it', async () => {
    const quinn = await agentOnline('Quinn')
    await visitorWrites('Another chat, keeping Quinn busy')
    const visitor = await visitorWrites('First question')
    expect(await assigneeOf(visitor.conv)).toBe(quinn.record.id)
    const rex = await agentOnline('Rex') // idle, so the least busy once the chat is closed
    await command(quinn.client, { t: 'close', conv: visitor.conv })

    await visitor.client.say('One more thing')
    expect(await assigneeOf(visitor.conv)).toBe(rex.record.id)
    await visitor.client.waitFor('msg', (m) => m.sys === 'joined' && m.text === 'Rex joined the conversation')
  })
})

describe('writing after the reopen window', () => {
  serveWith({ 'reopen-window': '0' })

  it('opens a new conversation and leaves the closed one closed', async () => {
    const quinn = await agentOnline('Quinn')
    const visitor = await visitorWrites('First question')
    await command(quinn.client, { t: 'close', conv: visitor.conv })
    await delay(5) // a window of 0 ms still covers the very millisecond of the close

    const later = await visitor.client.say('A new question')
    expect(later.conv).not.toBe(visitor.conv)
    expect(later.seq).toBe(1)
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'closed' })
    expect((await storedEvents(visitor.conv)).map((m) => m.systemEvent ?? m.text)).toEqual(['First question', 'joined', 'closed'])
    expect(await conversation(later.conv)).toMatchObject({ status: 'assigned', assigneeId: quinn.record.id, visitorId: visitor.welcome.me.id })
    expect((await storedEvents(later.conv)).some((m) => m.systemEvent === 'reopened')).toBe(false)
  })
})

describe('several connections at once', () => {
  serveWith()

  it('gives each of a visitor’s tabs (one token) every event of the conversation', async () => {
    const sam = await agentOnline('Sam')
    const tabOne = await connectVisitor(server)
    const tabTwo = await connectVisitor(server, { token: tabOne.token })
    expect(tabTwo.welcome.me.id).toBe(tabOne.welcome.me.id)
    expect(tabTwo.welcome.token).toBeUndefined()

    const first = await tabOne.client.say('Typed in tab one')
    const echoed = await tabTwo.client.waitFor('msg', (m) => m.text === 'Typed in tab one')
    expect(echoed).toMatchObject({ seq: first.seq, id: first.id, cid: first.cid })
    await sam.client.say('Reply from Sam', first.conv)
    const second = await tabTwo.client.say('Typed in tab two')
    expect(second.conv).toBe(first.conv)

    const stored = (await storedEvents(first.conv)).map((m) => m.seq)
    for (const tab of [tabOne, tabTwo]) {
      await tab.client.waitFor('msg', (m) => m.seq === second.seq)
      expect(tab.client.events(first.conv).map((m) => m.seq)).toEqual(stored)
      await tab.client.waitFor('conv', (c) => c.conv.id === first.conv && c.conv.status === 'assigned')
    }
  })

  it('opens one conversation when two tabs of a visitor send their first message at once', async () => {
    const tabOne = await connectVisitor(server)
    const tabTwo = await connectVisitor(server, { token: tabOne.token })
    const [one, two] = await Promise.all([tabOne.client.say('From tab one'), tabTwo.client.say('From tab two')])
    expect(two.conv).toBe(one.conv)
    expect([one.seq, two.seq].sort()).toEqual([1, 2])
    const conversations = await server.server.store.listConversations({ siteIds: [server.site.id], visitorId: tabOne.welcome.me.id }, 10)
    expect(conversations.map((c) => c.id)).toEqual([one.conv])
  })

  it('gives each of an agent’s connections every event, including what the agent sent from another', async () => {
    const samRecord = await server.addAgent({ name: 'Sam' })
    const desk = await connectAgent(server, samRecord)
    const laptop = await connectAgent(server, samRecord, { cookie: desk.cookie })
    const visitor = await visitorWrites('Hello Sam')

    for (const connection of [desk, laptop]) {
      await connection.client.waitFor('msg', (m) => m.text === 'Hello Sam')
      await connection.client.waitFor('conv', (c) => c.conv.id === visitor.conv && c.conv.assignee?.id === samRecord.id)
    }
    const reply = await desk.client.say('Sam, from the desk', visitor.conv)
    const mirrored = await laptop.client.waitFor('msg', (m) => m.seq === reply.seq)
    expect(mirrored).toMatchObject({ text: 'Sam, from the desk', cid: reply.cid, author: { role: 'agent', id: samRecord.id } })

    const stored = (await storedEvents(visitor.conv)).map((m) => m.seq)
    for (const connection of [desk, laptop]) {
      await connection.client.waitFor('msg', (m) => m.seq === reply.seq)
      expect(connection.client.events(visitor.conv).map((m) => m.seq)).toEqual(stored)
    }
  })
})

describe('typing indicators', () => {
  serveWith()

  it('travel both ways and are never stored', async () => {
    const tia = await agentOnline('Tia')
    const visitor = await visitorWrites('Hi')
    const before = await conversation(visitor.conv)
    const eventsBefore = await storedEvents(visitor.conv)

    visitor.client.send({ t: 'typing', on: true })
    expect(await tia.client.waitFor('typing', (t) => t.conv === visitor.conv)).toEqual({
      t: 'typing', conv: visitor.conv, role: 'visitor', on: true,
    })
    tia.client.send({ t: 'typing', conv: visitor.conv, on: true })
    expect(await visitor.client.waitFor('typing', (t) => t.on)).toEqual({
      t: 'typing', conv: visitor.conv, role: 'agent', name: 'Tia', on: true,
    })
    tia.client.send({ t: 'typing', conv: visitor.conv, on: false })
    await visitor.client.waitFor('typing', (t) => !t.on && t.role === 'agent')
    visitor.client.send({ t: 'typing', on: false })
    await tia.client.waitFor('typing', (t) => !t.on && t.role === 'visitor')

    await visitor.client.roundTrip()
    await tia.client.roundTrip()
    expect(await storedEvents(visitor.conv)).toEqual(eventsBefore)
    expect((await conversation(visitor.conv)).lastSeq).toBe(before.lastSeq)
  })
})

describe('read receipts', () => {
  serveWith()

  it('travel both ways and are stored', async () => {
    const uma = await agentOnline('Uma')
    const visitor = await visitorWrites('Hi')
    const reply = await uma.client.say('Hello!', visitor.conv)
    await visitor.client.waitFor('msg', (m) => m.seq === reply.seq)

    visitor.client.send({ t: 'read', conv: visitor.conv, seq: reply.seq })
    expect(await uma.client.waitFor('read', (r) => r.conv === visitor.conv)).toEqual({
      t: 'read', conv: visitor.conv, role: 'visitor', seq: reply.seq,
    })
    expect(await conversation(visitor.conv)).toMatchObject({ visitorReadSeq: reply.seq })

    const question = await visitor.client.say('Do you ship abroad?')
    uma.client.send({ t: 'read', conv: visitor.conv, seq: question.seq })
    expect(await visitor.client.waitFor('read', (r) => r.role === 'agent')).toEqual({
      t: 'read', conv: visitor.conv, role: 'agent', seq: question.seq,
    })
    expect(await conversation(visitor.conv)).toMatchObject({ visitorReadSeq: reply.seq, agentReadSeq: question.seq })
  })
})

describe('history', () => {
  serveWith({ 'rate-burst': '100' })

  it('pages back through a conversation with before and limit, saying whether more remain', async () => {
    const visitor = await connectVisitor(server)
    const acks = []
    for (let n = 1; n <= 24; n += 1) acks.push(await visitor.client.say(`message ${n}`))
    const conv = acks[0]!.conv

    const page = async (request: { before?: number; limit?: number }) => {
      const ref = `page-${++refs}`
      visitor.client.send({ t: 'history', conv, ref, ...request })
      const answer = await visitor.client.waitFor('history', (h) => h.ref === ref)
      return { seqs: answer.events.map((e) => e.seq), texts: answer.events.map((e) => e.text), more: answer.more }
    }

    expect(await page({ limit: 10 })).toMatchObject({ seqs: range(15, 24), more: true })
    expect(await page({ before: 15, limit: 10 })).toMatchObject({ seqs: range(5, 14), more: true })
    const last = await page({ before: 5, limit: 10 })
    expect(last).toEqual({ seqs: range(1, 4), texts: range(1, 4).map((n) => `message ${n}`), more: false })
    expect(await page({})).toMatchObject({ seqs: range(1, 24), more: false })
  })

  it('is not_found for a conversation that is not the asker’s', async () => {
    const owner = await visitorWrites('Private')
    const stranger = await connectVisitor(server)
    stranger.client.send({ t: 'history', conv: owner.conv, ref: 'peek' })
    expect(await stranger.client.waitFor('error', (e) => e.ref === 'peek')).toMatchObject({ code: 'not_found' })

    const otherSite = await server.addSite('Other shop')
    const outsider = await agentOnline('Outsider', { sites: [otherSite] })
    outsider.client.send({ t: 'history', conv: owner.conv, ref: 'peek' })
    expect(await outsider.client.waitFor('error', (e) => e.ref === 'peek')).toMatchObject({ code: 'not_found' })
    expect(stranger.client.ofType('history')).toEqual([])
    expect(outsider.client.ofType('history')).toEqual([])
  })
})

describe('agent presence', () => {
  serveWith() // the harness's grace period is 300 ms

  it('lets an agent who reconnects within the grace period keep their chats, with no left event', async () => {
    const vic = await agentOnline('Vic')
    const visitor = await visitorWrites()
    await vic.client.close()
    const back = await connectAgent(server, vic.record, { cookie: vic.cookie })
    expect(back.welcome.conversations.find((c) => c.id === visitor.conv)?.assignee?.id).toBe(vic.record.id)

    await delay(600) // well past the grace period
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'assigned', assigneeId: vic.record.id })
    expect((await storedEvents(visitor.conv)).filter((m) => m.systemEvent === 'left')).toEqual([])
    expect(await server.server.store.getAgent(vic.record.id)).toMatchObject({ status: 'online' })
    await visitor.client.roundTrip()
    expect(visitor.client.events().filter((m) => m.sys === 'left')).toEqual([])
  })

  it('does not treat closing one of an agent’s two connections as leaving', async () => {
    const vic = await agentOnline('Vic')
    const second = await connectAgent(server, vic.record, { cookie: vic.cookie })
    const visitor = await visitorWrites()
    await vic.client.close()

    await delay(600)
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'assigned', assigneeId: vic.record.id })
    expect((await storedEvents(visitor.conv)).filter((m) => m.systemEvent === 'left')).toEqual([])
    const text = 'still here'
    await visitor.client.say(text)
    await second.client.waitFor('msg', (m) => m.text === text)
  })

  it('marks an agent gone past the grace period offline, and sends their chats through the queue to another agent', async () => {
    const vic = await agentOnline('Vic')
    const visitor = await visitorWrites()
    const wes = await agentOnline('Wes') // the queue was empty: he gets nothing yet
    expect(await assigneeOf(visitor.conv)).toBe(vic.record.id)

    await vic.client.close()
    await delay(100) // within the grace period nothing changes
    expect(await assigneeOf(visitor.conv)).toBe(vic.record.id)

    const handedOver = await wes.client.waitFor('conv', (c) => c.conv.id === visitor.conv && c.conv.assignee?.id === wes.record.id)
    expect(handedOver.conv.status).toBe('assigned')
    const left = await visitor.client.waitFor('msg', (m) => m.sys === 'left')
    expect(left.author).toEqual({ role: 'system' })
    const joined = await visitor.client.waitFor('msg', (m) => m.sys === 'joined' && m.text === 'Wes joined the conversation')
    expect(joined.seq).toBeGreaterThan(left.seq)

    const events = (await storedEvents(visitor.conv)).map((m) => m.systemEvent ?? m.text)
    expect(events).toEqual(['Hello?', 'joined', 'left', 'joined'])
    expect(await server.server.store.getAgent(vic.record.id)).toMatchObject({ status: 'offline' })
    await wes.client.waitFor('agent', (a) => a.agent.id === vic.record.id && a.agent.status === 'offline')
  })

  it('leaves the chats of an agent gone past the grace period in the queue when nobody else is online', async () => {
    const vic = await agentOnline('Vic')
    const visitor = await visitorWrites()
    await vic.client.close()

    await visitor.client.waitFor('msg', (m) => m.sys === 'left')
    await visitor.client.waitFor('conv', (c) => c.conv.id === visitor.conv && c.conv.status === 'queued')
    expect(await conversation(visitor.conv)).toMatchObject({ status: 'queued' })
    expect(await assigneeOf(visitor.conv)).toBeUndefined()
  })
})

/**
 * Conversations through the REST API, over real HTTP against a real server and SQLite file:
 * listing with every filter, paging that holds while chats keep arriving, reading messages and
 * transcripts, writing as an agent or a bot (delivered live, once, retried safely with an
 * Idempotency-Key), opening a conversation with a visitor, site scope, authentication, the rate
 * limit and the OpenAPI document.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiToken } from '../../server/admin/admin-actions.js'
import { createChatService } from '../../server/chat/chat-service.js'
import type { DomainEvent } from '../../server/chat/domain-events.js'
import { transcriptSourceOf } from '../../server/export/transcript-source.js'
import { renderTranscript } from '../../server/export/transcript.js'
import { createLogger } from '../../server/ops/logger.js'
import { createMetrics } from '../../server/ops/metrics.js'
import { createLocalBus } from '../../server/realtime/local-bus.js'
import { openStore } from '../../server/store/open-store.js'
import type { Store } from '../../server/store/store.js'
import type { Agent, Site } from '../../server/store/types.js'
import { connectAgent, connectVisitor, type TestClient } from '../support/chat-client.js'
import { serversPerTest, startTestServer, type TestServer } from '../support/test-server.js'

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0)
const at = (minute: number) => T0 + minute * 60_000
const iso = (time: number) => new Date(time).toISOString()

// --- Helpers -------------------------------------------------------------------------------------

function call(server: TestServer, token: string | undefined, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/api/v1${route}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

/** GET that must answer 200; the parsed body. */
async function read(server: TestServer, token: string, route: string) {
  const response = await call(server, token, 'GET', route)
  expect(response.status, `${route}: ${response.status}`).toBe(200)
  return response.json()
}

const idsOf = (body: { conversations: { id: number }[] }) => body.conversations.map((conversation) => conversation.id)

async function tokenFor(server: TestServer, sites: Site[] = []) {
  return (await createApiToken(server.server.store, { name: 'Backend', siteIds: sites.map((site) => site.id) })).token
}

let visitorCount = 0

/** A visitor who wrote `text` at `time`; optionally assigned to an agent a minute later, then closed. */
async function seedConversation(
  store: Store,
  site: Site,
  options: { time: number; text: string; name?: string; email?: string; assignee?: Agent; closeAt?: number },
) {
  visitorCount += 1
  const visitor = await store.createVisitor(site.id, `token-seed-${visitorCount}-${Math.random()}`, {
    ...(options.name ? { name: options.name } : {}),
    ...(options.email ? { email: options.email } : {}),
  }, options.time)
  const first = await store.appendVisitorMessage({
    siteId: site.id, visitorId: visitor.id, visitorName: options.name, clientId: 'v1', text: options.text, reopenWindowMs: 0, now: options.time,
  })
  const conversationId = first.conversation.id
  if (options.assignee) {
    await store.transition({
      conversationId, from: { statuses: ['queued'] }, to: { status: 'assigned', assigneeId: options.assignee.id },
      system: { event: 'joined', text: `${options.assignee.name} joined the conversation` }, now: options.time + 60_000,
    })
  }
  if (options.closeAt !== undefined) {
    await store.transition({
      conversationId, from: { statuses: ['queued', 'assigned'] }, to: { status: 'closed', assigneeId: options.assignee?.id ?? null },
      system: { event: 'closed', text: 'closed' }, now: options.closeAt,
    })
  }
  return { visitor, conversationId }
}

/** Every conversation id of a listing, page after page; `between` runs before each further page. */
async function walkPages(server: TestServer, token: string, query: string, between: (page: number) => Promise<void> = async () => {}) {
  const ids: number[] = []
  let cursor: string | null = null
  for (let page = 0; page < 100; page++) {
    if (page > 0) await between(page)
    const body = await read(server, token, `/conversations?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    ids.push(...idsOf(body))
    cursor = body.next
    if (cursor === null) return ids
  }
  throw new Error('more than 100 pages')
}

/** Frames carrying this message id that reached a client, after everything sent before has arrived. */
async function deliveriesOf(client: TestClient, messageId: number) {
  await client.roundTrip()
  return client.events().filter((event) => event.id === messageId).length
}

const post = (server: TestServer, token: string, route: string, body: unknown, headers: Record<string, string> = {}) =>
  call(server, token, 'POST', route, body, headers)

// --- Reading -------------------------------------------------------------------------------------

describe('reading conversations', () => {
  let server: TestServer
  let other: Site
  let grace: Agent
  let allToken: string
  let shopToken: string
  let c1: number
  let c2: number
  let c3: number
  let c4: number
  let adaId: number

  beforeAll(async () => {
    server = await startTestServer()
    const store = server.server.store
    other = await server.addSite('Other')
    grace = await server.addAgent({ name: 'Grace Hopper' })
    const ada = await seedConversation(store, server.site, {
      time: at(0), text: 'My parcel is late', name: 'Ada', email: 'ada@example.com', assignee: grace, closeAt: at(5),
    })
    c1 = ada.conversationId
    adaId = ada.visitor.id
    const bob = await seedConversation(store, server.site, { time: at(10), text: 'Where is the invoice', name: 'Bob', assignee: grace })
    c2 = bob.conversationId
    await store.appendAgentMessage({ conversationId: c2, agentId: grace.id, agentName: 'Grace Hopper', clientId: 'g1', text: 'Let me look', now: at(11) })
    await store.appendAgentMessage({ conversationId: c2, agentId: grace.id, agentName: 'Grace Hopper', clientId: 'g2', text: 'VIP customer', internal: true, now: at(12) })
    await store.appendVisitorMessage({ siteId: server.site.id, visitorId: bob.visitor.id, visitorName: 'Bob', clientId: 'v2', text: 'Thanks', reopenWindowMs: 0, now: at(12) })
    c3 = (await seedConversation(store, server.site, { time: at(20), text: 'hello there' })).conversationId
    c4 = (await seedConversation(store, other, { time: at(15), text: 'parcel damaged', name: 'Carol' })).conversationId
    allToken = await tokenFor(server)
    shopToken = await tokenFor(server, [server.site])
  })

  afterAll(async () => {
    await server.stop()
  })

  it('lists the token\'s conversations newest first, each with its visitor, assignee, times and last sequence number', async () => {
    expect(idsOf(await read(server, allToken, '/conversations'))).toEqual([c3, c4, c2, c1])
    const shop = await read(server, shopToken, '/conversations')
    expect(idsOf(shop)).toEqual([c3, c2, c1])
    expect(shop.next).toBeNull()
    expect(shop.conversations[2]).toEqual({
      id: c1,
      site: server.site.id,
      visitor: { id: adaId, name: 'Ada', email: 'ada@example.com' },
      status: 'closed',
      assignee: { id: grace.id, name: 'Grace Hopper' },
      createdAt: iso(at(0)),
      updatedAt: iso(at(5)),
      closedAt: iso(at(5)),
      lastSeq: 3,
    })
    expect(shop.conversations[0]).toMatchObject({ id: c3, status: 'queued', assignee: null, closedAt: null, visitor: { name: null, email: null }, lastSeq: 1 })
  })

  it('filters by site, status, agent, visitor, creation and update times and words in the messages', async () => {
    const list = async (query: string, token = allToken) => idsOf(await read(server, token, `/conversations?${query}`))
    expect(await list(`site=${other.id}`)).toEqual([c4])
    expect(await list('status=queued')).toEqual([c3, c4])
    expect(await list('status=assigned,closed')).toEqual([c2, c1])
    expect(await list('status=queued&status=closed')).toEqual([c3, c4, c1])
    expect(await list(`agent=${grace.id}`)).toEqual([c2, c1])
    expect(await list(`visitor=${adaId}`)).toEqual([c1])
    expect(await list(`created_from=${encodeURIComponent(iso(at(10)))}`)).toEqual([c3, c4, c2])
    expect(await list(`created_to=${iso(at(10))}`)).toEqual([c1])
    expect(await list(`created_from=${iso(at(10))}&created_to=2026-03-01T10:20:00%2B01:00`)).toEqual([c4, c2])
    expect(await list(`updated_to=${iso(at(13))}`)).toEqual([c2, c1])
    expect(await list(`updated_from=${iso(at(13))}`)).toEqual([c3, c4])
    expect(await list('q=parcel')).toEqual([c4, c1])
    expect(await list('q=parcel', shopToken)).toEqual([c1])
    expect(await list('q=INVOI')).toEqual([c2])
    expect(await list('q=parcel&status=closed')).toEqual([c1])
    expect(await list('q=nothing-like-this')).toEqual([])
    expect(await list(`site=${server.site.id}&status=assigned&agent=${grace.id}&created_from=${at(10)}`)).toEqual([c2])
  })

  it('answers 404 for a site outside a site-scoped token, as for one that does not exist', async () => {
    for (const site of [other.id, 999_999]) {
      const response = await call(server, shopToken, 'GET', `/conversations?site=${site}`)
      expect(response.status).toBe(404)
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: `no site has the id ${site}` } })
    }
  })

  it('pages with an opaque cursor until next is null', async () => {
    const first = await read(server, allToken, '/conversations?limit=3')
    expect(idsOf(first)).toEqual([c3, c4, c2])
    expect(typeof first.next).toBe('string')
    const second = await read(server, allToken, `/conversations?limit=3&cursor=${first.next}`)
    expect(idsOf(second)).toEqual([c1])
    expect(second.next).toBeNull()
    expect(await walkPages(server, allToken, 'limit=1')).toEqual([c3, c4, c2, c1])
    expect(await walkPages(server, allToken, 'limit=1&status=queued')).toEqual([c3, c4])
  })

  it('refuses a bad filter, limit, cursor or range with 422 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['status=open', 'status'],
      ['status=queued,nope', 'status'],
      ['agent=grace', 'agent'],
      ['visitor=-1', 'visitor'],
      ['site=one', 'site'],
      ['created_from=yesterday', 'created_from'],
      ['created_to=2026-03-01T09:00', 'created_to'],
      ['updated_from=2026-02-30', 'updated_from'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
      [`created_from=${at(10)}&created_to=${at(10)}`, 'created_to'],
      [`updated_from=${at(10)}&updated_to=${at(5)}`, 'updated_to'],
      [`q=${'x'.repeat(201)}`, 'q'],
    ]
    for (const [query, parameter] of cases) {
      const response = await call(server, allToken, 'GET', `/conversations?${query}`)
      expect(response.status, query).toBe(422)
      const { error } = await response.json()
      expect(error.code).toBe('invalid_request')
      expect(error.message.startsWith(`${parameter}: `), `${query}: ${error.message}`).toBe(true)
    }
  })

  it('reads a conversation with its first events, notes left out unless asked', async () => {
    const body = await read(server, shopToken, `/conversations/${c2}`)
    expect(body.conversation).toMatchObject({ id: c2, status: 'assigned', visitor: { name: 'Bob' }, lastSeq: 5 })
    expect(body.messages.map((message: { seq: number }) => message.seq)).toEqual([1, 2, 3, 5])
    expect(body.more).toBe(false)
    expect(body.nextAfterSeq).toBe(5)
    expect(body.messages[1]).toEqual({
      id: expect.any(Number), conversationId: c2, seq: 2, createdAt: iso(at(11)), kind: 'system', systemEvent: 'joined',
      authorRole: 'system', authorId: null, authorName: null, text: 'Grace Hopper joined the conversation',
    })
    expect(body.messages[2]).toEqual({
      id: expect.any(Number), conversationId: c2, seq: 3, createdAt: iso(at(11)), kind: 'message', systemEvent: null,
      authorRole: 'agent', authorId: grace.id, authorName: 'Grace Hopper', text: 'Let me look',
    })
    const withNotes = await read(server, shopToken, `/conversations/${c2}?notes=1`)
    expect(withNotes.messages.map((message: { kind: string }) => message.kind)).toEqual(['message', 'system', 'message', 'note', 'message'])
    expect(withNotes.messages[3]).toMatchObject({ seq: 4, kind: 'note', authorId: grace.id, text: 'VIP customer' })
  })

  it('pages through events in ascending order from after_seq', async () => {
    const first = await read(server, shopToken, `/conversations/${c2}?limit=2`)
    expect(first.messages.map((message: { seq: number }) => message.seq)).toEqual([1, 2])
    expect(first).toMatchObject({ more: true, nextAfterSeq: 2 })
    const rest = await read(server, shopToken, `/conversations/${c2}/messages?after_seq=${first.nextAfterSeq}&limit=2`)
    expect(rest.messages.map((message: { seq: number }) => message.seq)).toEqual([3, 5])
    expect(rest).toMatchObject({ more: false, nextAfterSeq: 5 })
    const withNotes = await read(server, shopToken, `/conversations/${c2}/messages?after_seq=2&limit=2&notes=1`)
    expect(withNotes.messages.map((message: { seq: number }) => message.seq)).toEqual([3, 4])
    expect(withNotes.more).toBe(true)
    const caughtUp = await read(server, shopToken, `/conversations/${c2}/messages?after_seq=5`)
    expect(caughtUp).toEqual({ messages: [], more: false, nextAfterSeq: 5 })
    expect((await read(server, shopToken, `/conversations/${c2}/messages`)).messages).toHaveLength(4)
  })

  it('refuses bad paging of events with 422 naming the parameter', async () => {
    for (const [query, parameter] of [['after_seq=-1', 'after_seq'], ['limit=0', 'limit'], ['limit=501', 'limit'], ['notes=yes', 'notes']] as const) {
      const response = await call(server, shopToken, 'GET', `/conversations/${c2}/messages?${query}`)
      expect(response.status, query).toBe(422)
      expect((await response.json()).error.message.startsWith(`${parameter}: `)).toBe(true)
    }
  })

  it('answers the same 404 for another site\'s conversation as for a missing one, on every route', async () => {
    for (const id of [c4, 999_999]) {
      for (const route of [`/conversations/${id}`, `/conversations/${id}/messages`, `/conversations/${id}/transcript`]) {
        const response = await call(server, shopToken, 'GET', route)
        expect(response.status, route).toBe(404)
        expect(await response.json()).toEqual({ error: { code: 'not_found', message: `no conversation has the id ${id}` } })
      }
      const written = await post(server, shopToken, `/conversations/${id}/messages`, { text: 'Hi', as: { bot: 'Bot' } })
      expect(written.status).toBe(404)
      expect(await written.json()).toEqual({ error: { code: 'not_found', message: `no conversation has the id ${id}` } })
    }
    expect((await server.server.store.getConversation(c4))!.lastSeq).toBe(1)
    expect((await call(server, shopToken, 'GET', '/conversations/abc')).status).toBe(404)
    expect((await call(server, allToken, 'GET', `/conversations/${c4}`)).status).toBe(200)
  })

  it('serves a transcript as the console\'s download does, as a file, JSON by default and notes left out', async () => {
    const response = await call(server, shopToken, 'GET', `/conversations/${c2}/transcript`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="parley-conversation-${c2}.json"`)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const transcript = await response.json()
    expect(transcript.notesIncluded).toBe(false)
    expect(transcript.conversation).toMatchObject({ id: c2, site: { id: server.site.id, name: 'Shop' }, visitor: { name: 'Bob' } })
    expect(transcript.events.map((event: { type: string }) => event.type)).toEqual(['message', 'system', 'message', 'message'])

    const source = (await transcriptSourceOf(server.server.store, (await server.server.store.getConversation(c2))!))!
    for (const format of ['json', 'csv', 'txt'] as const) {
      const body = await (await call(server, shopToken, 'GET', `/conversations/${c2}/transcript?format=${format}&tz=Europe/Paris`)).text()
      expect(body, format).toBe(renderTranscript(source, format, { includeNotes: false, timeZone: 'Europe/Paris' }).body)
    }
    const withNotes = await (await call(server, shopToken, 'GET', `/conversations/${c2}/transcript?format=txt&notes=1`)).text()
    expect(withNotes).toContain('Grace Hopper (internal note): VIP customer')
    expect(withNotes).toBe(renderTranscript(source, 'txt', { includeNotes: true }).body)
  })

  it('writes CSV and text transcripts with their own types and names, a byte order mark only when asked', async () => {
    const csv = await call(server, shopToken, 'GET', `/conversations/${c1}/transcript?format=csv&bom=1`)
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present')
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="parley-conversation-${c1}.csv"`)
    const bytes = new Uint8Array(await csv.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)).toMatch(/^\uFEFFconversation,site,visitor,visitor_email,time,seq,type,author_role,author,text\r\n/)
    const plain = new Uint8Array(await (await call(server, shopToken, 'GET', `/conversations/${c1}/transcript?format=csv`)).arrayBuffer())
    expect(plain[0]).toBe('c'.charCodeAt(0))

    const txt = await call(server, shopToken, 'GET', `/conversations/${c1}/transcript?format=txt&tz=Europe/Paris`)
    expect(txt.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    const text = await txt.text()
    expect(text).toContain(`Parley conversation #${c1}`)
    expect(text).toContain('Started: 2026-03-01T10:00:00+01:00')
    expect(text).toContain('Internal notes: not included')
  })

  it('refuses a bad transcript format, flag or time zone with 422 naming the parameter', async () => {
    for (const [query, parameter] of [['format=pdf', 'format'], ['bom=yes', 'bom'], ['notes=2', 'notes'], ['tz=Mars/Olympus', 'tz']] as const) {
      const response = await call(server, shopToken, 'GET', `/conversations/${c1}/transcript?${query}`)
      expect(response.status, query).toBe(422)
      expect((await response.json()).error.message.startsWith(`${parameter}: `)).toBe(true)
    }
  })

  it('answers 401 without a token, with a made-up one and with a revoked one, on every route', async () => {
    const { record, token } = await createApiToken(server.server.store, { name: 'Soon revoked' })
    expect((await call(server, token, 'GET', '/conversations')).status).toBe(200)
    await server.server.store.revokeApiToken(record.id, Date.now())
    const requests: [string, string, unknown?][] = [
      ['GET', '/conversations'],
      ['GET', `/conversations/${c1}`],
      ['GET', `/conversations/${c1}/messages`],
      ['GET', `/conversations/${c1}/transcript`],
      ['POST', `/conversations/${c3}/messages`, { text: 'Hi', as: { bot: 'Bot' } }],
      ['POST', '/conversations', { visitor: adaId, text: 'Hi', as: { bot: 'Bot' } }],
    ]
    for (const attempt of [undefined, 'pat_made-up', token]) {
      for (const [method, route, body] of requests) {
        const response = await call(server, attempt, method, route, body)
        expect(response.status, `${method} ${route} with ${attempt}`).toBe(401)
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="parley"')
        expect((await response.json()).error.code).toBe('invalid_token')
      }
    }
    expect((await server.server.store.getConversation(c3))!.lastSeq).toBe(1)
    expect(await server.server.store.listConversations({ siteIds: [server.site.id], visitorId: adaId }, 10)).toHaveLength(1)
  })

  it('is described in the OpenAPI document, every route with its parameters', async () => {
    const spec = await (await fetch(`${server.url}/api/v1/openapi.json`)).json()
    const names = (operation: { parameters?: { name: string }[] }) => (operation.parameters ?? []).map((parameter) => parameter.name).sort()
    expect(names(spec.paths['/conversations'].get)).toEqual(
      ['agent', 'created_from', 'created_to', 'cursor', 'limit', 'q', 'site', 'status', 'updated_from', 'updated_to', 'visitor'],
    )
    expect(names(spec.paths['/conversations/{id}'].get)).toEqual(['id', 'limit', 'notes'])
    expect(names(spec.paths['/conversations/{id}/messages'].get)).toEqual(['after_seq', 'id', 'limit', 'notes'])
    expect(names(spec.paths['/conversations/{id}/transcript'].get)).toEqual(['bom', 'format', 'id', 'notes', 'tz'])
    expect(names(spec.paths['/conversations/{id}/messages'].post)).toEqual(['id', 'idempotency-key'])
    expect(names(spec.paths['/conversations'].post)).toEqual(['idempotency-key'])
    const writeBody = spec.paths['/conversations/{id}/messages'].post.requestBody.content['application/json'].schema
    expect(Object.keys(writeBody.properties).sort()).toEqual(['as', 'note', 'text'])
    expect(Object.keys(writeBody.properties.as.properties).sort()).toEqual(['agent', 'bot'])
    const openBody = spec.paths['/conversations'].post.requestBody.content['application/json'].schema
    expect(openBody.required.sort()).toEqual(['as', 'text', 'visitor'])
    const listed = spec.paths['/conversations'].get.responses['200'].content['application/json'].schema
    const item = (await read(server, allToken, '/conversations?limit=1')).conversations[0]
    expect(Object.keys(listed.properties.conversations.items.properties)).toEqual(Object.keys(item))
    expect(Object.keys(spec.paths['/conversations/{id}/messages'].post.responses)).toEqual(expect.arrayContaining(['200', '201', '401', '404', '409', '422', '429']))
    expect(spec.paths['/conversations'].post.responses['409'].content['application/json'].schema.properties.error.properties.conversationId).toBeDefined()
  })
})

// --- Paging while chats arrive -------------------------------------------------------------------

describe('paging while new conversations arrive', () => {
  const start = serversPerTest()

  it('neither repeats nor skips any of the original conversations, however many open between pages', async () => {
    const server = await start()
    const store = server.server.store
    const grace = await server.addAgent({ name: 'Grace' })
    const original: number[] = []
    // Several conversations open in the same millisecond: the id breaks the tie.
    for (let i = 0; i < 23; i++) {
      const { conversationId } = await seedConversation(store, server.site, { time: at(Math.floor(i / 3)), text: `order ${i}` })
      original.push(conversationId)
    }
    const newestFirst = [...original].sort((a, b) => b - a)
    const token = await tokenFor(server, [server.site])
    const arrived: number[] = []

    const seen = await walkPages(server, token, 'limit=4', async (page) => {
      // New chats, through the store and through the widget, and changes to listed ones.
      arrived.push((await seedConversation(store, server.site, { time: Date.now(), text: `new ${page}` })).conversationId)
      const visitor = await connectVisitor(server)
      arrived.push((await visitor.client.say(`live ${page}`)).conv)
      await visitor.client.close()
      const changed = newestFirst[page * 3]!
      await store.transition({
        conversationId: changed, from: { statuses: ['queued'] }, to: { status: 'assigned', assigneeId: grace.id }, now: Date.now(),
      })
    })

    expect(seen).toEqual(newestFirst)
    expect(new Set(seen).size).toBe(seen.length)
    expect(arrived).toHaveLength(10)
    // They come first on a fresh first page.
    const fresh = await read(server, token, '/conversations?limit=10')
    expect(idsOf(fresh).sort((a, b) => a - b)).toEqual([...arrived].sort((a, b) => a - b))
  })

  it('keeps a filtered walk correct too: new matches never shift later pages', async () => {
    const server = await start()
    const store = server.server.store
    const original: number[] = []
    for (let i = 0; i < 12; i++) original.push((await seedConversation(store, server.site, { time: at(i), text: `refund please ${i}` })).conversationId)
    const token = await tokenFor(server)
    const seen = await walkPages(server, token, 'limit=5&q=refund&status=queued', async () => {
      await seedConversation(store, server.site, { time: Date.now(), text: 'refund now' })
    })
    expect(seen).toEqual([...original].reverse())
  })
})

// --- Writing -------------------------------------------------------------------------------------

describe('writing into a conversation', () => {
  const start = serversPerTest()

  /** A server, an agent online on it, and a visitor whose chat the agent took. */
  async function chatInProgress() {
    const server = await start()
    const grace = await server.addAgent({ name: 'Grace' })
    const agent = await connectAgent(server, grace)
    const visitor = await connectVisitor(server)
    const { conv } = await visitor.client.say('Is my order on its way?')
    await agent.client.waitFor('msg', (event) => event.conv === conv && event.sys === 'joined')
    const token = await tokenFor(server, [server.site])
    return { server, grace, agent, visitor, conv, token }
  }

  it('delivers an agent\'s message live to the visitor and the agents, once, like one from the console', async () => {
    const { server, grace, agent, visitor, conv, token } = await chatInProgress()
    const response = await post(server, token, `/conversations/${conv}/messages`, { text: 'It ships today.', as: { agent: grace.id } })
    expect(response.status).toBe(201)
    const { message, conversation } = await response.json()
    expect(message).toEqual({
      id: expect.any(Number), conversationId: conv, seq: 3, createdAt: expect.any(String), kind: 'message', systemEvent: null,
      authorRole: 'agent', authorId: grace.id, authorName: 'Grace', text: 'It ships today.',
    })
    expect(conversation).toMatchObject({ id: conv, status: 'assigned', assignee: { id: grace.id, name: 'Grace' }, lastSeq: 3 })
    const live = await visitor.client.waitFor('msg', (event) => event.id === message.id)
    expect(live).toMatchObject({ conv, seq: 3, text: 'It ships today.', author: { role: 'agent', id: grace.id, name: 'Grace' } })
    await agent.client.waitFor('msg', (event) => event.id === message.id)
    expect(await deliveriesOf(visitor.client, message.id)).toBe(1)
    expect(await deliveriesOf(agent.client, message.id)).toBe(1)
  })

  it('stores a message once per token and Idempotency-Key: a retry answers 200 with the original, delivered once', async () => {
    const { server, grace, visitor, conv, token } = await chatInProgress()
    const body = { text: 'Your refund is on its way.', as: { agent: grace.id } }
    const first = await post(server, token, `/conversations/${conv}/messages`, body, { 'Idempotency-Key': 'refund-42' })
    expect(first.status).toBe(201)
    const original = (await first.json()).message
    const retry = await post(server, token, `/conversations/${conv}/messages`, body, { 'Idempotency-Key': 'refund-42' })
    expect(retry.status).toBe(200)
    expect((await retry.json()).message).toEqual(original)

    // Many at once with one key: one is written, every answer names it.
    const racing = await Promise.all(Array.from({ length: 6 }, () =>
      post(server, token, `/conversations/${conv}/messages`, { text: 'Racing', as: { bot: 'Shipping bot' } }, { 'Idempotency-Key': 'race-1' })))
    expect(racing.map((response) => response.status).sort()).toEqual([200, 200, 200, 200, 200, 201])
    const racedIds = new Set(await Promise.all(racing.map(async (response) => (await response.json()).message.id)))
    expect(racedIds.size).toBe(1)

    const stored = await server.server.store.messagesAfter(conv, 0, 100)
    expect(stored.filter((message) => message.text === body.text)).toHaveLength(1)
    expect(stored.filter((message) => message.text === 'Racing')).toHaveLength(1)
    expect(await deliveriesOf(visitor.client, original.id)).toBe(1)
    expect(await deliveriesOf(visitor.client, [...racedIds][0]!)).toBe(1)

    // Another token's key of the same name is another write.
    const otherToken = await tokenFor(server)
    const separate = await post(server, otherToken, `/conversations/${conv}/messages`, body, { 'Idempotency-Key': 'refund-42' })
    expect(separate.status).toBe(201)
    expect((await separate.json()).message.id).not.toBe(original.id)
  })

  it('answers an agent\'s or a bot\'s retry with the original even after the conversation was closed meanwhile', async () => {
    const { server, grace, conv, token } = await chatInProgress()
    const writes = [
      { body: { text: 'All sorted, goodbye!', as: { agent: grace.id } }, key: { 'Idempotency-Key': 'bye-1' } },
      { body: { text: 'Rate us!', as: { bot: 'Survey' } }, key: { 'Idempotency-Key': 'survey-1' } },
    ]
    const firsts = []
    for (const { body, key } of writes) {
      const first = await post(server, token, `/conversations/${conv}/messages`, body, key)
      expect(first.status).toBe(201)
      firsts.push((await first.json()).message)
    }
    await server.server.store.transition({
      conversationId: conv, from: { statuses: ['assigned'] }, to: { status: 'closed', assigneeId: grace.id }, now: Date.now(),
    })
    for (const [index, { body, key }] of writes.entries()) {
      const retry = await post(server, token, `/conversations/${conv}/messages`, body, key)
      expect(retry.status, body.text).toBe(200)
      const answer = await retry.json()
      expect(answer.message).toEqual(firsts[index])
      expect(answer.conversation.status).toBe('closed')
    }
  })

  it('refuses a key used before for a different write with 422, writing nothing', async () => {
    const { server, grace, conv, token } = await chatInProgress()
    const key = { 'Idempotency-Key': 'welcome-1' }
    expect((await post(server, token, `/conversations/${conv}/messages`, { text: 'Welcome!', as: { agent: grace.id } }, key)).status).toBe(201)
    const lastSeq = (await server.server.store.getConversation(conv))!.lastSeq
    for (const body of [
      { text: 'Something else', as: { agent: grace.id } },
      { text: 'Welcome!', as: { bot: 'Greeter' } },
      { text: 'Welcome!', as: { agent: grace.id }, note: true },
    ]) {
      const response = await post(server, token, `/conversations/${conv}/messages`, body, key)
      expect(response.status, JSON.stringify(body)).toBe(422)
      expect((await response.json()).error.code).toBe('idempotency_key_reused')
    }
    const elsewhere = await (await connectVisitor(server)).client.say('Me too')
    const elsewhereSeq = (await server.server.store.getConversation(elsewhere.conv))!.lastSeq
    const reused = await post(server, token, `/conversations/${elsewhere.conv}/messages`, { text: 'Welcome!', as: { agent: grace.id } }, key)
    expect(reused.status).toBe(422)
    expect((await server.server.store.getConversation(conv))!.lastSeq).toBe(lastSeq)
    expect((await server.server.store.getConversation(elsewhere.conv))!.lastSeq).toBe(elsewhereSeq)
  })

  it('writes a bot\'s message as an agent without an id, leaving a waiting conversation in the queue', async () => {
    const server = await start()
    const visitor = await connectVisitor(server)
    const { conv } = await visitor.client.say('Anyone there?')
    const token = await tokenFor(server)
    const response = await post(server, token, `/conversations/${conv}/messages`, { text: 'An agent will be with you shortly.', as: { bot: 'Queue bot' } })
    expect(response.status).toBe(201)
    const { message, conversation } = await response.json()
    expect(message).toMatchObject({ kind: 'message', authorRole: 'agent', authorId: null, authorName: 'Queue bot' })
    expect(conversation).toMatchObject({ status: 'queued', assignee: null })
    const live = await visitor.client.waitFor('msg', (event) => event.id === message.id)
    expect(live.author).toEqual({ role: 'agent', name: 'Queue bot' })
    expect(await deliveriesOf(visitor.client, message.id)).toBe(1)
  })

  it('lets an agent answering a waiting conversation take it, a joined event first', async () => {
    const server = await start()
    const grace = await server.addAgent({ name: 'Grace' })
    const visitor = await connectVisitor(server)
    const { conv } = await visitor.client.say('Hello?')
    const response = await post(server, await tokenFor(server), `/conversations/${conv}/messages`, { text: 'Hi, Grace here.', as: { agent: grace.id } })
    expect(response.status).toBe(201)
    const { message, conversation } = await response.json()
    expect(conversation).toMatchObject({ status: 'assigned', assignee: { id: grace.id, name: 'Grace' } })
    expect(message.seq).toBe(3)
    const joined = await visitor.client.waitFor('msg', (event) => event.seq === 2)
    expect(joined).toMatchObject({ sys: 'joined', text: 'Grace joined the conversation' })
    await visitor.client.waitFor('conv', (frame) => frame.conv.id === conv && frame.conv.status === 'assigned')
  })

  it('adds an internal note for agents only, even to a closed conversation, which refuses messages with 409', async () => {
    const { server, grace, agent, visitor, conv, token } = await chatInProgress()
    const note = await post(server, token, `/conversations/${conv}/messages`, { text: 'Refund approved by finance', as: { agent: grace.id }, note: true })
    expect(note.status).toBe(201)
    const noted = (await note.json()).message
    expect(noted).toMatchObject({ kind: 'note', text: 'Refund approved by finance' })
    await agent.client.waitFor('msg', (event) => event.id === noted.id && event.note === true)
    expect(await deliveriesOf(visitor.client, noted.id)).toBe(0)

    await server.server.store.transition({
      conversationId: conv, from: { statuses: ['assigned'] }, to: { status: 'closed', assigneeId: grace.id }, now: Date.now(),
    })
    const refused = await post(server, token, `/conversations/${conv}/messages`, { text: 'One more thing', as: { bot: 'Bot' } })
    expect(refused.status).toBe(409)
    expect((await refused.json()).error.code).toBe('conversation_closed')
    const refusedAgent = await post(server, token, `/conversations/${conv}/messages`, { text: 'One more thing', as: { agent: grace.id } })
    expect(refusedAgent.status).toBe(409)
    const lateNote = await post(server, token, `/conversations/${conv}/messages`, { text: 'Customer called back', as: { bot: 'CRM' }, note: true })
    expect(lateNote.status).toBe(201)
    expect((await lateNote.json()).conversation.status).toBe('closed')
  })

  it('refuses an agent who is unknown, deactivated or serves another site with 422, writing nothing', async () => {
    const { server, conv, token } = await chatInProgress()
    const store = server.server.store
    const elsewhere = await server.addSite('Elsewhere')
    const linus = await server.addAgent({ name: 'Linus', sites: [elsewhere] })
    const gone = await server.addAgent({ name: 'Gone' })
    await store.updateAgent(gone.id, { active: false })
    for (const [agentId, reason] of [[linus.id, 'does not serve site'], [gone.id, 'is deactivated'], [999_999, 'no agent has the id']] as const) {
      const response = await post(server, token, `/conversations/${conv}/messages`, { text: 'Hello', as: { agent: agentId } })
      expect(response.status).toBe(422)
      const { error } = await response.json()
      expect(error.code).toBe('invalid_request')
      expect(error.message).toContain(reason)
      expect(error.message.startsWith('as.agent: ')).toBe(true)
    }
    expect((await store.getConversation(conv))!.lastSeq).toBe(2)
  })

  it('refuses a bad body or Idempotency-Key with 422 naming the field', async () => {
    const { server, grace, conv, token } = await chatInProgress()
    const cases: [unknown, string, Record<string, string>?][] = [
      [{ text: '', as: { agent: grace.id } }, 'text'],
      [{ text: '   ', as: { agent: grace.id } }, 'text'],
      [{ text: 'x'.repeat(server.config.maxTextLength + 1), as: { agent: grace.id } }, 'text'],
      [{ text: 42, as: { agent: grace.id } }, 'text'],
      [{ as: { agent: grace.id } }, 'text'],
      [{ text: 'Hi' }, 'as'],
      [{ text: 'Hi', as: {} }, 'as'],
      [{ text: 'Hi', as: { agent: grace.id, bot: 'Bot' } }, 'as'],
      [{ text: 'Hi', as: { visitor: 1 } }, 'as.visitor'],
      [{ text: 'Hi', as: { agent: '7' } }, 'as.agent'],
      [{ text: 'Hi', as: { bot: ' ' } }, 'as.bot'],
      [{ text: 'Hi', as: { bot: 'Bot' }, note: 'yes' }, 'note'],
      [{ text: 'Hi', as: { bot: 'Bot' } }, 'idempotency-key', { 'Idempotency-Key': 'has spaces in it' }],
    ]
    for (const [body, field, headers] of cases) {
      const response = await post(server, token, `/conversations/${conv}/messages`, body, headers)
      expect(response.status, JSON.stringify(body)).toBe(422)
      const { error } = await response.json()
      expect(error.code).toBe('invalid_request')
      expect(error.message.startsWith(`${field}: `), `${JSON.stringify(body)}: ${error.message}`).toBe(true)
    }
    const notJson = await fetch(`${server.url}/api/v1/conversations/${conv}/messages`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"text": "Hi",',
    })
    expect(notJson.status).toBe(400)
    expect((await notJson.json()).error.code).toBe('bad_request')
    expect((await server.server.store.getConversation(conv))!.lastSeq).toBe(2)
  })
})

// --- Opening conversations -----------------------------------------------------------------------

describe('opening a conversation with a visitor', () => {
  const start = serversPerTest()

  it('as an agent: assigned to them with a joined event, delivered live to the visitor and the agents', async () => {
    const server = await start()
    const grace = await server.addAgent({ name: 'Grace' })
    const agent = await connectAgent(server, grace)
    const visitor = await connectVisitor(server)
    const token = await tokenFor(server, [server.site])
    const response = await post(server, token, '/conversations', { visitor: visitor.welcome.me.id, text: 'Your order has shipped!', as: { agent: grace.id } })
    expect(response.status).toBe(201)
    const { conversation, message } = await response.json()
    expect(conversation).toMatchObject({
      site: server.site.id, visitor: { id: visitor.welcome.me.id }, status: 'assigned', assignee: { id: grace.id, name: 'Grace' }, lastSeq: 2,
    })
    expect(message).toMatchObject({ conversationId: conversation.id, seq: 2, authorRole: 'agent', authorId: grace.id, text: 'Your order has shipped!' })
    const joined = (await read(server, token, `/conversations/${conversation.id}`)).messages[0]
    expect(joined).toMatchObject({ seq: 1, kind: 'system', systemEvent: 'joined', text: 'Grace started the conversation' })

    await visitor.client.waitFor('conv', (frame) => frame.conv.id === conversation.id)
    await visitor.client.waitFor('msg', (event) => event.id === message.id)
    await agent.client.waitFor('msg', (event) => event.id === message.id)
    expect(await deliveriesOf(visitor.client, message.id)).toBe(1)
    expect(await deliveriesOf(agent.client, message.id)).toBe(1)
  })

  it('as a bot: queued with no agent online, then routed like any new chat', async () => {
    const server = await start()
    const token = await tokenFor(server)
    // A visitor known to the site but not on it now: they read it on their next visit.
    const visitor = await server.server.store.createVisitor(server.site.id, 'token-offline', { name: 'Dana' }, Date.now())
    const response = await post(server, token, '/conversations', { visitor: visitor.id, text: 'Your invoice is ready.', as: { bot: 'Billing' } })
    expect(response.status).toBe(201)
    const { conversation, message } = await response.json()
    expect(conversation).toMatchObject({ status: 'queued', assignee: null, lastSeq: 1, visitor: { id: visitor.id, name: 'Dana' } })
    expect(message).toMatchObject({ seq: 1, authorRole: 'agent', authorId: null, authorName: 'Billing' })

    const grace = await server.addAgent({ name: 'Grace' })
    const agent = await connectAgent(server, grace)
    await agent.client.waitFor('msg', (event) => event.conv === conversation.id && event.sys === 'joined')
    expect((await read(server, token, `/conversations/${conversation.id}`)).conversation).toMatchObject({ status: 'assigned', assignee: { id: grace.id } })
  })

  it('as a bot with an agent online: answers with the conversation already routed to them', async () => {
    const server = await start()
    const grace = await server.addAgent({ name: 'Grace' })
    await connectAgent(server, grace)
    const visitor = await connectVisitor(server)
    const response = await post(server, await tokenFor(server), '/conversations', { visitor: visitor.welcome.me.id, text: 'Need help with setup?', as: { bot: 'Helper' } })
    expect(response.status).toBe(201)
    const { conversation } = await response.json()
    expect(conversation).toMatchObject({ status: 'assigned', assignee: { id: grace.id } })
    await visitor.client.waitFor('msg', (event) => event.conv === conversation.id && event.sys === 'joined')
  })

  it('answers 409 with the open conversation\'s id when the visitor has one, and opens anew once it is closed', async () => {
    const server = await start()
    const visitor = await connectVisitor(server)
    const { conv } = await visitor.client.say('Hi')
    const token = await tokenFor(server)
    const body = { visitor: visitor.welcome.me.id, text: 'Hello from billing', as: { bot: 'Billing' } }
    const refused = await post(server, token, '/conversations', body)
    expect(refused.status).toBe(409)
    const { error } = await refused.json()
    expect(error).toMatchObject({ code: 'conversation_open', conversationId: conv })
    expect(error.message).toContain(String(conv))
    expect((await server.server.store.getConversation(conv))!.lastSeq).toBe(1)

    await server.server.store.transition({ conversationId: conv, from: { statuses: ['queued'] }, to: { status: 'closed', assigneeId: null }, now: Date.now() })
    const reopened = await post(server, token, '/conversations', body)
    expect(reopened.status).toBe(201)
    expect((await reopened.json()).conversation.id).not.toBe(conv)
  })

  it('opens once per Idempotency-Key: a retry answers 200 with the same conversation and message', async () => {
    const server = await start()
    const grace = await server.addAgent({ name: 'Grace' })
    const token = await tokenFor(server)
    const visitor = await server.server.store.createVisitor(server.site.id, 'token-key', {}, Date.now())
    for (const as of [{ agent: grace.id }, { bot: 'Bot' }]) {
      const body = { visitor: visitor.id, text: `Hello ${JSON.stringify(as)}`, as }
      const key = { 'Idempotency-Key': `open-${'agent' in as ? 'agent' : 'bot'}` }
      const first = await post(server, token, '/conversations', body, key)
      expect(first.status).toBe(201)
      const opened = await first.json()
      const retry = await post(server, token, '/conversations', body, key)
      expect(retry.status).toBe(200)
      const again = await retry.json()
      expect(again.message).toEqual(opened.message)
      expect(again.conversation.id).toBe(opened.conversation.id)
      const changed = await post(server, token, '/conversations', { ...body, text: 'Another text' }, key)
      expect(changed.status).toBe(422)
      expect((await changed.json()).error.code).toBe('idempotency_key_reused')
      await server.server.store.transition({
        conversationId: opened.conversation.id, from: { statuses: ['queued', 'assigned'] }, to: { status: 'closed', assigneeId: null }, now: Date.now(),
      })
    }
    expect(await server.server.store.listConversations({ siteIds: [server.site.id], visitorId: visitor.id }, 10)).toHaveLength(2)
  })

  it('answers 404 for another site\'s visitor as for a missing one, and 422 for an agent of another site', async () => {
    const server = await start()
    const elsewhere = await server.addSite('Elsewhere')
    const stranger = await server.server.store.createVisitor(elsewhere.id, 'token-stranger', {}, Date.now())
    const linus = await server.addAgent({ name: 'Linus', sites: [elsewhere] })
    const token = await tokenFor(server, [server.site])
    for (const id of [stranger.id, 999_999]) {
      const response = await post(server, token, '/conversations', { visitor: id, text: 'Hi', as: { bot: 'Bot' } })
      expect(response.status).toBe(404)
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: `no visitor has the id ${id}` } })
    }
    const local = await server.server.store.createVisitor(server.site.id, 'token-local', {}, Date.now())
    const refused = await post(server, token, '/conversations', { visitor: local.id, text: 'Hi', as: { agent: linus.id } })
    expect(refused.status).toBe(422)
    expect((await refused.json()).error.message).toContain('does not serve site')
    const invalid = await post(server, token, '/conversations', { visitor: 'me', text: 'Hi', as: { bot: 'Bot' } })
    expect(invalid.status).toBe(422)
    expect((await invalid.json()).error.message.startsWith('visitor: ')).toBe(true)
    expect(await server.server.store.listConversations({ siteIds: [server.site.id, elsewhere.id] }, 10)).toEqual([])
  })
})

// --- Rate limit ----------------------------------------------------------------------------------

describe('the rate limit', () => {
  const start = serversPerTest()

  it('answers 429 with Retry-After past a token\'s budget, and leaves other tokens alone', async () => {
    const server = await start({ 'api-rate-limit': '3' })
    const [busy, calm] = [await tokenFor(server), await tokenFor(server)]
    for (let i = 0; i < 3; i++) expect((await call(server, busy, 'GET', '/conversations')).status).toBe(200)
    const refused = await call(server, busy, 'GET', '/conversations')
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await refused.json()).error.code).toBe('rate_limited')
    const write = await post(server, busy, '/conversations', { visitor: 1, text: 'Hi', as: { bot: 'Bot' } })
    expect(write.status).toBe(429)
    expect((await call(server, calm, 'GET', '/conversations')).status).toBe(200)
  })
})

// --- What webhooks hear --------------------------------------------------------------------------

describe('the chat service\'s API writes', () => {
  let dir: string
  let store: Store

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'parley-api-service-'))
    store = await openStore(`sqlite:${path.join(dir, 'parley.db')}`)
  })

  afterAll(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('tells domain-event listeners (webhooks) what they did, as console writes do', async () => {
    const site = await store.createSite({ name: 'Shop', key: 'shop-events', allowedOrigins: ['*'], widget: { color: '#000000', greeting: 'Hi', position: 'right' } })
    const grace = await store.createAgent({ name: 'Grace', email: 'grace-events@parley.test', passwordHash: 'x', role: 'agent', capacity: 5, siteIds: [site.id] })
    const service = createChatService({
      store, bus: createLocalBus(), logger: createLogger('silent'), metrics: createMetrics(), agentGraceMs: 1000, reopenWindowMs: 0,
    })
    const heard: string[] = []
    service.onEvent((event: DomainEvent) => heard.push(`${event.type}#${event.conversation.id}`))

    const ada = await store.createVisitor(site.id, 'token-ada-events', {}, Date.now())
    const asBot = await service.apiStart(ada, { bot: 'Bot' }, 'Hello', undefined)
    expect(asBot.outcome).toBe('started')
    const first = (asBot as { conversation: { id: number } }).conversation.id
    expect(heard).toEqual([`conversation.opened#${first}`, `message.created#${first}`])

    heard.length = 0
    const queued = (await store.getConversation(first))!
    expect((await service.apiSend(queued, { agentId: grace.id }, 'Grace here', { note: false })).outcome).toBe('sent')
    expect(heard).toEqual([`conversation.assigned#${first}`, `message.created#${first}`])

    heard.length = 0
    const bob = await store.createVisitor(site.id, 'token-bob-events', {}, Date.now())
    const asAgent = await service.apiStart(bob, { agentId: grace.id }, 'Hello Bob', undefined)
    const second = (asAgent as { conversation: { id: number } }).conversation.id
    expect(heard).toEqual([`conversation.opened#${second}`, `conversation.assigned#${second}`, `message.created#${second}`])

    heard.length = 0
    const token = await store.createApiToken({ name: 'Backend', tokenHash: 'hash-events', siteIds: [] })
    const apiKey = { tokenId: token.id, key: 'once' }
    const open = (await store.getConversation(second))!
    expect((await service.apiSend(open, { bot: 'Bot' }, 'Once', { note: false, apiKey })).outcome).toBe('sent')
    expect((await service.apiSend(open, { bot: 'Bot' }, 'Once', { note: false, apiKey })).outcome).toBe('duplicate')
    expect(heard).toEqual([`message.created#${second}`])
    await service.shutdown()
  })
})

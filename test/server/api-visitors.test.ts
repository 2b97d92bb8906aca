/**
 * Visitors and the audit log through the REST API, over real HTTP against a real server and
 * SQLite file: a visitor's profile, erasing one for a data-protection request (checked in the
 * database file itself), what their open widget and the agents see then, and reading the audit log.
 */
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiToken } from '../../server/admin/admin-actions.js'
import type { Store } from '../../server/store/store.js'
import type { Site, Visitor } from '../../server/store/types.js'
import { connectAgent, connectVisitor } from '../support/chat-client.js'
import { serversPerTest, startTestServer, type TestServer } from '../support/test-server.js'

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0)
const at = (minute: number) => T0 + minute * 60_000
const iso = (time: number) => new Date(time).toISOString()

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

async function read(server: TestServer, token: string, route: string) {
  const response = await call(server, token, 'GET', route)
  expect(response.status, `${route}: ${response.status}`).toBe(200)
  return response.json()
}

async function tokenFor(server: TestServer, sites: Site[] = []) {
  return (await createApiToken(server.server.store, { name: 'Privacy desk', siteIds: sites.map((site) => site.id) })).token
}

/** A conversation of the visitor that is closed at `time + 1 min`, so another can open after it. */
async function closedConversation(store: Store, visitor: Visitor, text: string, time: number) {
  const { conversation } = await store.appendVisitorMessage({
    siteId: visitor.siteId, visitorId: visitor.id, clientId: `c-${time}-${Math.random()}`, text, reopenWindowMs: 0, now: time,
  })
  await store.transition({ conversationId: conversation.id, from: { statuses: ['queued'] }, to: { status: 'closed', assigneeId: null }, now: time + 60_000 })
  return conversation.id
}

/** Runs `query` on the server's database file, opened read-only beside the server. */
function inDatabase<T>(server: TestServer, query: (db: Database.Database) => T): T {
  const db = new Database(server.dbPath, { readonly: true, fileMustExist: true })
  try {
    return query(db)
  } finally {
    db.close()
  }
}

const count = (db: Database.Database, sql: string, ...params: unknown[]) => (db.prepare(sql).pluck().get(...params) as number)

// --- Reading -------------------------------------------------------------------------------------

describe('reading a visitor', () => {
  let server: TestServer
  let other: Site
  let ada: Visitor
  let stranger: Visitor
  let shopToken: string
  let allToken: string
  let older: number
  let current: number

  beforeAll(async () => {
    server = await startTestServer()
    const store = server.server.store
    other = await server.addSite('Other')
    ada = await store.createVisitor(server.site.id, 'token-ada', {
      externalId: 'user-42',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      attributes: { plan: 'pro', seats: 3, trial: false },
      pageUrl: 'https://shop.test/checkout',
      pageTitle: 'Checkout',
      referrer: 'https://search.test/?q=shop',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0',
      locale: 'en-GB',
      timeZone: 'Europe/London',
    }, at(0))
    older = await closedConversation(store, ada, 'First question', at(1))
    current = (await store.appendVisitorMessage({
      siteId: server.site.id, visitorId: ada.id, clientId: 'now', text: 'Second question', reopenWindowMs: 0, now: at(30),
    })).conversation.id
    await store.updateVisitor(ada.id, {}, at(31))
    stranger = await store.createVisitor(other.id, 'token-stranger', { name: 'Stranger' }, at(0))
    shopToken = await tokenFor(server, [server.site])
    allToken = await tokenFor(server)
  })

  afterAll(async () => {
    await server.stop()
  })

  it('shows the profile and the conversations, newest first', async () => {
    expect(await read(server, shopToken, `/visitors/${ada.id}`)).toEqual({
      visitor: {
        id: ada.id,
        site: server.site.id,
        externalId: 'user-42',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        attributes: { plan: 'pro', seats: 3, trial: false },
        page: { url: 'https://shop.test/checkout', title: 'Checkout' },
        referrer: 'https://search.test/?q=shop',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0',
        locale: 'en-GB',
        timeZone: 'Europe/London',
        firstSeenAt: iso(at(0)),
        lastSeenAt: iso(at(31)),
      },
      conversations: [
        { id: current, status: 'queued', createdAt: iso(at(30)), updatedAt: iso(at(30)), closedAt: null },
        { id: older, status: 'closed', createdAt: iso(at(1)), updatedAt: iso(at(2)), closedAt: iso(at(2)) },
      ],
    })
  })

  it('says null for what is not known', async () => {
    const { visitor, conversations } = await read(server, allToken, `/visitors/${stranger.id}`)
    expect(visitor).toMatchObject({
      name: 'Stranger', externalId: null, email: null, attributes: {}, page: { url: null, title: null },
      referrer: null, userAgent: null, locale: null, timeZone: null,
    })
    expect(conversations).toEqual([])
  })

  it('answers the same 404 for another site\'s visitor as for a missing one', async () => {
    for (const id of [stranger.id, 999_999]) {
      const response = await call(server, shopToken, 'GET', `/visitors/${id}`)
      expect(response.status).toBe(404)
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: `no visitor has the id ${id}` } })
    }
    expect((await call(server, shopToken, 'GET', '/visitors/ada')).status).toBe(404)
  })

  it('answers 401 without a token, with a made-up one and with a revoked one', async () => {
    const { record, token } = await createApiToken(server.server.store, { name: 'Soon revoked' })
    expect((await call(server, token, 'GET', `/visitors/${ada.id}`)).status).toBe(200)
    await server.server.store.revokeApiToken(record.id, Date.now())
    for (const attempt of [undefined, 'pat_made-up', token]) {
      for (const [method, route] of [['GET', `/visitors/${ada.id}`], ['DELETE', `/visitors/${ada.id}`], ['GET', '/audit']] as const) {
        const response = await call(server, attempt, method, route)
        expect(response.status, `${method} ${route}`).toBe(401)
        expect((await response.json()).error.code).toBe('invalid_token')
      }
    }
    expect(await server.server.store.getVisitor(ada.id)).toBeDefined()
  })

  it('is described in the OpenAPI document', async () => {
    const spec = await (await fetch(`${server.url}/api/v1/openapi.json`)).json()
    const names = (operation: { parameters?: { name: string }[] }) => (operation.parameters ?? []).map((parameter) => parameter.name).sort()
    expect(names(spec.paths['/visitors/{id}'].get)).toEqual(['id'])
    expect(names(spec.paths['/visitors/{id}'].delete)).toEqual(['id'])
    expect(Object.keys(spec.paths['/visitors/{id}'].delete.responses)).toEqual(expect.arrayContaining(['204', '401', '404', '429']))
    expect(names(spec.paths['/audit'].get)).toEqual(['before', 'limit'])
    const profile = spec.paths['/visitors/{id}'].get.responses['200'].content['application/json'].schema.properties.visitor
    expect(Object.keys(profile.properties)).toEqual(Object.keys((await read(server, shopToken, `/visitors/${ada.id}`)).visitor))
  })
})

// --- Erasing -------------------------------------------------------------------------------------

describe('erasing a visitor', () => {
  const start = serversPerTest()

  it('leaves nothing of them in the database: profile, conversations, messages, notes, search index, idempotency keys', async () => {
    const server = await start()
    const store = server.server.store
    const grace = await server.addAgent({ name: 'Grace' })
    const agent = await connectAgent(server, grace)
    const token = await tokenFor(server, [server.site])

    // A bystander who shares a word with the visitor: their data must stay.
    const bystander = await connectVisitor(server)
    const bystanderChat = await bystander.client.say('zanzibar is where I live')
    const kept = await call(server, token, 'POST', `/conversations/${bystanderChat.conv}/messages`, { text: 'Noted', as: { agent: grace.id } }, { 'Idempotency-Key': 'keep-me' })
    expect(kept.status).toBe(201)

    const visitor = await connectVisitor(server)
    const visitorId = visitor.welcome.me.id
    visitor.client.send({ t: 'profile', name: 'Zelda Erasable', email: 'zelda@example.com' })
    const first = await visitor.client.say('my zanzibar parcel never came')
    const reply = await call(server, token, 'POST', `/conversations/${first.conv}/messages`, { text: 'quokka replacement sent', as: { agent: grace.id } }, { 'Idempotency-Key': 'erase-me' })
    expect(reply.status).toBe(201)
    expect((await call(server, token, 'POST', `/conversations/${first.conv}/messages`, { text: 'wombat refund risk', as: { agent: grace.id }, note: true })).status).toBe(201)
    await store.transition({ conversationId: first.conv, from: { statuses: ['assigned'] }, to: { status: 'closed', assigneeId: grace.id }, now: Date.now() })
    const second = await call(server, token, 'POST', '/conversations', { visitor: visitorId, text: 'narwhal survey', as: { bot: 'Survey bot' } })
    expect(second.status).toBe(201)
    const secondId = (await second.json()).conversation.id
    const conversationIds = [first.conv, secondId]
    expect((await store.getVisitor(visitorId))?.name).toBe('Zelda Erasable')

    const erased = await call(server, token, 'DELETE', `/visitors/${visitorId}`)
    expect(erased.status).toBe(204)
    expect(await erased.text()).toBe('')

    // The search index takes stored messages in batches; a search first indexes what waits.
    await store.searchMessages({ siteIds: [server.site.id], text: 'zanzibar', limit: 1 })
    const left = inDatabase(server, (db) => ({
      visitors: count(db, 'SELECT count(*) FROM visitors WHERE id = ?', visitorId),
      conversations: count(db, `SELECT count(*) FROM conversations WHERE visitor_id = ? OR id IN (${conversationIds.join(',')})`, visitorId),
      messages: count(db, `SELECT count(*) FROM messages WHERE conversation_id IN (${conversationIds.join(',')}) OR (author_role = 'visitor' AND author_id = ?)`, visitorId),
      searchable: ['quokka', 'wombat', 'narwhal', 'parcel'].map((word) => count(db, 'SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?', word)),
      erasedKey: count(db, 'SELECT count(*) FROM api_idempotency WHERE key = ?', 'erase-me'),
      keptKey: count(db, 'SELECT count(*) FROM api_idempotency WHERE key = ?', 'keep-me'),
      sharedWord: count(db, 'SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?', 'zanzibar'),
      bystanderMessages: count(db, 'SELECT count(*) FROM messages WHERE conversation_id = ?', bystanderChat.conv),
      // Nothing anywhere still names them.
      namedAnywhere: count(db, `SELECT count(*) FROM messages WHERE text LIKE '%Zelda%' OR author_name LIKE '%Zelda%'`)
        + count(db, `SELECT count(*) FROM visitors WHERE name LIKE '%Zelda%' OR email LIKE '%zelda%'`)
        + count(db, `SELECT count(*) FROM audit_log WHERE details LIKE '%Zelda%' OR details LIKE '%zelda%' OR details LIKE '%zanzibar%'`),
    }))
    expect(left).toEqual({
      visitors: 0, conversations: 0, messages: 0, searchable: [0, 0, 0, 0], erasedKey: 0, keptKey: 1, sharedWord: 1,
      bystanderMessages: (await store.getConversation(bystanderChat.conv))!.lastSeq, namedAnywhere: 0,
    })

    // Through the API too: nothing to read, nothing to erase twice.
    expect((await call(server, token, 'GET', `/visitors/${visitorId}`)).status).toBe(404)
    expect((await call(server, token, 'DELETE', `/visitors/${visitorId}`)).status).toBe(404)
    for (const id of conversationIds) expect((await call(server, token, 'GET', `/conversations/${id}`)).status).toBe(404)
    expect((await read(server, token, `/conversations?visitor=${visitorId}`)).conversations).toEqual([])
    await agent.client.close()
  })

  it('records the erasure in the audit log under the token, with a count and none of the erased data', async () => {
    const server = await start()
    const store = server.server.store
    const { record, token } = await createApiToken(store, { name: 'Privacy desk', siteIds: [server.site.id] })
    const visitor = await store.createVisitor(server.site.id, 'token-erin', { name: 'Erin', email: 'erin@example.com' }, at(0))
    await closedConversation(store, visitor, 'one', at(1))
    await closedConversation(store, visitor, 'two', at(3))
    await store.appendVisitorMessage({ siteId: server.site.id, visitorId: visitor.id, clientId: 'open', text: 'three', reopenWindowMs: 0, now: at(5) })
    const before = Date.now()
    expect((await call(server, token, 'DELETE', `/visitors/${visitor.id}`)).status).toBe(204)
    const { entries, next } = await read(server, token, '/audit')
    expect(next).toBeNull()
    expect(entries).toEqual([{
      id: expect.any(Number),
      at: expect.any(String),
      actor: `token:${record.id}`,
      action: 'visitor.erased',
      site: server.site.id,
      subject: `visitor:${visitor.id}`,
      details: { conversations: 3 },
    }])
    expect(Date.parse(entries[0].at)).toBeGreaterThanOrEqual(before - 1)
  })

  it('counts conversations past one page of the count', async () => {
    const server = await start()
    const store = server.server.store
    const visitor = await store.createVisitor(server.site.id, 'token-regular', {}, at(0))
    for (let i = 0; i < 1003; i++) await closedConversation(store, visitor, `chat ${i}`, at(2 * i))
    const token = await tokenFor(server)
    expect((await call(server, token, 'DELETE', `/visitors/${visitor.id}`)).status).toBe(204)
    expect((await read(server, token, '/audit')).entries[0].details).toEqual({ conversations: 1003 })
  })

  it('sends their open widget away to start afresh as a new visitor, and tells agents they left', async () => {
    const server = await start()
    const grace = await server.addAgent({ name: 'Grace' })
    const agent = await connectAgent(server, grace)
    const visitor = await connectVisitor(server)
    const visitorId = visitor.welcome.me.id
    visitor.client.send({ t: 'profile', name: 'Forget Me' })
    await visitor.client.say('Please forget me')
    await agent.client.waitFor('visitor', (frame) => frame.visitor.id === visitorId)

    expect((await call(server, await tokenFor(server), 'DELETE', `/visitors/${visitorId}`)).status).toBe(204)
    await visitor.client.waitFor('bye')
    await agent.client.waitFor('gone', (frame) => frame.visitor === visitorId)
    await visitor.client.close()

    // Their browser still holds the old token: it names no one now, so they are given a new one.
    // (SQLite may give the new visitor the erased one's id, which was the highest.)
    const again = await connectVisitor(server, { token: visitor.token })
    expect(again.welcome.me).toEqual({ id: expect.any(Number) })
    expect(again.welcome.token).toMatch(/^pv_/)
    expect(again.welcome.token).not.toBe(visitor.token)
    expect(again.welcome.conversations).toEqual([])
  })

  it('answers 404 for another site\'s visitor and erases nothing, nor records anything', async () => {
    const server = await start()
    const store = server.server.store
    const other = await server.addSite('Other')
    const stranger = await store.createVisitor(other.id, 'token-stranger', { name: 'Stranger' }, at(0))
    const conversationId = await closedConversation(store, stranger, 'keep me', at(1))
    const token = await tokenFor(server, [server.site])
    const response = await call(server, token, 'DELETE', `/visitors/${stranger.id}`)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: `no visitor has the id ${stranger.id}` } })
    expect(await store.getVisitor(stranger.id)).toBeDefined()
    expect(await store.getConversation(conversationId)).toBeDefined()
    expect(await store.listAudit({ limit: 10 })).toEqual([])
  })
})

// --- The audit log -------------------------------------------------------------------------------

describe('the audit log', () => {
  const start = serversPerTest()

  it('shows a site-scoped token its sites\' entries only; a token for every site sees them all, newest first, page by page', async () => {
    const server = await start()
    const store = server.server.store
    const other = await server.addSite('Other')
    const shop = await store.recordAudit({ at: at(0), actor: 'token:1', action: 'visitor.erased', siteId: server.site.id, subject: 'visitor:1', details: { conversations: 2 } })
    const elsewhere = await store.recordAudit({ at: at(1), actor: 'system', action: 'retention.purged', siteId: other.id, subject: `site:${other.id}`, details: { conversations: 5 } })
    const noSite = await store.recordAudit({ at: at(2), actor: 'agent:1', action: 'settings.changed', subject: 'server', details: {} })
    const shop2 = await store.recordAudit({ at: at(3), actor: 'token:1', action: 'retention.changed', siteId: server.site.id, subject: `site:${server.site.id}`, details: { retentionDays: 30, previous: null } })

    const scoped = await read(server, await tokenFor(server, [server.site]), '/audit')
    expect(scoped.entries.map((entry: { id: number }) => entry.id)).toEqual([shop2.id, shop.id])
    expect(scoped.entries[1]).toEqual({
      id: shop.id, at: iso(at(0)), actor: 'token:1', action: 'visitor.erased', site: server.site.id, subject: 'visitor:1', details: { conversations: 2 },
    })

    const allToken = await tokenFor(server)
    const all = await read(server, allToken, '/audit')
    expect(all.entries.map((entry: { id: number }) => entry.id)).toEqual([shop2.id, noSite.id, elsewhere.id, shop.id])
    expect(all.entries[1].site).toBeNull()

    const firstPage = await read(server, allToken, '/audit?limit=3')
    expect(firstPage.entries.map((entry: { id: number }) => entry.id)).toEqual([shop2.id, noSite.id, elsewhere.id])
    expect(firstPage.next).toBe(elsewhere.id)
    const lastPage = await read(server, allToken, `/audit?limit=3&before=${firstPage.next}`)
    expect(lastPage.entries.map((entry: { id: number }) => entry.id)).toEqual([shop.id])
    expect(lastPage.next).toBeNull()
  })

  it('refuses a bad limit or before with 422 naming the parameter', async () => {
    const server = await start()
    const token = await tokenFor(server)
    for (const [query, parameter] of [['limit=0', 'limit'], ['limit=201', 'limit'], ['before=latest', 'before']] as const) {
      const response = await call(server, token, 'GET', `/audit?${query}`)
      expect(response.status, query).toBe(422)
      const { error } = await response.json()
      expect(error.code).toBe('invalid_request')
      expect(error.message.startsWith(`${parameter}: `)).toBe(true)
    }
  })
})

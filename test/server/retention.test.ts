/**
 * Retention: a site's period is read and set over the REST API (/api/v1/sites), and the
 * scheduled purge erases exactly the closed conversations past it, with their messages and
 * search entries, leaving everything else alone and leaving a trace in the audit log.
 */
import { describe, expect, it } from 'vitest'
import { createApiToken, createSite } from '../../server/admin/admin-actions.js'
import { createLogger } from '../../server/ops/logger.js'
import { startRetention } from '../../server/ops/retention.js'
import type { Store } from '../../server/store/store.js'
import type { Site } from '../../server/store/types.js'
import { serversPerTest, type TestServer } from '../support/test-server.js'

const start = serversPerTest()
const DAY = 24 * 60 * 60 * 1000
/** The retention runs' clock: every age below is measured from it. */
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0)
const daysAgo = (days: number) => NOW - days * DAY
const silent = createLogger('silent')

let visitorCount = 0

/**
 * A conversation of a new visitor, opened `openedDaysAgo` with one message holding `word`, and
 * closed `closedDaysAgo` unless that is undefined.
 */
async function conversation(store: Store, site: Site, word: string, openedDaysAgo: number, closedDaysAgo?: number) {
  visitorCount += 1
  const visitor = await store.createVisitor(site.id, `token-${visitorCount}`, {}, daysAgo(openedDaysAgo))
  const { conversation } = await store.appendVisitorMessage({
    siteId: site.id, visitorId: visitor.id, clientId: 'c1', text: `About ${word}`, reopenWindowMs: 0, now: daysAgo(openedDaysAgo),
  })
  if (closedDaysAgo !== undefined) {
    await store.transition({
      conversationId: conversation.id, from: { statuses: ['queued'] }, to: { status: 'closed', assigneeId: null },
      system: { event: 'closed', text: 'Closed' }, now: daysAgo(closedDaysAgo),
    })
  }
  return conversation.id
}

/** Calls the REST API with a bearer token and reads the JSON answer. */
async function api(server: TestServer, token: string | undefined, method: 'GET' | 'PATCH', path: string, body?: unknown) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

const tokenFor = async (server: TestServer, sites: Site[] = []) =>
  createApiToken(server.server.store, { name: 'Retention', siteIds: sites.map((site) => site.id) })

/** A retention schedule of our own on the server's store, run by hand on NOW's clock. */
function retentionOf(server: TestServer) {
  return startRetention({ store: server.server.store, logger: silent, intervalMs: 3_600_000, now: () => NOW })
}

const purges = async (store: Store, site: Site) =>
  (await store.listAudit({ siteIds: [site.id], limit: 100 })).filter((entry) => entry.action === 'retention.purged')

describe('the sites of a token', () => {
  it('are listed with their retention period, never with their identity secret', async () => {
    const server = await start()
    const verified = await createSite(server.server.store, { name: 'Verified', allowedOrigins: ['https://shop.example'], identityVerification: true })
    await createSite(server.server.store, { name: 'Not this token\'s' })
    const { token } = await tokenFor(server, [server.site, verified])

    const { status, body } = await api(server, token, 'GET', '/sites')
    expect(status).toBe(200)
    expect(body.sites).toEqual([
      { id: server.site.id, name: 'Shop', key: server.site.key, allowedOrigins: ['http://shop.test'], retentionDays: null, createdAt: new Date(server.site.createdAt).toISOString() },
      { id: verified.id, name: 'Verified', key: verified.key, allowedOrigins: ['https://shop.example'], retentionDays: null, createdAt: new Date(verified.createdAt).toISOString() },
    ])
    expect(verified.identitySecret).toBeTruthy()
    expect(JSON.stringify(body)).not.toContain(verified.identitySecret)

    const everySite = await tokenFor(server)
    expect((await api(server, everySite.token, 'GET', '/sites')).body.sites).toHaveLength(3)
  })

  it('take a retention period from 1 to 3650 days or null, recorded in the audit log', async () => {
    const server = await start()
    const { token, record } = await tokenFor(server, [server.site])
    const set = await api(server, token, 'PATCH', `/sites/${server.site.id}`, { retentionDays: 30 })
    expect(set.status).toBe(200)
    expect(set.body.site).toMatchObject({ id: server.site.id, retentionDays: 30 })
    expect((await server.server.store.getSite(server.site.id))?.retentionDays).toBe(30)
    expect((await api(server, token, 'PATCH', `/sites/${server.site.id}`, { retentionDays: 3650 })).body.site.retentionDays).toBe(3650)
    expect((await api(server, token, 'PATCH', `/sites/${server.site.id}`, { retentionDays: null })).body.site.retentionDays).toBe(null)
    expect((await server.server.store.getSite(server.site.id))?.retentionDays).toBeUndefined()

    const changes = (await server.server.store.listAudit({ siteIds: [server.site.id], limit: 10 })).reverse()
    expect(changes.map((entry) => [entry.actor, entry.action, entry.subject, entry.details])).toEqual([
      [`token:${record.id}`, 'retention.changed', `site:${server.site.id}`, { retentionDays: 30, previous: null }],
      [`token:${record.id}`, 'retention.changed', `site:${server.site.id}`, { retentionDays: 3650, previous: 30 }],
      [`token:${record.id}`, 'retention.changed', `site:${server.site.id}`, { retentionDays: null, previous: 3650 }],
    ])
  })

  it('refuse anything else with 422, and leave the period as it was', async () => {
    const server = await start()
    const { token } = await tokenFor(server, [server.site])
    await api(server, token, 'PATCH', `/sites/${server.site.id}`, { retentionDays: 30 })
    for (const body of [{ retentionDays: 0 }, { retentionDays: 3651 }, { retentionDays: 1.5 }, { retentionDays: '30' }, {}, { retentionDays: 30, name: 'Renamed' }, []]) {
      const answer = await api(server, token, 'PATCH', `/sites/${server.site.id}`, body)
      expect(answer.status, JSON.stringify(body)).toBe(422)
      expect(answer.body.error.code).toBe('invalid_request')
    }
    expect((await server.server.store.getSite(server.site.id))?.retentionDays).toBe(30)
    expect((await server.server.store.getSite(server.site.id))?.name).toBe('Shop')
  })

  it('answer 404 alike for another site and a missing one, and 401 without a token', async () => {
    const server = await start()
    const other = await server.addSite('Other')
    const { token } = await tokenFor(server, [server.site])
    const theirs = await api(server, token, 'PATCH', `/sites/${other.id}`, { retentionDays: 1 })
    const missing = await api(server, token, 'PATCH', '/sites/999999', { retentionDays: 1 })
    expect(theirs.status).toBe(404)
    expect(missing.status).toBe(404)
    expect(theirs.body.error.code).toBe(missing.body.error.code)
    expect((await server.server.store.getSite(other.id))?.retentionDays).toBeUndefined()
    expect((await api(server, undefined, 'PATCH', `/sites/${server.site.id}`, { retentionDays: 1 })).status).toBe(401)
    expect((await api(server, undefined, 'GET', '/sites')).status).toBe(401)
  })
})

describe('the retention purge', () => {
  it('erases only closed conversations closed longer ago than their site keeps them, with messages and search entries', async () => {
    const server = await start()
    const store = server.server.store
    const { token } = await tokenFor(server, [server.site])
    await api(server, token, 'PATCH', `/sites/${server.site.id}`, { retentionDays: 30 })
    const other = await server.addSite('Keeps everything')

    const expired = [await conversation(store, server.site, 'ancient', 90, 31), await conversation(store, server.site, 'ancient', 45, 40)]
    const kept = [
      await conversation(store, server.site, 'recent', 90, 29), // closed 29 days ago: not yet
      await conversation(store, server.site, 'lingering', 200), // old but still open
      await conversation(store, other, 'ancient', 5000, 4000), // another site, without a period: kept for good
    ]

    const retention = retentionOf(server)
    try {
      expect(await retention.runNow()).toBe(2)
    } finally {
      await retention.stop()
    }

    for (const id of expired) {
      expect(await store.getConversation(id)).toBeUndefined()
      expect(await store.messagesAfter(id, 0, 10)).toEqual([])
    }
    for (const id of kept) expect(await store.getConversation(id)).toBeDefined()
    const found = await store.searchMessages({ siteIds: [server.site.id, other.id], text: 'ancient', limit: 10 })
    expect(found.map((hit) => hit.siteId)).toEqual([other.id])
    expect((await store.searchMessages({ siteIds: [server.site.id], text: 'recent', limit: 10 })).length).toBe(1)

    const [entry, ...more] = await purges(store, server.site)
    expect(more).toEqual([])
    expect(entry).toMatchObject({
      at: NOW, actor: 'system', action: 'retention.purged', siteId: server.site.id, subject: `site:${server.site.id}`,
      details: { conversations: 2, closedBefore: daysAgo(30), retentionDays: 30 },
    })
    expect(await purges(store, other)).toEqual([])
  })

  it('erases in batches until none are left, with one audit entry per run, and a run with nothing to do records nothing', async () => {
    const server = await start()
    const store = server.server.store
    await store.updateSite(server.site.id, { retentionDays: 7 })
    // More than two batches of 500, all from one visitor who kept coming back.
    const visitor = await store.createVisitor(server.site.id, 'token-regular', {}, daysAgo(100))
    const COUNT = 1_203
    for (let i = 0; i < COUNT; i++) {
      const { conversation: opened } = await store.appendVisitorMessage({
        siteId: server.site.id, visitorId: visitor.id, clientId: `c${i}`, text: 'Again', reopenWindowMs: 0, now: daysAgo(100) + i * 2,
      })
      await store.transition({ conversationId: opened.id, from: { statuses: ['queued'] }, to: { status: 'closed', assigneeId: null }, now: daysAgo(100) + i * 2 + 1 })
    }
    const retention = retentionOf(server)
    try {
      expect(await retention.runNow()).toBe(COUNT)
      expect(await store.listConversations({ siteIds: [server.site.id] }, 10)).toEqual([])
      expect(await retention.runNow()).toBe(0)
    } finally {
      await retention.stop()
    }
    expect((await purges(store, server.site)).map((entry) => entry.details.conversations)).toEqual([COUNT])
  })

  it('never runs twice at once: a second call joins the run under way', async () => {
    const server = await start()
    const store = server.server.store
    await store.updateSite(server.site.id, { retentionDays: 1 })
    await conversation(store, server.site, 'old', 10, 5)
    const retention = retentionOf(server)
    try {
      const [first, second] = [retention.runNow(), retention.runNow()]
      expect(second).toBe(first)
      expect(await first).toBe(1)
    } finally {
      await retention.stop()
    }
    expect(await purges(store, server.site)).toHaveLength(1)
    // Stopped: a schedule that is over does not touch the store again (it may be closed).
    await conversation(store, server.site, 'old', 10, 5)
    const listSites = store.listSites
    let reads = 0
    store.listSites = () => ((reads += 1), listSites.call(store))
    try {
      expect(await retention.runNow()).toBe(0)
    } finally {
      store.listSites = listSites
    }
    expect(reads).toBe(0)
  })

  it('runs on the server\'s own schedule (PARLEY_RETENTION_INTERVAL) and stops with the server', async () => {
    const server = await start({ 'retention-interval': '1s' })
    const store = server.server.store
    const { token } = await tokenFor(server, [server.site])
    await api(server, token, 'PATCH', `/sites/${server.site.id}`, { retentionDays: 1 })
    // Its clock is the real one: closed two days before now.
    const visitor = await store.createVisitor(server.site.id, 'token-late', {}, Date.now() - 3 * DAY)
    const { conversation: late } = await store.appendVisitorMessage({
      siteId: server.site.id, visitorId: visitor.id, clientId: 'c1', text: 'Bye', reopenWindowMs: 0, now: Date.now() - 3 * DAY,
    })
    await store.transition({ conversationId: late.id, from: { statuses: ['queued'] }, to: { status: 'closed', assigneeId: null }, now: Date.now() - 2 * DAY })

    await expect.poll(() => store.getConversation(late.id), { timeout: 10_000, interval: 100 }).toBeUndefined()
    expect((await purges(store, server.site)).map((entry) => entry.details.conversations)).toEqual([1])
    await server.server.stop()
  })
})

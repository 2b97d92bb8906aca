/**
 * `parley copy-database`: a populated SQLite database copied into PostgreSQL answers, through
 * the Store interface, exactly as the source does, and keeps working: new rows get fresh ids and
 * a conversation's sequence numbers continue. A refused or failed copy writes nothing; the
 * source file is never changed.
 *
 * Without a reachable PostgreSQL the suite is skipped, loudly, except on CI, where it fails.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from '../../server/auth/password.js'
import { openStore } from '../../server/store/open-store.js'
import { migrations as sqliteMigrations } from '../../server/store/sqlite/migrations.js'
import type { Agent, Conversation, Site, Store, Visitor } from '../../server/store/index.js'
import { missingServices, POSTGRES_URL as connectionString } from '../support/services.js'
import { runParley } from '../support/parley-process.js'
import { postgresUrlOf } from '../support/test-database.js'

const T0 = Date.UTC(2025, 0, 1)
const MINUTE = 60_000
const REOPEN_WINDOW = 30 * MINUTE
const PASSWORD = 'correct horse battery'
/** More than one INSERT's worth (1000 rows), so batching is exercised. */
const AUDIT_ENTRIES = 2345

const withoutPostgres = await missingServices('the copy-database tests', 'postgres')

/** Runs SQL on the test database as an operator would, outside any store. */
async function onPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

const parley = (args: string[]) => runParley(args)

interface Population {
  acme: Site
  globex: Site
  ada: Agent
  vera: Visitor
  /** Vera's: claimed, answered, noted, read, closed. */
  closed: Conversation
  /** Walt's: waiting in the queue. */
  queued: Conversation
  /** Gina's: opened by Bob, through the API with an Idempotency-Key. */
  assigned: Conversation
  sessionHash: string
  tokenId: number
  webhookId: number
}

/** A source with something in every table, written through the Store as Parley would. */
async function populate(store: Store): Promise<Population> {
  const widget = { color: '#0a7cff', greeting: 'Hi! How can we help?', position: 'right' } as const
  const acme = await store.createSite({
    name: 'Acme', key: 'site_acme', allowedOrigins: ['https://acme.example', 'https://www.acme.example'],
    widget: { ...widget, prechat: true }, identitySecret: 'acme-secret', verifiedOnly: true, retentionDays: 30,
  })
  const globex = await store.createSite({ name: 'Globex', key: 'site_globex', allowedOrigins: [], widget: { ...widget, position: 'left' } })

  const ada = await store.createAgent({ name: 'Ada', email: 'Ada@acme.example', passwordHash: await hashPassword(PASSWORD), role: 'admin', capacity: 5, siteIds: [acme.id] })
  const bob = await store.createAgent({ name: 'Bob', email: 'bob@acme.example', passwordHash: 'hash-of-bob', role: 'agent', capacity: 2, siteIds: [acme.id, globex.id] })
  const carl = await store.createAgent({ name: 'Carl', email: 'carl@acme.example', passwordHash: 'hash-of-carl', role: 'agent', capacity: 1, siteIds: [globex.id] })
  await store.updateAgent(carl.id, { active: false })
  await store.setAgentStatus(ada.id, 'online')
  const sessionHash = 'session-of-ada'
  await store.createSession({ tokenHash: sessionHash, agentId: ada.id, createdAt: T0, expiresAt: T0 + 14 * 24 * 60 * MINUTE })

  const token = await store.createApiToken({ name: 'Export', tokenHash: 'hash-of-export-token', siteIds: [acme.id] })
  const revoked = await store.createApiToken({ name: 'Old', tokenHash: 'hash-of-old-token', siteIds: [] })
  await store.revokeApiToken(revoked.id, T0 + MINUTE)

  await store.createCannedResponse({ siteId: acme.id, shortcut: 'hello', text: 'Hello! How can I help?' })
  await store.createCannedResponse({ siteId: globex.id, shortcut: 'hello', text: 'Hi from Globex' })
  await store.createCannedResponse({ shortcut: 'bye', text: 'Have a good day!' })

  const vera = await store.createVisitor(acme.id, 'token-of-vera', {
    externalId: 'user-42', name: 'Vera', email: 'vera@example.com', attributes: { plan: 'pro', seats: 3, trial: false },
    pageUrl: 'https://acme.example/pricing', pageTitle: 'Pricing', referrer: 'https://search.example/?q=acme',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', locale: 'fr-FR', timeZone: 'Europe/Paris',
  }, T0)
  const walt = await store.createVisitor(acme.id, 'token-of-walt', {}, T0 + MINUTE)
  const gina = await store.createVisitor(globex.id, 'token-of-gina', { name: 'Gina' }, T0 + 2 * MINUTE)

  const opened = await store.appendVisitorMessage({
    siteId: acme.id, visitorId: vera.id, visitorName: 'Vera', clientId: 'v1', text: 'Mon café est froid', reopenWindowMs: REOPEN_WINDOW, now: T0 + 3 * MINUTE,
  })
  const conversationId = opened.conversation.id
  await store.transition({
    conversationId, from: { statuses: ['queued'] }, to: { status: 'assigned', assigneeId: ada.id },
    system: { event: 'joined', text: 'Ada joined' }, now: T0 + 4 * MINUTE,
  })
  await store.appendAgentMessage({ conversationId, agentId: ada.id, agentName: 'Ada', clientId: 'a1', text: 'Sorry! A fresh coffee is on its way.', now: T0 + 5 * MINUTE })
  await store.appendAgentMessage({ conversationId, agentId: ada.id, agentName: 'Ada', clientId: 'a2', text: 'Regular customer, refund the espresso', internal: true, now: T0 + 6 * MINUTE })
  await store.markRead(conversationId, 'visitor', 3)
  await store.markRead(conversationId, 'agent', 1)
  await store.transition({
    conversationId, from: { statuses: ['assigned'] }, to: { status: 'closed', assigneeId: null },
    system: { event: 'closed', text: 'Ada closed the conversation' }, now: T0 + 7 * MINUTE,
  })

  const waiting = await store.appendVisitorMessage({
    siteId: acme.id, visitorId: walt.id, clientId: 'w1', text: 'Where is my order?', reopenWindowMs: REOPEN_WINDOW, now: T0 + 8 * MINUTE,
  })

  const started = await store.startConversation({
    siteId: globex.id, visitorId: gina.id, agentId: bob.id, agentName: 'Bob', clientId: 'b1', text: 'Can I help you with your order?',
    joinedText: 'Bob joined', apiKey: { tokenId: token.id, key: 'idem-1' }, now: T0 + 9 * MINUTE,
  })
  if (started.outcome !== 'started') throw new Error(`startConversation: ${started.outcome}`)
  await store.appendVisitorMessage({
    siteId: globex.id, visitorId: gina.id, clientId: 'g1', text: 'Yes: order 1234 never came', reopenWindowMs: REOPEN_WINDOW, now: T0 + 10 * MINUTE,
  })

  const webhook = await store.createWebhook({ siteId: acme.id, url: 'https://hooks.acme.example/parley', secret: 'whsec', events: ['message.created', 'conversation.closed'] })
  const muted = await store.createWebhook({ siteId: globex.id, url: 'https://hooks.globex.example/parley', secret: 'whsec2', events: ['conversation.opened'] })
  await store.updateWebhook(muted.id, { active: false })
  await store.enqueueWebhookDeliveries(acme.id, 'message.created', '{"event":"message.created","text":"Mon café est froid"}', T0 + 3 * MINUTE, conversationId)
  await store.enqueueWebhookDeliveries(acme.id, 'conversation.closed', '{"event":"conversation.closed"}', T0 + 7 * MINUTE, conversationId)
  const [delivered] = await store.listWebhookDeliveries(webhook.id, 10)
  await store.recordDeliveryAttempt(delivered!.id, { status: 'delivered', attempts: 1, nextAttemptAt: T0 + 7 * MINUTE, responseStatus: 204, deliveredAt: T0 + 7 * MINUTE + 150 })

  for (let i = 0; i < AUDIT_ENTRIES; i++) {
    await store.recordAudit({ at: T0 + i, actor: `token:${token.id}`, action: 'visitor.exported', siteId: i % 2 ? acme.id : globex.id, subject: `visitor:${i}`, details: { reason: 'request', n: i, nested: { ok: true } } })
  }

  return {
    acme, globex, ada, vera, sessionHash, tokenId: token.id, webhookId: webhook.id,
    closed: (await store.getConversation(conversationId))!, queued: waiting.conversation, assigned: (await store.getConversation(started.conversation.id))!,
  }
}

/** Everything the Store answers about a population: two stores holding the same data answer the same. */
async function answersOf(store: Store, population: Population) {
  const sites = await store.listSites()
  const siteIds = sites.map((site) => site.id)
  const conversations = await store.listConversations({ siteIds }, 100)
  const visitorIds = [...new Set(conversations.map((conversation) => conversation.visitorId))].sort()
  const webhooks = await store.listWebhooks(siteIds)
  /** Search snippets are each engine's own; what was found must be the same. */
  const found = async (text: string, publicOnly = false) =>
    (await store.searchMessages({ siteIds, text, limit: 50, publicOnly })).map(({ snippet: _snippet, ...hit }) => hit)
  return {
    sites,
    siteByKey: await store.getSiteByKey('site_acme'),
    agents: await store.listAgents(),
    agentsOfAcme: await store.listAgentsOfSite(population.acme.id),
    agentByEmail: await store.getAgentByEmail('ADA@ACME.EXAMPLE'),
    session: await store.getSession(population.sessionHash, T0 + MINUTE),
    apiTokens: await store.listApiTokens(),
    apiTokenByHash: await store.getApiTokenByHash('hash-of-export-token'),
    cannedResponses: await store.listCannedResponses(siteIds),
    visitors: await Promise.all(visitorIds.map((id) => store.getVisitor(id))),
    visitorByToken: await store.getVisitorByToken(population.acme.id, 'token-of-vera'),
    visitorByExternalId: await store.getVisitorByExternalId(population.acme.id, 'user-42'),
    conversations,
    queued: await store.listQueued(siteIds, 10),
    assignedCounts: [...(await store.countAssignedByAgent((await store.listAgents()).map((agent) => agent.id)))],
    messages: await Promise.all(conversations.map((conversation) => store.messagesAfter(conversation.id, 0, 100))),
    visitorsView: await store.messagesAfter(population.closed.id, 0, 100, { publicOnly: true }),
    earlier: await store.messagesBefore(population.closed.id, 4, 2),
    exported: await store.exportMessages({ siteIds, limit: 1000 }),
    byApiKey: await store.findMessageByApiKey({ tokenId: population.tokenId, key: 'idem-1' }),
    byClientId: await store.findMessageByClientId('agent', population.ada.id, 'a1'),
    searches: {
      cafe: await found('cafe'),
      order: await found('order'),
      refund: await found('refund'),
      refundPublicOnly: await found('refund', true),
    },
    conversationsWithText: await store.listConversations({ siteIds, text: 'order' }, 100),
    audit: await store.listAudit({ limit: AUDIT_ENTRIES + 10 }),
    auditOfAcme: await store.listAudit({ siteIds: [population.acme.id], limit: 5 }),
    webhooks,
    deliveries: await Promise.all(webhooks.map((webhook) => store.listWebhookDeliveries(webhook.id, 100))),
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

describe.skipIf(withoutPostgres)('parley copy-database', () => {
  let dir: string
  let sourcePath: string
  let schema: string
  let target: string
  const opened: Store[] = []

  async function open(url: string): Promise<Store> {
    const store = await openStore(url, { sqliteSynchronous: 'normal' })
    opened.push(store)
    return store
  }

  /** A populated source file, closed as a stopped Parley node leaves it. */
  async function populatedSource(): Promise<Population> {
    const store = await openStore(`sqlite:${sourcePath}`, { sqliteSynchronous: 'normal' })
    try {
      return await populate(store)
    } finally {
      await store.close()
    }
  }

  async function rowsInTarget(): Promise<Record<string, number>> {
    return onPostgres(async (client) => {
      const { rows: tables } = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name`, [schema])
      const counts: Record<string, number> = {}
      for (const { table_name: table } of tables) {
        counts[table] = Number((await client.query(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0].n)
      }
      return counts
    })
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'parley-copy-test-'))
    sourcePath = path.join(dir, 'parley.db')
    schema = `parley_copy_${randomBytes(6).toString('hex')}`
    target = postgresUrlOf(schema)
  })

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
    await onPostgres((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`))
    await rm(dir, { recursive: true, force: true })
  })

  it('copies every table: the copy answers as the source does, and the source is left as it was', async () => {
    const population = await populatedSource()
    const before = sha256(await readFile(sourcePath))

    const run = await parley(['copy-database', '--from', `sqlite:${sourcePath}`, '--to', target])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`^Copied sqlite:${sourcePath} into postgres://.*: \\d+ rows\\.\\n`))
    expect(run.stdout).toMatch(/^ {2}messages +\d+$/m)
    expect(run.stdout).toMatch(new RegExp(`^ {2}audit_log +${AUDIT_ENTRIES}$`, 'm'))

    const source = await open(`sqlite:${sourcePath}`)
    const copy = await open(target)
    const expected = await answersOf(source, population)
    expect(expected.searches.cafe).toHaveLength(1) // the accent-folded search found something to compare
    expect(expected.searches.refund).toHaveLength(1)
    expect(expected.searches.refundPublicOnly).toHaveLength(0)
    expect(expected.audit).toHaveLength(AUDIT_ENTRIES)
    expect(await answersOf(copy, population)).toEqual(expected)
    await source.close()
    expect(sha256(await readFile(sourcePath))).toBe(before)
  })

  it('keeps sign-in data: the password hash verifies, the session is still valid', async () => {
    const population = await populatedSource()
    expect((await parley(['copy-database', '--from', `sqlite:${sourcePath}`, '--to', target])).code).toBe(0)

    const copy = await open(target)
    const ada = await copy.getAgentByEmail('ada@acme.example')
    expect(await verifyPassword(PASSWORD, ada!.passwordHash)).toBe(true)
    expect(await verifyPassword('wrong horse battery', ada!.passwordHash)).toBe(false)
    expect(await copy.getSession(population.sessionHash, T0 + MINUTE)).toMatchObject({ agentId: ada!.id })
  })

  it('lets new writes carry on: fresh ids in every table, and sequence numbers that continue', async () => {
    const population = await populatedSource()
    expect((await parley(['copy-database', '--from', `sqlite:${sourcePath}`, '--to', target])).code).toBe(0)
    const copy = await open(target)
    const now = T0 + 60 * MINUTE

    const reply = await copy.appendAgentMessage({ conversationId: population.assigned.id, agentName: 'Bot', clientId: 'after-copy', text: 'Still there?', now })
    expect(reply.message.seq).toBe(population.assigned.lastSeq + 1)
    expect(reply.conversation.lastSeq).toBe(population.assigned.lastSeq + 1)
    const everyMessage = await copy.exportMessages({ siteIds: [population.acme.id, population.globex.id], limit: 1000 })
    expect(reply.message.id).toBe(Math.max(...everyMessage.filter((m) => m.id !== reply.message.id).map((m) => m.id)) + 1)

    const reopened = await copy.appendVisitorMessage({
      siteId: population.acme.id, visitorId: population.vera.id, clientId: 'v-after', text: 'Back again', reopenWindowMs: REOPEN_WINDOW, now,
    })
    expect(reopened.change).toBe('opened') // the closed one is past the reopen window
    expect(reopened.conversation.id).toBeGreaterThan(Math.max(population.closed.id, population.queued.id, population.assigned.id))
    expect(reopened.message.seq).toBe(1)

    const maxId = async (list: () => Promise<{ id: number }[]>) => Math.max(...(await list()).map((row) => row.id))
    const site = await copy.createSite({ name: 'New', key: 'site_new', allowedOrigins: [], widget: { color: '#000000', greeting: 'Hi', position: 'right' } })
    expect(site.id).toBe(population.globex.id + 1)
    const agentMax = await maxId(() => copy.listAgents())
    expect((await copy.createAgent({ name: 'Dee', email: 'dee@acme.example', passwordHash: 'x', role: 'agent', capacity: 1, siteIds: [site.id] })).id).toBe(agentMax + 1)
    expect((await copy.createVisitor(site.id, 'token-of-new', {}, now)).id).toBeGreaterThan(population.vera.id + 2)
    const tokenMax = await maxId(() => copy.listApiTokens())
    expect((await copy.createApiToken({ name: 'New', tokenHash: 'hash-of-new', siteIds: [] })).id).toBe(tokenMax + 1)
    const cannedMax = await maxId(() => copy.listCannedResponses([population.acme.id, population.globex.id]))
    expect((await copy.createCannedResponse({ siteId: site.id, shortcut: 'hello', text: 'New hello' })).id).toBe(cannedMax + 1)
    expect((await copy.recordAudit({ at: now, actor: 'system', action: 'test', subject: 'site:1', details: {} })).id).toBe(AUDIT_ENTRIES + 1)
    const webhook = await copy.createWebhook({ siteId: site.id, url: 'https://hooks.new.example', secret: 's', events: ['message.created'] })
    expect(webhook.id).toBe(population.webhookId + 2)
    expect(await copy.enqueueWebhookDeliveries(site.id, 'message.created', '{}', now)).toBe(1)
    const [delivery] = await copy.listWebhookDeliveries(webhook.id, 1)
    expect(delivery!.id).toBe(3)
  })

  it('prints rows per table as JSON with --json, without the password of the target', async () => {
    await populatedSource()
    const withPassword = new URL(target)
    withPassword.password = 'not-needed' // trust authentication ignores it
    const run = await parley(['copy-database', '--from', `sqlite:${sourcePath}`, '--to', withPassword.toString(), '--json'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).not.toContain('not-needed')
    const result = JSON.parse(run.stdout) as { from: string; to: string; tables: { table: string; rows: number }[]; leftBehind: string[]; sourceMigrated: number[] }
    expect(result.from).toBe(`sqlite:${sourcePath}`)
    expect(result.to).toContain('***')
    expect(result.sourceMigrated).toEqual([])
    const rows = Object.fromEntries(result.tables.map(({ table, rows }) => [table, rows]))
    expect(rows).toEqual(await rowsInTarget())
    expect(rows).toMatchObject({ sites: 2, agents: 3, agent_sites: 4, sessions: 1, api_tokens: 2, api_token_sites: 1, canned_responses: 3, visitors: 3, conversations: 3, webhooks: 2, webhook_deliveries: 2, api_idempotency: 1, audit_log: AUDIT_ENTRIES })
    expect(rows.messages).toBe(9)
    // Parents come before children.
    const position = (table: string) => result.tables.findIndex((entry) => entry.table === table)
    expect(position('sites')).toBeLessThan(position('visitors'))
    expect(position('conversations')).toBeLessThan(position('messages'))
    expect(position('messages')).toBeLessThan(position('api_idempotency'))
  })

  it('refuses a target that already holds data, and writes nothing', async () => {
    await populatedSource()
    const existing = await open(target)
    await existing.createSite({ name: 'Already here', key: 'site_here', allowedOrigins: [], widget: { color: '#000000', greeting: 'Hi', position: 'right' } })

    const run = await parley(['copy-database', '--from', `sqlite:${sourcePath}`, '--to', target])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe('parley: the target already holds data (in sites): copy into an empty database or schema; nothing was written\n')
    expect(run.stdout).toBe('')
    expect((await existing.listSites()).map((site) => site.name)).toEqual(['Already here'])
    expect(await existing.countAgents()).toBe(0)
  })

  it('leaves the target empty when a row cannot be copied', async () => {
    await populatedSource()
    // A target that refuses one of the source's messages, late in the copy: everything before it must go too.
    await (await open(target)).close()
    await onPostgres((client) => client.query(`ALTER TABLE ${schema}.messages ADD CONSTRAINT refuse_orders CHECK (text NOT LIKE '%order 1234%')`))

    const run = await parley(['copy-database', '--from', `sqlite:${sourcePath}`, '--to', target])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^parley: copying messages failed, nothing was written: .*refuse_orders/)
    expect(Object.values(await rowsInTarget()).every((count) => count === 0)).toBe(true)
    expect(Object.keys(await rowsInTarget())).toContain('sites')

    // With the obstacle gone, the same target takes the copy, and its ids start where the source's end.
    await onPostgres((client) => client.query(`ALTER TABLE ${schema}.messages DROP CONSTRAINT refuse_orders`))
    expect((await parley(['copy-database', '--from', `sqlite:${sourcePath}`, '--to', target])).code).toBe(0)
    const copy = await open(target)
    expect((await copy.createSite({ name: 'Third', key: 'site_third', allowedOrigins: [], widget: { color: '#000000', greeting: 'Hi', position: 'right' } })).id).toBe(3)
  })

  it('migrates an out-of-date source in a temporary copy, leaving the file as it was', async () => {
    const older = sqliteMigrations.slice(0, -1)
    const db = new Database(sourcePath)
    for (const migration of older) db.exec(migration.sql)
    db.pragma(`user_version = ${older.at(-1)!.version}`)
    db.prepare(`INSERT INTO sites (name, key, allowed_origins, widget, created_at) VALUES ('Old', 'site_old', '[]', '{"color":"#000000","greeting":"Hi","position":"right"}', ?)`).run(T0)
    db.close()
    const before = sha256(await readFile(sourcePath))

    const run = await parley(['copy-database', '--from', `sqlite:${sourcePath}`, '--to', target, '--json'])
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).sourceMigrated).toEqual([sqliteMigrations.at(-1)!.version])
    expect(await (await open(target)).getSiteByKey('site_old')).toMatchObject({ name: 'Old', verifiedOnly: false, allowedOrigins: [] })
    expect(sha256(await readFile(sourcePath))).toBe(before)
    const reopened = new Database(sourcePath, { readonly: true })
    expect(reopened.pragma('user_version', { simple: true })).toBe(older.at(-1)!.version)
    reopened.close()
  })

  it('refuses missing or wrong locations with exit code 2 and a message', async () => {
    const noTarget = await parley(['copy-database', '--from', `sqlite:${sourcePath}`])
    expect(noTarget.code).toBe(2)
    expect(noTarget.stderr).toBe('parley: copy-database needs --from sqlite:PATH and --to postgres://USER@HOST/DATABASE\n')

    const noFile = await parley(['copy-database', '--from', `sqlite:${sourcePath}`, '--to', target])
    expect(noFile.code).toBe(2)
    expect(noFile.stderr).toBe(`parley: --from: there is no file ${sourcePath}\n`)

    const backwards = await parley(['copy-database', '--from', target, '--to', `sqlite:${sourcePath}`])
    expect(backwards.code).toBe(2)
    expect(backwards.stderr).toMatch(/^parley: --from must name a SQLite file/)

    await populatedSource()
    const nobodyListening = await parley(['copy-database', '--from', `sqlite:${sourcePath}`, '--to', 'postgres://postgres@127.0.0.1:1/test'])
    expect(nobodyListening.code).toBe(2)
    expect(nobodyListening.stderr).toMatch(/^parley: --to: cannot open the PostgreSQL database: .*ECONNREFUSED/)
  })

  it('is listed in the usage', async () => {
    const run = await parley(['--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('copy-database  --from sqlite:PATH --to postgres://USER@HOST/DATABASE[?schema=NAME]')
  })
})

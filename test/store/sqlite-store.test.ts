import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../server/store/index.js'
import type { SqliteStore, SqliteStoreOptions } from '../../server/store/index.js'
import { migrations } from '../../server/store/sqlite/migrations.js'
import { describeStoreCases } from './store.cases.js'

const T0 = Date.UTC(2025, 0, 1)
const widget = { color: '#0a7cff', greeting: 'Hi!', position: 'right' } as const

let caseDir = ''
describeStoreCases(
  'SqliteStore',
  async () => {
    caseDir = await mkdtemp(join(tmpdir(), 'parley-store-'))
    return openSqliteStore({ path: join(caseDir, 'parley.db') })
  },
  () => rm(caseDir, { recursive: true, force: true }),
)

describe('SqliteStore on its file', () => {
  let dir: string
  let path: string
  const opened: SqliteStore[] = []

  function open(options: Omit<SqliteStoreOptions, 'path'> = {}): SqliteStore {
    const store = openSqliteStore({ path, ...options })
    opened.push(store)
    return store
  }

  /** A second connection, as another process would see the file. */
  function inspect<T>(read: (db: Database.Database) => T): T {
    const db = new Database(path, { readonly: true })
    try {
      return read(db)
    } finally {
      db.close()
    }
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-sqlite-'))
    path = join(dir, 'data', 'parley.db')
  })

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('creates the directory of its file', async () => {
    await open().migrate()

    expect(existsSync(path)).toBe(true)
  })

  it('runs in WAL mode', async () => {
    await open().migrate()

    expect(inspect((db) => db.pragma('journal_mode', { simple: true }))).toBe('wal')
  })

  it('enforces foreign keys, undoing the whole write that broke one', async () => {
    const store = open()
    await store.migrate()

    await expect(store.createAgent({
      name: 'Ann', email: 'ann@example.com', passwordHash: 'hash', role: 'agent', capacity: 3, siteIds: [404],
    })).rejects.toThrow(/FOREIGN KEY/)
    expect(await store.countAgents()).toBe(0)
  })

  it('will not open a conversation for a visitor of another site', async () => {
    const store = open()
    await store.migrate()
    const acme = await store.createSite({ name: 'Acme', key: 'acme', allowedOrigins: ['*'], widget })
    const globex = await store.createSite({ name: 'Globex', key: 'globex', allowedOrigins: ['*'], widget })
    const visitor = await store.createVisitor(acme.id, 'visitor-token', {}, T0)

    await expect(store.appendVisitorMessage({
      siteId: globex.id, visitorId: visitor.id, clientId: 'c1', text: 'Hi', reopenWindowMs: 0, now: T0,
    })).rejects.toThrow(/FOREIGN KEY/)
  })

  it('records applied migrations in user_version, and a second migrate applies nothing', async () => {
    const store = open()
    const latest = migrations.at(-1)!.version

    expect(await store.migrate()).toEqual(migrations.map((migration) => migration.version))
    expect(await store.migrate()).toEqual([])
    expect(inspect((db) => db.pragma('user_version', { simple: true }))).toBe(latest)
  })

  it('lists its migrations in ascending, unique versions', () => {
    const versions = migrations.map((migration) => migration.version)

    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b))
  })

  it('refuses to work on a database that has not been migrated', async () => {
    await expect(open().listSites()).rejects.toThrow(/migrate/)
  })

  it('refuses a database written by a newer version of Parley', async () => {
    await open().migrate()
    const newer = new Database(path)
    newer.pragma('user_version = 9999')
    newer.close()

    await expect(open().migrate()).rejects.toThrow(/newer/)
  })

  it('keeps its data across close and reopen', async () => {
    const first = open({ synchronous: 'normal' })
    await first.migrate()
    const site = await first.createSite({ name: 'Acme', key: 'acme', allowedOrigins: ['*'], widget })
    const visitor = await first.createVisitor(site.id, 'visitor-token', {}, T0)
    const { message } = await first.appendVisitorMessage({
      siteId: site.id, visitorId: visitor.id, clientId: 'c1', text: 'Still there?', reopenWindowMs: 0, now: T0,
    })
    await first.close()

    const second = open()
    expect(await second.migrate()).toEqual([])
    expect(await second.getSiteByKey('acme')).toEqual(site)
    expect(await second.messagesAfter(message.conversationId, 0, 10)).toEqual([message])
  })

  it('indexes for search the messages written before the search index existed, and forgets deleted ones', async () => {
    // A database as the release before search left it: schema version 3 with messages in it.
    await mkdir(dirname(path), { recursive: true })
    const old = new Database(path)
    for (const migration of migrations.filter((m) => m.version <= 3)) old.exec(migration.sql)
    old.pragma('user_version = 3')
    old.exec(`
      INSERT INTO sites (id, name, key, allowed_origins, widget, created_at) VALUES (1, 'Acme', 'acme', '["*"]', '{}', 0);
      INSERT INTO visitors (id, site_id, token_hash, first_seen_at, last_seen_at) VALUES (1, 1, 't', 0, 0);
      INSERT INTO conversations (id, site_id, visitor_id, status, created_at, updated_at, last_seq) VALUES (1, 1, 1, 'queued', 0, 0, 2);
      INSERT INTO messages (conversation_id, seq, kind, author_role, author_id, text, client_id, created_at)
        VALUES (1, 1, 'message', 'visitor', 1, 'parcel lost in transit', 'c1', 0);
      INSERT INTO messages (conversation_id, seq, kind, author_role, text, system_event, created_at)
        VALUES (1, 2, 'system', 'system', 'parcel joined', 'joined', 0);
    `)
    old.close()

    const store = open()
    expect(await store.migrate()).toEqual(migrations.filter((m) => m.version > 3).map((m) => m.version))
    expect((await store.searchMessages({ siteIds: [1], text: 'parcel', limit: 10 })).map((hit) => hit.message.text)).toEqual(['parcel lost in transit'])

    const writer = new Database(path)
    writer.exec('DELETE FROM conversations WHERE id = 1')
    // Throws if the index holds anything the table does not.
    writer.prepare(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`).run()
    writer.close()
    expect(await store.searchMessages({ siteIds: [1], text: 'parcel', limit: 10 })).toEqual([])
  })

  // Background indexing an hour apart: what a test stores stays waiting until it searches.
  const ONLY_ON_SEARCH = { searchIndexEveryMs: 3_600_000 }

  it('finds a message still waiting for the search index', async () => {
    const store = open(ONLY_ON_SEARCH)
    await store.migrate()
    const site = await store.createSite({ name: 'Acme', key: 'acme', allowedOrigins: ['*'], widget })
    const visitor = await store.createVisitor(site.id, 'visitor-token', {}, T0)
    const waiting = () => inspect((db) => db.prepare('SELECT count(*) FROM messages_fts_pending').pluck().get())
    const say = (clientId: string, text: string) =>
      store.appendVisitorMessage({ siteId: site.id, visitorId: visitor.id, clientId, text, reopenWindowMs: 0, now: T0 })

    await say('c1', 'my parcel is lost')
    expect(waiting()).toBe(1)
    expect((await store.searchMessages({ siteIds: [site.id], text: 'parcel', limit: 10 })).map((hit) => hit.message.text)).toEqual(['my parcel is lost'])
    expect(waiting()).toBe(0)
    await say('c2', 'the parcel arrived after all')
    expect(waiting()).toBe(1)
    expect(await store.listConversations({ siteIds: [site.id], text: 'arrived' }, 10)).toHaveLength(1)
    expect(waiting()).toBe(0)
  })

  it('indexes a backlog of several batches, for a search and in the background', async () => {
    const store = open()
    await store.migrate()
    const site = await store.createSite({ name: 'Acme', key: 'acme', allowedOrigins: ['*'], widget })
    const visitor = await store.createVisitor(site.id, 'visitor-token', {}, T0)
    const waiting = () => inspect((db) => db.prepare('SELECT count(*) FROM messages_fts_pending').pluck().get())
    const burst = (from: number) => Promise.all(Array.from({ length: 1_200 }, (_, i) =>
      store.appendVisitorMessage({ siteId: site.id, visitorId: visitor.id, clientId: `c${from + i}`, text: `backlog ${from + i}`, reopenWindowMs: 0, now: T0 })))

    await burst(0)
    expect(await store.searchMessages({ siteIds: [site.id], text: 'backlog', limit: 5_000 })).toHaveLength(1_200)
    await burst(1_200)
    await expect.poll(waiting, { timeout: 5_000, interval: 100 }).toBe(0)
    expect(await store.searchMessages({ siteIds: [site.id], text: 'backlog', limit: 5_000 })).toHaveLength(2_400)
  })

  it('keeps the search index whole when messages are erased before or after they were indexed', async () => {
    const store = open(ONLY_ON_SEARCH)
    await store.migrate()
    const site = await store.createSite({ name: 'Acme', key: 'acme', allowedOrigins: ['*'], widget })
    const erased = await store.createVisitor(site.id, 'erased', {}, T0)
    const kept = await store.createVisitor(site.id, 'kept', {}, T0)
    const say = (visitorId: number, clientId: string, text: string) =>
      store.appendVisitorMessage({ siteId: site.id, visitorId, clientId, text, reopenWindowMs: 0, now: T0 })
    await say(erased.id, 'e1', 'refund for order one')
    await store.searchMessages({ siteIds: [site.id], text: 'refund', limit: 10 }) // e1 indexed
    await say(erased.id, 'e2', 'refund for order two') // e2 still waiting
    await store.deleteVisitor(erased.id)
    // The erased visitor's last message id is free again: the next message may take it.
    await say(kept.id, 'k1', 'refund for order three')

    expect((await store.searchMessages({ siteIds: [site.id], text: 'refund', limit: 10 })).map((hit) => hit.message.text))
      .toEqual(['refund for order three'])
    const checked = new Database(path)
    // Throws if the index holds anything the messages table does not, or misses what it does.
    checked.prepare(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`).run()
    checked.close()
  })

  it('builds a webhook payload only when some webhook wants the event', async () => {
    const store = open()
    await store.migrate()
    const site = await store.createSite({ name: 'Acme', key: 'acme', allowedOrigins: ['*'], widget })
    let built = 0
    const payload = () => {
      built += 1
      return '{"n":1}'
    }

    expect(await store.enqueueWebhookDeliveries(site.id, 'message.created', payload, T0)).toBe(0)
    const webhook = await store.createWebhook({ siteId: site.id, url: 'http://127.0.0.1:1/hook', secret: 's', events: ['conversation.closed'] })
    expect(await store.enqueueWebhookDeliveries(site.id, 'message.created', payload, T0)).toBe(0)
    expect(built).toBe(0)
    expect(await store.enqueueWebhookDeliveries(site.id, 'conversation.closed', payload, T0)).toBe(1)
    expect(built).toBe(1)

    // What the site's webhooks want is remembered, and forgotten the moment one changes.
    await store.updateWebhook(webhook.id, { events: ['message.created'] })
    expect(await store.enqueueWebhookDeliveries(site.id, 'conversation.closed', payload, T0)).toBe(0)
    expect(await store.enqueueWebhookDeliveries(site.id, 'message.created', payload, T0)).toBe(1)
    await store.updateWebhook(webhook.id, { active: false })
    expect(await store.enqueueWebhookDeliveries(site.id, 'message.created', payload, T0)).toBe(0)
    await store.updateWebhook(webhook.id, { active: true })
    expect(await store.enqueueWebhookDeliveries(site.id, 'message.created', payload, T0)).toBe(1)
    await store.deleteWebhook(webhook.id)
    expect(await store.enqueueWebhookDeliveries(site.id, 'message.created', payload, T0)).toBe(0)
    expect(built).toBe(3)
  })

  it('copies committed writes from the log into the database file in the background', async () => {
    const store = open()
    await store.migrate()
    const site = await store.createSite({ name: 'Acme', key: 'acme', allowedOrigins: ['*'], widget })
    const visitor = await store.createVisitor(site.id, 'visitor-token', {}, T0)
    await store.appendVisitorMessage({ siteId: site.id, visitorId: visitor.id, clientId: 'c1', text: 'WORDS-TO-FIND-IN-THE-FILE', reopenWindowMs: 0, now: T0 })

    // Far below SQLite's own threshold for a checkpoint: only the checkpointer puts it there.
    await expect.poll(() => readFileSync(path).includes('WORDS-TO-FIND-IN-THE-FILE'), { timeout: 5_000, interval: 50 }).toBe(true)
  })

  it('leaves no readable trace of an erased visitor in the database file', async () => {
    const store = open(ONLY_ON_SEARCH)
    await store.migrate()
    const site = await store.createSite({ name: 'Acme', key: 'acme', allowedOrigins: ['*'], widget })
    const keep = await store.createVisitor(site.id, 'keep', {}, T0)
    await store.appendVisitorMessage({ siteId: site.id, visitorId: keep.id, clientId: 'k', text: 'ordinary words', reopenWindowMs: 0, now: T0 })
    const erased = await store.createVisitor(site.id, 'erased', { name: 'Zebedee Quixotic', email: 'zq@private.example' }, T0)
    for (let i = 0; i < 20; i++) {
      await store.appendVisitorMessage({ siteId: site.id, visitorId: erased.id, clientId: `c${i}`, text: `my passport is XK-SECRET-${i}`, reopenWindowMs: 0, now: T0 + i })
      // The first half in the search index, the rest still waiting for it, when the erasure comes.
      if (i === 9) expect(await store.searchMessages({ siteIds: [site.id], text: 'passport', limit: 20 })).toHaveLength(10)
    }

    await store.deleteVisitor(erased.id)

    const bytes = Buffer.concat([path, `${path}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file)))
    for (const trace of ['Zebedee', 'zq@private', 'XK-SECRET', 'xk', 'passport']) {
      expect(bytes.includes(Buffer.from(trace)), trace).toBe(false)
    }
    expect(bytes.includes(Buffer.from('ordinary words'))).toBe(true)
  })
})

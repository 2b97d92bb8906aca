/**
 * The shared store cases against a local PostgreSQL, each case in a fresh schema of its own,
 * and what only a networked database has to prove: several nodes writing at once.
 *
 * Without a reachable PostgreSQL the suite is skipped, loudly, except on CI, where it fails.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPostgresStore } from '../../server/store/index.js'
import type { Agent, PostgresStore, Site, Visitor } from '../../server/store/index.js'
import { migrations } from '../../server/store/postgres/migrations.js'
import { describeStoreCases } from './store.cases.js'

const connectionString = process.env.PARLEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const T0 = Date.UTC(2025, 0, 1)
const widget = { color: '#0a7cff', greeting: 'Hi!', position: 'right' } as const

/** Why PostgreSQL cannot be used, or undefined when it can. */
async function unreachableBecause(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

const problem = await unreachableBecause()
if (problem !== undefined) {
  if (process.env.CI === 'true') throw new Error(`PostgreSQL at ${connectionString} is required on CI: ${problem}`)
  console.warn(`\n*** PostgreSQL at ${connectionString} not reachable (${problem}): the PostgresStore tests are SKIPPED. Set PARLEY_TEST_POSTGRES_URL. ***\n`)
}

function freshSchemaName(): string {
  return `parley_test_${randomBytes(6).toString('hex')}`
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await client.end()
  }
}

describe.skipIf(problem !== undefined)('PostgreSQL', () => {
  let caseSchema = ''
  describeStoreCases(
    'PostgresStore',
    async () => {
      caseSchema = freshSchemaName()
      return openPostgresStore({ connectionString, schema: caseSchema })
    },
    () => dropSchema(caseSchema),
  )

  describe('PostgresStore shared by several nodes', () => {
    let schema: string
    const opened: PostgresStore[] = []

    /** A store with a pool of its own, as another Parley node would have. */
    function node(): PostgresStore {
      const store = openPostgresStore({ connectionString, schema })
      opened.push(store)
      return store
    }

    beforeEach(() => {
      schema = freshSchemaName()
    })

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close()
      await dropSchema(schema)
    })

    async function twoNodesAndAConversation() {
      const [a, b] = [node(), node()]
      const applied = await Promise.all([a.migrate(), b.migrate()])
      const site: Site = await a.createSite({ name: 'Acme', key: 'acme', allowedOrigins: ['*'], widget })
      const visitor: Visitor = await a.createVisitor(site.id, 'visitor-token', {}, T0)
      const ann: Agent = await a.createAgent({ name: 'Ann', email: 'ann@example.com', passwordHash: 'h', role: 'agent', capacity: 3, siteIds: [site.id] })
      const bob: Agent = await b.createAgent({ name: 'Bob', email: 'bob@example.com', passwordHash: 'h', role: 'agent', capacity: 3, siteIds: [site.id] })
      const { conversation } = await a.appendVisitorMessage({
        siteId: site.id, visitorId: visitor.id, clientId: 'v1', text: 'Hello?', reopenWindowMs: 0, now: T0,
      })
      return { a, b, applied, site, visitor, ann, bob, conversation }
    }

    it('migrates once when several nodes start at once', async () => {
      const { a, applied } = await twoNodesAndAConversation()

      expect(applied.flat()).toEqual(migrations.map((migration) => migration.version))
      expect(await a.migrate()).toEqual([])
    })

    it('gives messages written at once from two nodes consecutive sequence numbers, with no gap', async () => {
      const { a, b, ann, bob, conversation } = await twoNodesAndAConversation()
      const writes = Array.from({ length: 50 }, (_, i) => [
        a.appendAgentMessage({ conversationId: conversation.id, agentId: ann.id, agentName: 'Ann', clientId: `a${i}`, text: `a${i}`, now: T0 + 1 }),
        b.appendAgentMessage({ conversationId: conversation.id, agentId: bob.id, agentName: 'Bob', clientId: `b${i}`, text: `b${i}`, now: T0 + 1 }),
      ]).flat()

      const results = await Promise.all(writes)

      const seqs = results.map((result) => result.message.seq).sort((x, y) => x - y)
      expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 2))
      expect((await a.getConversation(conversation.id))?.lastSeq).toBe(101)
      expect((await b.messagesAfter(conversation.id, 0, 200)).map((message) => message.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1))
    })

    it('stores a client id sent from two nodes at once only once', async () => {
      const { a, b, site, visitor, ann, conversation } = await twoNodesAndAConversation()
      const agentSays = (store: PostgresStore) => store.appendAgentMessage({
        conversationId: conversation.id, agentId: ann.id, agentName: 'Ann', clientId: 'same', text: 'Hi!', now: T0 + 1,
      })
      const visitorSays = (store: PostgresStore) => store.appendVisitorMessage({
        siteId: site.id, visitorId: visitor.id, clientId: 'same', text: 'Again', reopenWindowMs: 0, now: T0 + 2,
      })

      const agentResults = await Promise.all([agentSays(a), agentSays(b), agentSays(a), agentSays(b)])
      const visitorResults = await Promise.all([visitorSays(a), visitorSays(b), visitorSays(a), visitorSays(b)])

      for (const results of [agentResults, visitorResults]) {
        expect(results.filter((result) => !result.duplicate)).toHaveLength(1)
        expect(new Set(results.map((result) => result.message.id)).size).toBe(1)
      }
      expect((await a.messagesAfter(conversation.id, 0, 10)).map((message) => message.clientId)).toEqual(['v1', 'same', 'same'])
    })

    it('stores an API message sent with the same Idempotency-Key from two nodes at once only once', async () => {
      const { a, b, site, conversation } = await twoNodesAndAConversation()
      const token = await a.createApiToken({ name: 'crm', tokenHash: 'h', siteIds: [site.id] })
      const botSays = (store: PostgresStore, clientId: string) => store.appendAgentMessage({
        conversationId: conversation.id, agentName: 'Shopbot', clientId, text: 'beep', now: T0 + 1, apiKey: { tokenId: token.id, key: 'k' },
      })

      const results = await Promise.all([botSays(a, 'x1'), botSays(b, 'x2'), botSays(a, 'x3'), botSays(b, 'x4')])

      expect(results.filter((result) => !result.duplicate)).toHaveLength(1)
      expect(new Set(results.map((result) => result.message.id)).size).toBe(1)
      expect((await a.getConversation(conversation.id))?.lastSeq).toBe(2)
    })

    it('opens one conversation when the first messages of a new visitor reach two nodes at once', async () => {
      const { a, b, site } = await twoNodesAndAConversation()
      const newcomer = await a.createVisitor(site.id, 'newcomer-token', {}, T0)
      const says = (store: PostgresStore, clientId: string) => store.appendVisitorMessage({
        siteId: site.id, visitorId: newcomer.id, clientId, text: clientId, reopenWindowMs: 0, now: T0 + 1,
      })

      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => [says(a, `a${i}`), says(b, `b${i}`)]).flat())

      expect(new Set(results.map((result) => result.conversation.id)).size).toBe(1)
      expect(results.filter((result) => result.change === 'opened')).toHaveLength(1)
      expect(results.map((result) => result.message.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    })

    it('lets exactly one of two nodes claiming the same conversation at once win', async () => {
      const { a, b, ann, bob, conversation } = await twoNodesAndAConversation()
      const claim = (store: PostgresStore, agent: Agent) => store.transition({
        conversationId: conversation.id,
        from: { statuses: ['queued'] },
        to: { status: 'assigned', assigneeId: agent.id },
        system: { event: 'joined', text: `${agent.name} joined` },
        now: T0 + 1,
      })

      const results = await Promise.all([claim(a, ann), claim(b, bob), claim(a, ann), claim(b, bob)])

      const winners = results.filter((result) => result !== undefined)
      expect(winners).toHaveLength(1)
      expect(await b.getConversation(conversation.id)).toMatchObject({ status: 'assigned', assigneeId: winners[0]!.conversation.assigneeId, lastSeq: 2 })
    })

    it('refuses a schema written by a newer version of Parley', async () => {
      const store = node()
      await store.migrate()
      const client = new pg.Client({ connectionString })
      await client.connect()
      await client.query(`INSERT INTO ${schema}.schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`)
      await client.end()

      await expect(store.migrate()).rejects.toThrow(/newer/)
    })

    it('marks a word found without its accents with the accents it was written with', async () => {
      const { a, site, visitor } = await twoNodesAndAConversation()
      await a.appendVisitorMessage({ siteId: site.id, visitorId: visitor.id, clientId: 'v2', text: 'Un café crème, SVP', reopenWindowMs: 0, now: T0 + 1 })

      const [hit] = await a.searchMessages({ siteIds: [site.id], text: 'CAFE creme', limit: 10 })

      expect(hit?.snippet).toBe('Un \u0002café\u0003 \u0002crème\u0003, SVP')
    })

    it('refuses a schema name that is not a plain identifier', () => {
      expect(() => openPostgresStore({ connectionString, schema: 'x; DROP TABLE sites' })).toThrow(/plain/)
    })
  })
})

/**
 * The shared store cases against a local PostgreSQL, each case in a fresh schema of its own,
 * and what only a networked database has to prove: several nodes writing at once.
 *
 * Without a reachable PostgreSQL the suite is skipped, loudly, except on CI, where it fails.
 */
import pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPostgresStore } from '../../server/store/index.js'
import type { Agent, PostgresStore, Site, Visitor } from '../../server/store/index.js'
import { migrations } from '../../server/store/postgres/migrations.js'
import { missingServices, POSTGRES_URL as connectionString } from '../support/services.js'
import { dropSchema, freshSchemaName, onTheSide } from '../support/test-database.js'
import { describeStoreCases } from './store.cases.js'

const T0 = Date.UTC(2025, 0, 1)
const widget = { color: '#0a7cff', greeting: 'Hi!', position: 'right' } as const

describe.skipIf(await missingServices('the PostgresStore tests', 'postgres'))('PostgreSQL', () => {
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

      // Each migration once, by whichever node took the lock for it first.
      expect(applied.flat().sort((x, y) => x - y)).toEqual(migrations.map((migration) => migration.version))
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
      await onTheSide(`INSERT INTO ${schema}.schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`)

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

    describe('webhook delivery claims', () => {
      /** Two migrated nodes and `count` deliveries due at T0, in id order. */
      async function twoNodesAndDueDeliveries(count: number) {
        const [a, b] = [node(), node()]
        await Promise.all([a.migrate(), b.migrate()])
        const site = await a.createSite({ name: 'Acme', key: 'acme', allowedOrigins: ['*'], widget })
        const webhook = await a.createWebhook({ siteId: site.id, url: 'http://127.0.0.1:1/hook', secret: 's', events: ['message.created'] })
        await onTheSide(`
          INSERT INTO ${schema}.webhook_deliveries (webhook_id, event, payload, status, next_attempt_at, created_at)
          SELECT $1, 'message.created', '{"n":' || n || '}', 'pending', $2, $2 FROM generate_series(1, $3) AS n`, [webhook.id, T0, count])
        const ids = (await a.listWebhookDeliveries(webhook.id, count)).map((delivery) => delivery.id).sort((x, y) => x - y)
        return { a, b, ids }
      }

      it('gives two nodes claiming at once disjoint sets, which together cover every due delivery', async () => {
        const { a, b, ids } = await twoNodesAndDueDeliveries(400)
        const claimedBy = new Map<PostgresStore, number[]>([[a, []], [b, []]])
        const claim = async (store: PostgresStore, claimant: string) => {
          const claimed = await store.claimDueDeliveries({ now: T0 + 1, limit: 7, leaseMs: 60_000, claimant })
          claimedBy.get(store)!.push(...claimed.map((delivery) => delivery.id))
          return claimed.length
        }

        // Rounds of four claims from each node at once, until a round finds nothing left.
        for (let round = 0; round < 100; round++) {
          const counts = await Promise.all([a, b].flatMap((store, n) => Array.from({ length: 4 }, (_, i) => claim(store, `node-${n}-${i}`))))
          if (counts.every((count) => count === 0)) break
        }

        const all = [...claimedBy.get(a)!, ...claimedBy.get(b)!]
        expect(all).toHaveLength(new Set(all).size)
        expect(all.sort((x, y) => x - y)).toEqual(ids)
        expect(claimedBy.get(a)!.length).toBeGreaterThan(0)
        expect(claimedBy.get(b)!.length).toBeGreaterThan(0)
      })

      it('passes over deliveries another node is claiming at that moment, rather than waiting for it', async () => {
        const { b, ids } = await twoNodesAndDueDeliveries(5)
        const other = new pg.Client({ connectionString })
        await other.connect()
        try {
          // Another node's claim, caught between locking its rows and committing.
          await other.query('BEGIN')
          await other.query(`SELECT id FROM ${schema}.webhook_deliveries WHERE id = ANY($1) FOR UPDATE`, [ids.slice(0, 2)])

          const claimed = await Promise.race([
            b.claimDueDeliveries({ now: T0 + 1, limit: 10, leaseMs: 60_000, claimant: 'node-b' }),
            sleep(3_000).then(() => 'still waiting for the other node' as const),
          ])

          expect(claimed).not.toBe('still waiting for the other node')
          expect((claimed as { id: number }[]).map((delivery) => delivery.id)).toEqual(ids.slice(2))
        } finally {
          await other.query('ROLLBACK').catch(() => {})
          await other.end()
        }
      })
    })

    describe('exclusive sections', () => {
      async function twoNodes() {
        const [a, b] = [node(), node()]
        await Promise.all([a.migrate(), b.migrate()])
        return { a, b }
      }

      it('never lets two nodes inside a section of the same name at once', async () => {
        const { a, b } = await twoNodes()
        const visits: { node: string; entered: number; left: number }[] = []
        const visit = (store: PostgresStore, name: string) => store.exclusively('routing site 1', async () => {
          const entered = performance.now()
          // Awaits of every kind inside, so that the other node has every chance to slip in.
          await store.countAgents()
          await sleep(5)
          await store.listSites()
          visits.push({ node: name, entered, left: performance.now() })
        })

        await Promise.all(Array.from({ length: 8 }, () => [visit(a, 'a'), visit(b, 'b')]).flat())

        visits.sort((x, y) => x.entered - y.entered)
        for (const [previous, next] of visits.slice(1).map((visit, i) => [visits[i]!, visit] as const)) {
          expect(next.entered, `${next.node} entered before ${previous.node} left`).toBeGreaterThanOrEqual(previous.left)
        }
        expect(new Set(visits.map((visit) => visit.node))).toEqual(new Set(['a', 'b']))
      })

      it('lets two nodes into sections of different names at once', async () => {
        const { a, b } = await twoNodes()
        let openGate!: () => void
        const gate = new Promise<void>((resolve) => (openGate = resolve))
        const holding = a.exclusively('routing site 1', () => gate)

        expect(await b.exclusively('routing site 2', async () => 'not held up')).toBe('not held up')
        openGate()
        await holding
      })

      it('frees the lock for the other node when work throws', async () => {
        const { a, b } = await twoNodes()

        await expect(a.exclusively('routing site 1', async () => {
          await a.countAgents()
          throw new Error('routing failed')
        })).rejects.toThrow('routing failed')

        const next = await Promise.race([b.exclusively('routing site 1', async () => 'entered'), sleep(3_000).then(() => 'still locked')])
        expect(next).toBe('entered')
      })

      it('frees the lock of a node whose connection dies while holding it', async () => {
        const { a, b } = await twoNodes()
        let openGate!: () => void
        const gate = new Promise<void>((resolve) => (openGate = resolve))
        let entered = false
        const holding = a.exclusively('routing site 1', async () => {
          entered = true
          await gate
        })
        while (!entered) await sleep(5)

        // The database ends the holder's session, as when its node dies or its network goes.
        const [holder] = await onTheSide<{ pid: number }>(`
          SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
            AND classid = hashtext($1)::oid AND objid = hashtext($2)::oid`, [schema, 'routing site 1'])
        expect(holder).toBeDefined()
        await onTheSide('SELECT pg_terminate_backend($1)', [holder!.pid])

        const next = await Promise.race([b.exclusively('routing site 1', async () => 'entered'), sleep(3_000).then(() => 'still locked')])
        expect(next).toBe('entered')
        openGate()
        await holding
        // Node a carries on: its next section takes a fresh connection.
        expect(await a.exclusively('routing site 1', async () => 'again')).toBe('again')
      })
    })
  })
})

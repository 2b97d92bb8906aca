/**
 * What every Store must do, whatever it is built on. Each implementation's test file calls
 * `describeStoreCases` with a way to open a fresh, empty store of its kind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StoreConflictError } from '../../server/store/index.js'
import type { Agent, NewAgent, NewSite, Site, Store, Visitor, VisitorMessageInput } from '../../server/store/index.js'

const T0 = Date.UTC(2025, 0, 1)
const MINUTE = 60_000
const REOPEN_WINDOW = 30 * MINUTE

function newSite(key: string): NewSite {
  return {
    name: `Site ${key}`,
    key,
    allowedOrigins: [`https://${key}.example`],
    widget: { color: '#0a7cff', greeting: 'Hi! How can we help?', position: 'right' },
  }
}

function newAgent(email: string, siteIds: number[]): NewAgent {
  return { name: email.split('@')[0]!, email, passwordHash: 'hash', role: 'agent', capacity: 3, siteIds }
}

/**
 * @param open a fresh, empty store; the suite migrates it, and closes it after each case.
 * @param cleanup runs after each case's store is closed (remove its file, drop its schema).
 */
export function describeStoreCases(
  name: string,
  open: () => Promise<Store>,
  cleanup?: () => Promise<void> | void,
): void {
  describe(name, () => {
    let store: Store

    beforeEach(async () => {
      store = await open()
      await store.migrate()
    })

    afterEach(async () => {
      await store.close()
      await cleanup?.()
    })

    /** One site with a visitor, for the many cases that need nothing more. */
    async function siteWithVisitor(): Promise<{ site: Site; visitor: Visitor }> {
      const site = await store.createSite(newSite('acme'))
      const visitor = await store.createVisitor(site.id, 'visitor-token', {}, T0)
      return { site, visitor }
    }

    function visitorSays(visitor: Visitor, clientId: string, now: number, text = `text of ${clientId}`) {
      const input: VisitorMessageInput = {
        siteId: visitor.siteId, visitorId: visitor.id, clientId, text, reopenWindowMs: REOPEN_WINDOW, now,
      }
      return store.appendVisitorMessage(input)
    }

    function claim(conversationId: number, agent: Agent, now: number) {
      return store.transition({
        conversationId,
        from: { statuses: ['queued'] },
        to: { status: 'assigned', assigneeId: agent.id },
        system: { event: 'joined', text: `${agent.name} joined` },
        now,
      })
    }

    function close(conversationId: number, now: number) {
      return store.transition({
        conversationId,
        from: { statuses: ['queued', 'assigned'] },
        to: { status: 'closed', assigneeId: null },
        now,
      })
    }

    describe('sites', () => {
      it('finds a created site by id, by key and in the list', async () => {
        const acme = await store.createSite(newSite('acme'))
        const globex = await store.createSite(newSite('globex'))

        expect(acme).toMatchObject({ ...newSite('acme'), id: expect.any(Number), createdAt: expect.any(Number) })
        expect(await store.getSite(acme.id)).toEqual(acme)
        expect(await store.getSiteByKey('globex')).toEqual(globex)
        expect(await store.listSites()).toEqual([acme, globex])
      })

      it('finds nothing for an unknown id or key', async () => {
        expect(await store.getSite(12345)).toBeUndefined()
        expect(await store.getSiteByKey('nope')).toBeUndefined()
      })

      it('refuses a second site with the same key, naming the field', async () => {
        await store.createSite(newSite('acme'))
        const second = store.createSite({ ...newSite('acme'), name: 'Another Acme' })

        await expect(second).rejects.toBeInstanceOf(StoreConflictError)
        await expect(second).rejects.toMatchObject({ field: 'key' })
        expect(await store.listSites()).toHaveLength(1)
      })
    })

    describe('agents', () => {
      it('creates an active agent serving the given sites', async () => {
        const acme = await store.createSite(newSite('acme'))
        const globex = await store.createSite(newSite('globex'))
        const ann = await store.createAgent(newAgent('ann@example.com', [globex.id, acme.id]))

        expect(ann).toMatchObject({
          name: 'ann', email: 'ann@example.com', role: 'agent', capacity: 3, active: true, status: 'offline',
        })
        expect([...ann.siteIds].sort()).toEqual([acme.id, globex.id].sort())
        expect(await store.getAgent(ann.id)).toEqual(ann)
        expect(await store.countAgents()).toBe(1)
      })

      it('finds an agent by email whatever its case, keeping the case it was given', async () => {
        const ann = await store.createAgent(newAgent('Ann@Example.com', []))

        expect(await store.getAgentByEmail('ann@example.COM')).toEqual(ann)
        expect(ann.email).toBe('Ann@Example.com')
      })

      it('refuses a second agent whose email differs only in case, naming the field', async () => {
        await store.createAgent(newAgent('ann@example.com', []))
        const second = store.createAgent(newAgent('ANN@example.com', []))

        await expect(second).rejects.toBeInstanceOf(StoreConflictError)
        await expect(second).rejects.toMatchObject({ field: 'email' })
        expect(await store.countAgents()).toBe(1)
      })

      it('lists the agents serving a site, and only those', async () => {
        const acme = await store.createSite(newSite('acme'))
        const globex = await store.createSite(newSite('globex'))
        const ann = await store.createAgent(newAgent('ann@example.com', [acme.id]))
        const bob = await store.createAgent(newAgent('bob@example.com', [acme.id, globex.id]))
        await store.createAgent(newAgent('cat@example.com', [globex.id]))

        const serving = await store.listAgentsOfSite(acme.id)
        expect(serving.map((agent) => agent.id).sort()).toEqual([ann.id, bob.id].sort())
      })

      it('keeps the status an agent chose', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        await store.setAgentStatus(ann.id, 'away')

        expect((await store.getAgent(ann.id))?.status).toBe('away')
      })
    })

    describe('sessions and API tokens', () => {
      it('finds a session until the moment it expires', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        const session = { tokenHash: 'session-hash', agentId: ann.id, createdAt: T0, expiresAt: T0 + MINUTE }
        await store.createSession(session)

        expect(await store.getSession('session-hash', T0 + MINUTE - 1)).toEqual(session)
        expect(await store.getSession('session-hash', T0 + MINUTE)).toBeUndefined()
      })

      it('forgets a deleted session', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        await store.createSession({ tokenHash: 'session-hash', agentId: ann.id, createdAt: T0, expiresAt: T0 + MINUTE })
        await store.deleteSession('session-hash')

        expect(await store.getSession('session-hash', T0)).toBeUndefined()
      })

      it('creates an API token limited to its sites', async () => {
        const acme = await store.createSite(newSite('acme'))
        const token = await store.createApiToken({ name: 'export', tokenHash: 'api-hash', siteIds: [acme.id] })

        expect(token).toMatchObject({ name: 'export', tokenHash: 'api-hash', siteIds: [acme.id] })
        expect(token).not.toHaveProperty('revokedAt')
      })
    })

    describe('visitors', () => {
      it('finds a visitor by token only on the site the token belongs to', async () => {
        const acme = await store.createSite(newSite('acme'))
        const globex = await store.createSite(newSite('globex'))
        const visitor = await store.createVisitor(acme.id, 'visitor-token', { name: 'Vera' }, T0)

        expect(await store.getVisitorByToken(acme.id, 'visitor-token')).toEqual(visitor)
        expect(await store.getVisitorByToken(globex.id, 'visitor-token')).toBeUndefined()
      })

      it('starts with no attributes and leaves unknown profile fields absent', async () => {
        const { visitor } = await siteWithVisitor()

        expect(visitor).toMatchObject({ attributes: {}, firstSeenAt: T0, lastSeenAt: T0 })
        expect(visitor).not.toHaveProperty('name')
        expect(visitor).not.toHaveProperty('email')
      })

      it('leaves the profile fields it was not given untouched', async () => {
        const { site } = await siteWithVisitor()
        const vera = await store.createVisitor(site.id, 'vera-token', {
          name: 'Vera', email: 'vera@example.com', attributes: { plan: 'pro', seats: 3 },
          pageUrl: 'https://acme.example/', pageTitle: 'Acme', referrer: 'https://search.example/',
          userAgent: 'Firefox', locale: 'de-AT',
        }, T0)

        const updated = await store.updateVisitor(vera.id, { pageUrl: 'https://acme.example/cart' }, T0 + MINUTE)

        expect(updated).toEqual({ ...vera, pageUrl: 'https://acme.example/cart', lastSeenAt: T0 + MINUTE })
        expect(await store.getVisitor(vera.id)).toEqual(updated)
      })

      it('sets the profile fields it was given, replacing the attributes as a whole', async () => {
        const { site } = await siteWithVisitor()
        const vera = await store.createVisitor(site.id, 'vera-token', { attributes: { plan: 'free', seats: 1 } }, T0)
        const profile = {
          name: 'Vera', email: 'vera@example.com', attributes: { plan: 'pro' },
          pageUrl: 'https://acme.example/', pageTitle: 'Acme', referrer: 'https://search.example/',
          userAgent: 'Firefox', locale: 'de-AT',
        }

        const updated = await store.updateVisitor(vera.id, profile, T0 + MINUTE)

        expect(updated).toEqual({ ...vera, ...profile, firstSeenAt: T0, lastSeenAt: T0 + MINUTE })
      })

      it('updates no one when the visitor is unknown', async () => {
        expect(await store.updateVisitor(12345, { name: 'Nobody' }, T0)).toBeUndefined()
      })
    })

    describe('visitor messages', () => {
      it('opens a queued conversation with the first message at seq 1', async () => {
        const { site, visitor } = await siteWithVisitor()
        const result = await visitorSays(visitor, 'c1', T0, 'Hello?')

        expect(result).toMatchObject({ duplicate: false, change: 'opened' })
        expect(result.message).toMatchObject({
          conversationId: result.conversation.id, seq: 1, kind: 'message', authorRole: 'visitor',
          authorId: visitor.id, text: 'Hello?', clientId: 'c1', createdAt: T0,
        })
        expect(result.conversation).toMatchObject({
          siteId: site.id, visitorId: visitor.id, status: 'queued', lastSeq: 1, createdAt: T0, updatedAt: T0,
        })
        expect(result.conversation).not.toHaveProperty('assigneeId')
        expect(result.events).toEqual([result.message])
      })

      it('appends later messages to the open conversation', async () => {
        const { visitor } = await siteWithVisitor()
        const first = await visitorSays(visitor, 'c1', T0)
        const second = await visitorSays(visitor, 'c2', T0 + 1)

        expect(second.change).toBe('none')
        expect(second.message).toMatchObject({ conversationId: first.conversation.id, seq: 2 })
        expect(second.conversation).toMatchObject({ lastSeq: 2, updatedAt: T0 + 1 })
      })

      it('answers a resent client id with the stored original and writes nothing', async () => {
        const { visitor } = await siteWithVisitor()
        const original = await visitorSays(visitor, 'c1', T0, 'Hello?')
        const resent = await visitorSays(visitor, 'c1', T0 + 5000, 'Hello? (retry)')

        expect(resent).toMatchObject({ duplicate: true, change: 'none', events: [] })
        expect(resent.message).toEqual(original.message)
        expect(resent.conversation.lastSeq).toBe(1)
        expect(await store.messagesAfter(original.conversation.id, 0, 10)).toEqual([original.message])
      })

      it('finds a stored message by its author and client id', async () => {
        const { visitor } = await siteWithVisitor()
        const original = await visitorSays(visitor, 'c1', T0, 'Hello?')

        expect(await store.findMessageByClientId('visitor', visitor.id, 'c1')).toEqual(original.message)
        expect(await store.findMessageByClientId('agent', visitor.id, 'c1')).toBeUndefined()
        expect(await store.findMessageByClientId('visitor', visitor.id, 'c2')).toBeUndefined()
      })

      it('treats the same client id from an agent or another visitor as a different message', async () => {
        // In a fresh store the first agent and the first visitor usually share id 1: the
        // author's role must be part of the idempotency key.
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        const { site, visitor } = await siteWithVisitor()
        const other = await store.createVisitor(site.id, 'other-token', {}, T0)

        const { conversation } = await visitorSays(visitor, 'c1', T0)
        const reply = await store.appendAgentMessage({
          conversationId: conversation.id, agentId: ann.id, agentName: 'Ann', clientId: 'c1', text: 'Hi', now: T0 + 1,
        })
        const otherVisitor = await visitorSays(other, 'c1', T0 + 2)

        expect(reply).toMatchObject({ duplicate: false, message: { seq: 2, authorRole: 'agent' } })
        expect(otherVisitor).toMatchObject({ duplicate: false, change: 'opened' })
      })

      it('reopens a conversation closed within the window, with a system event before the message', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)
        await claim(conversation.id, ann, T0 + 1) // seq 2
        await store.transition({
          conversationId: conversation.id,
          from: { statuses: ['assigned'] },
          to: { status: 'closed', assigneeId: ann.id },
          now: T0 + MINUTE,
        })

        const back = await visitorSays(visitor, 'c2', T0 + MINUTE + REOPEN_WINDOW - 1, 'One more thing')

        expect(back.change).toBe('reopened')
        expect(back.conversation).toMatchObject({ id: conversation.id, status: 'queued', lastSeq: 4 })
        expect(back.conversation).not.toHaveProperty('assigneeId')
        expect(back.conversation).not.toHaveProperty('closedAt')
        expect(back.events).toHaveLength(2)
        expect(back.events[0]).toMatchObject({
          seq: 3, kind: 'system', authorRole: 'system', systemEvent: 'reopened', text: 'Conversation reopened',
        })
        expect(back.events[0]).not.toHaveProperty('authorId')
        expect(back.events[1]).toEqual(back.message)
        expect(back.message).toMatchObject({ seq: 4, text: 'One more thing' })
      })

      it('still reopens at the very edge of the window', async () => {
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)
        await close(conversation.id, T0 + MINUTE)

        const back = await visitorSays(visitor, 'c2', T0 + MINUTE + REOPEN_WINDOW)

        expect(back).toMatchObject({ change: 'reopened', conversation: { id: conversation.id } })
      })

      it('opens a new conversation once the last one has been closed longer than the window', async () => {
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)
        await close(conversation.id, T0 + MINUTE)

        const later = await visitorSays(visitor, 'c2', T0 + MINUTE + REOPEN_WINDOW + 1)

        expect(later.change).toBe('opened')
        expect(later.conversation.id).not.toBe(conversation.id)
        expect(later.message.seq).toBe(1)
        expect(later.events).toEqual([later.message])
        expect((await store.getConversation(conversation.id))?.status).toBe('closed')
      })
    })

    describe('agent messages', () => {
      it('appends with the next seq and the name the agent had when writing', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)

        const reply = await store.appendAgentMessage({
          conversationId: conversation.id, agentId: ann.id, agentName: 'Ann from Acme', clientId: 'a1', text: 'Hi!', now: T0 + 1,
        })

        expect(reply.duplicate).toBe(false)
        expect(reply.message).toMatchObject({
          seq: 2, kind: 'message', authorRole: 'agent', authorId: ann.id, authorName: 'Ann from Acme', text: 'Hi!',
        })
        expect(reply.conversation).toMatchObject({ lastSeq: 2, updatedAt: T0 + 1 })
      })

      it('keeps internal notes in sequence, and out of what visitors may read', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)
        const base = { conversationId: conversation.id, agentId: ann.id, agentName: 'Ann', now: T0 + 1 }
        const note = await store.appendAgentMessage({ ...base, clientId: 'n1', text: 'VIP', internal: true })
        await store.appendAgentMessage({ ...base, clientId: 'a1', text: 'Hello!' })

        expect(note.message).toMatchObject({ seq: 2, internal: true })
        const seqs = (messages: { seq: number }[]) => messages.map((m) => m.seq)
        expect(seqs(await store.messagesAfter(conversation.id, 0, 10))).toEqual([1, 2, 3])
        expect(seqs(await store.messagesAfter(conversation.id, 0, 10, { publicOnly: true }))).toEqual([1, 3])
        expect(seqs(await store.messagesBefore(conversation.id, 4, 10, { publicOnly: true }))).toEqual([1, 3])
        expect((await store.messagesAfter(conversation.id, 2, 10))[0]).not.toHaveProperty('internal')
      })

      it('answers a resent client id with the stored original and writes nothing', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)
        const input = { conversationId: conversation.id, agentId: ann.id, agentName: 'Ann', clientId: 'a1', text: 'Hi!', now: T0 + 1 }

        const original = await store.appendAgentMessage(input)
        const resent = await store.appendAgentMessage({ ...input, now: T0 + 2 })

        expect(resent).toEqual({ ...original, duplicate: true })
        expect((await store.getConversation(conversation.id))?.lastSeq).toBe(2)
      })

      it('fails for a conversation that does not exist', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        const reply = store.appendAgentMessage({
          conversationId: 12345, agentId: ann.id, agentName: 'Ann', clientId: 'a1', text: 'Hi!', now: T0,
        })

        await expect(reply).rejects.toThrow()
      })
    })

    describe('conversations an agent starts', () => {
      async function start(visitor: Visitor, agent: Agent, clientId: string, now: number) {
        return store.startConversation({
          siteId: visitor.siteId, visitorId: visitor.id, agentId: agent.id, agentName: agent.name,
          clientId, text: `hello from ${agent.name}`, joinedText: `${agent.name} joined`, now,
        })
      }

      it('opens an assigned conversation with a joined event and the message, read by the agent', async () => {
        const { site, visitor } = await siteWithVisitor()
        const ann = await store.createAgent(newAgent('ann@example.com', [site.id]))

        const result = await start(visitor, ann, 'a1', T0)

        if (result.outcome !== 'started') throw new Error(`expected started, got ${result.outcome}`)
        expect(result.conversation).toMatchObject({ status: 'assigned', assigneeId: ann.id, lastSeq: 2, agentReadSeq: 2, visitorReadSeq: 0, siteId: site.id })
        expect(result.events.map((event) => [event.seq, event.systemEvent ?? event.text])).toEqual([[1, 'joined'], [2, 'hello from ann']])
        expect(result.message).toEqual(result.events[1])
        expect(await store.messagesAfter(result.conversation.id, 0, 10)).toEqual(result.events)
      })

      it('answers a resent client id with the stored original and writes nothing', async () => {
        const { site, visitor } = await siteWithVisitor()
        const ann = await store.createAgent(newAgent('ann@example.com', [site.id]))
        const first = await start(visitor, ann, 'a1', T0)

        const again = await start(visitor, ann, 'a1', T0 + 5)

        expect(again.outcome).toBe('duplicate')
        expect(again.conversation.id).toBe(first.conversation.id)
        expect(again.outcome === 'duplicate' && again.message.seq).toBe(2)
        expect(await store.listConversations({ siteIds: [site.id] }, 10)).toHaveLength(1)
      })

      it('leaves a visitor with an open conversation in it, and opens a new one once it is closed', async () => {
        const { site, visitor } = await siteWithVisitor()
        const ann = await store.createAgent(newAgent('ann@example.com', [site.id]))
        const { conversation } = await visitorSays(visitor, 'v1', T0)

        const refused = await start(visitor, ann, 'a1', T0 + 1)
        expect(refused).toMatchObject({ outcome: 'open', conversation: { id: conversation.id } })
        expect(await store.findMessageByClientId('agent', ann.id, 'a1')).toBeUndefined()

        await close(conversation.id, T0 + 2)
        const started = await start(visitor, ann, 'a1', T0 + 3)
        expect(started.outcome).toBe('started')
        expect(started.conversation.id).not.toBe(conversation.id)
      })
    })

    describe('transitions', () => {
      it('lets exactly one of two simultaneous claims of a queued conversation win', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        const bob = await store.createAgent(newAgent('bob@example.com', []))
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)

        const results = await Promise.all([claim(conversation.id, ann, T0 + 1), claim(conversation.id, bob, T0 + 1)])

        const winners = results.filter((result) => result !== undefined)
        expect(winners).toHaveLength(1)
        const stored = await store.getConversation(conversation.id)
        expect(stored).toMatchObject({ status: 'assigned', assigneeId: winners[0]!.conversation.assigneeId, lastSeq: 2 })
      })

      it('records the system event in the same step, with the next seq', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)

        const claimed = await claim(conversation.id, ann, T0 + 1)

        expect(claimed?.conversation).toMatchObject({ status: 'assigned', assigneeId: ann.id, lastSeq: 2, updatedAt: T0 + 1 })
        expect(claimed?.message).toMatchObject({
          seq: 2, kind: 'system', authorRole: 'system', systemEvent: 'joined', text: 'ann joined', createdAt: T0 + 1,
        })
      })

      it('transfers only while the expected agent holds the conversation', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        const bob = await store.createAgent(newAgent('bob@example.com', []))
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)
        await claim(conversation.id, ann, T0 + 1)
        const transfer = (fromAgentId: number | null) => store.transition({
          conversationId: conversation.id,
          from: { statuses: ['assigned'], assigneeId: fromAgentId },
          to: { status: 'assigned', assigneeId: bob.id },
          system: { event: 'transferred', text: 'Transferred to bob' },
          now: T0 + 2,
        })

        expect(await transfer(bob.id)).toBeUndefined()
        expect(await transfer(null)).toBeUndefined()
        expect(await store.getConversation(conversation.id)).toMatchObject({ assigneeId: ann.id, lastSeq: 2 })

        const moved = await transfer(ann.id)
        expect(moved?.conversation).toMatchObject({ assigneeId: bob.id, lastSeq: 3 })
        expect(moved?.message).toMatchObject({ seq: 3, systemEvent: 'transferred' })
      })

      it('records when a conversation closed, and forgets it when it opens again', async () => {
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)

        const closed = await close(conversation.id, T0 + MINUTE)
        expect(closed?.conversation).toMatchObject({ status: 'closed', closedAt: T0 + MINUTE })
        expect(closed).not.toHaveProperty('message')

        const requeued = await store.transition({
          conversationId: conversation.id,
          from: { statuses: ['closed'] },
          to: { status: 'queued', assigneeId: null },
          now: T0 + 2 * MINUTE,
        })
        expect(requeued?.conversation.status).toBe('queued')
        expect(requeued?.conversation).not.toHaveProperty('closedAt')
      })

      it('changes nothing for a missing conversation', async () => {
        expect(await close(12345, T0)).toBeUndefined()
      })
    })

    describe('history', () => {
      async function conversationOfFiveMessages(): Promise<number> {
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)
        for (let i = 2; i <= 5; i++) await visitorSays(visitor, `c${i}`, T0 + i)
        return conversation.id
      }
      const seqs = (messages: { seq: number }[]) => messages.map((message) => message.seq)

      it('gives the events after a seq, ascending, up to the limit', async () => {
        const id = await conversationOfFiveMessages()

        expect(seqs(await store.messagesAfter(id, 0, 100))).toEqual([1, 2, 3, 4, 5])
        expect(seqs(await store.messagesAfter(id, 2, 2))).toEqual([3, 4])
        expect(await store.messagesAfter(id, 5, 10)).toEqual([])
      })

      it('gives the events just below a seq, ascending, up to the limit', async () => {
        const id = await conversationOfFiveMessages()

        expect(seqs(await store.messagesBefore(id, 5, 2))).toEqual([3, 4])
        expect(seqs(await store.messagesBefore(id, 3, 10))).toEqual([1, 2])
        expect(await store.messagesBefore(id, 1, 10)).toEqual([])
      })
    })

    describe('read marks', () => {
      it('raises a side’s mark, never lowers it, and never past the last seq', async () => {
        const { visitor } = await siteWithVisitor()
        const { conversation } = await visitorSays(visitor, 'c1', T0)
        await visitorSays(visitor, 'c2', T0 + 1)
        await visitorSays(visitor, 'c3', T0 + 2)

        expect(await store.markRead(conversation.id, 'agent', 2)).toMatchObject({ agentReadSeq: 2, visitorReadSeq: 0 })
        expect(await store.markRead(conversation.id, 'agent', 1)).toMatchObject({ agentReadSeq: 2 })
        expect(await store.markRead(conversation.id, 'agent', 99)).toMatchObject({ agentReadSeq: 3 })
        expect(await store.markRead(conversation.id, 'visitor', 1)).toMatchObject({ agentReadSeq: 3, visitorReadSeq: 1 })
      })

      it('marks nothing for a missing conversation', async () => {
        expect(await store.markRead(12345, 'visitor', 1)).toBeUndefined()
      })
    })

    describe('queues and lists', () => {
      /**
       * Site acme: visitors v1..v3 open conversations at T0+1..3, then v4 on globex at T0+4.
       * Ann holds v2's conversation; v3's is closed.
       */
      async function fourConversations() {
        const acme = await store.createSite(newSite('acme'))
        const globex = await store.createSite(newSite('globex'))
        const ann = await store.createAgent(newAgent('ann@example.com', [acme.id]))
        const visitors = [
          await store.createVisitor(acme.id, 't1', {}, T0),
          await store.createVisitor(acme.id, 't2', {}, T0),
          await store.createVisitor(acme.id, 't3', {}, T0),
          await store.createVisitor(globex.id, 't4', {}, T0),
        ]
        const ids: number[] = []
        for (const [i, visitor] of visitors.entries()) {
          ids.push((await visitorSays(visitor, 'c1', T0 + i + 1)).conversation.id)
        }
        await claim(ids[1]!, ann, T0 + 10)
        await close(ids[2]!, T0 + 11)
        return { acme, globex, ann, visitors, ids }
      }
      const idsOf = (conversations: { id: number }[]) => conversations.map((conversation) => conversation.id)

      it('lists conversations of the given sites, newest first, up to the limit', async () => {
        const { acme, globex, ids } = await fourConversations()

        expect(idsOf(await store.listConversations({ siteIds: [acme.id] }, 10))).toEqual([ids[2], ids[1], ids[0]])
        expect(idsOf(await store.listConversations({ siteIds: [acme.id, globex.id] }, 2))).toEqual([ids[3], ids[2]])
        expect(await store.listConversations({ siteIds: [] }, 10)).toEqual([])
      })

      it('filters the list by status, visitor and assignee', async () => {
        const { acme, ann, visitors, ids } = await fourConversations()
        const list = async (filter: object) => idsOf(await store.listConversations({ siteIds: [acme.id], ...filter }, 10))

        expect(await list({ statuses: ['queued', 'assigned'] })).toEqual([ids[1], ids[0]])
        expect(await list({ statuses: ['closed'] })).toEqual([ids[2]])
        expect(await list({ visitorId: visitors[1]!.id })).toEqual([ids[1]])
        expect(await list({ assigneeId: ann.id })).toEqual([ids[1]])
        expect(await list({ visitorId: visitors[3]!.id })).toEqual([]) // a globex visitor
      })

      it('lists the queue of the given sites oldest first, up to the limit', async () => {
        const { acme, globex, ids } = await fourConversations()
        const late = await store.createVisitor(acme.id, 't5', {}, T0)
        const early = await store.createVisitor(acme.id, 't6', {}, T0)
        const lateId = (await visitorSays(late, 'c1', T0 + 30)).conversation.id
        const earlyId = (await visitorSays(early, 'c1', T0 + 20)).conversation.id

        expect(idsOf(await store.listQueued([acme.id], 10))).toEqual([ids[0], earlyId, lateId])
        expect(idsOf(await store.listQueued([acme.id, globex.id], 2))).toEqual([ids[0], ids[3]])
      })

      it('counts the open conversations each agent holds, leaving out agents with none', async () => {
        const { acme, ann, ids } = await fourConversations()
        const bob = await store.createAgent(newAgent('bob@example.com', [acme.id]))
        const cat = await store.createAgent(newAgent('cat@example.com', [acme.id]))
        await claim(ids[0]!, ann, T0 + 20)
        await claim(ids[3]!, cat, T0 + 21)
        // A conversation Ann closed while keeping her as assignee is no longer hers to handle.
        const extra = await store.createVisitor(acme.id, 't5', {}, T0)
        const extraId = (await visitorSays(extra, 'c1', T0 + 22)).conversation.id
        await claim(extraId, ann, T0 + 23)
        await store.transition({
          conversationId: extraId, from: { statuses: ['assigned'] }, to: { status: 'closed', assigneeId: ann.id }, now: T0 + 24,
        })

        const counts = await store.countAssignedByAgent([ann.id, bob.id])

        expect([...counts]).toEqual([[ann.id, 2]])
      })

      it('pages through conversations older than a cursor, with no gap or repeat at equal times', async () => {
        const site = await store.createSite(newSite('paged'))
        const ids: number[] = []
        for (let i = 0; i < 5; i++) {
          const visitor = await store.createVisitor(site.id, `p${i}`, {}, T0)
          // Two pairs share a creation time: the id breaks the tie.
          ids.push((await visitorSays(visitor, 'c1', T0 + Math.floor(i / 2))).conversation.id)
        }
        const pages: number[][] = []
        let before: { createdAt: number; id: number } | undefined
        for (;;) {
          const page = await store.listConversations({ siteIds: [site.id], ...(before ? { before } : {}) }, 2)
          if (page.length === 0) break
          pages.push(idsOf(page))
          const last = page[page.length - 1]!
          before = { createdAt: last.createdAt, id: last.id }
        }

        expect(pages.flat()).toEqual([...ids].reverse())
        expect(pages.map((page) => page.length)).toEqual([2, 2, 1])
      })
    })

    describe('administration', () => {
      it('changes only the given fields of a site, and removes its identity secret on null', async () => {
        const site = await store.createSite({ ...newSite('acme'), identitySecret: 'secret', verifiedOnly: true })

        const renamed = await store.updateSite(site.id, { name: 'Acme Inc.', allowedOrigins: ['*'] })
        expect(renamed).toMatchObject({ name: 'Acme Inc.', allowedOrigins: ['*'], identitySecret: 'secret', verifiedOnly: true, widget: site.widget })

        const open = await store.updateSite(site.id, { identitySecret: null, verifiedOnly: false, widget: { ...site.widget, color: '#112233' } })
        expect(open?.identitySecret).toBeUndefined()
        expect(open).toMatchObject({ verifiedOnly: false, widget: { color: '#112233' }, key: site.key })
        expect(await store.getSite(site.id)).toEqual(open)
        expect(await store.updateSite(9999, { name: 'x' })).toBeUndefined()
      })

      it('changes an agent, replacing their sites, and lists deactivated agents too', async () => {
        const acme = await store.createSite(newSite('acme'))
        const globex = await store.createSite(newSite('globex'))
        const ann = await store.createAgent(newAgent('ann@example.com', [acme.id]))
        const bob = await store.createAgent(newAgent('bob@example.com', [acme.id]))

        const moved = await store.updateAgent(ann.id, { siteIds: [globex.id], capacity: 7, role: 'admin' })
        expect(moved).toMatchObject({ siteIds: [globex.id], capacity: 7, role: 'admin', name: 'ann', active: true })
        await store.updateAgent(bob.id, { active: false })

        expect((await store.listAgents()).map((agent) => [agent.email, agent.active])).toEqual([['ann@example.com', true], ['bob@example.com', false]])
        expect(await store.listAgentsOfSite(acme.id)).toEqual([])
        expect((await store.listAgentsOfSite(globex.id)).map((agent) => agent.id)).toEqual([ann.id])
        expect(await store.updateAgent(9999, { name: 'x' })).toBeUndefined()
      })

      it('refuses to give an agent an email another agent has, naming the field', async () => {
        await store.createAgent(newAgent('ann@example.com', []))
        const bob = await store.createAgent(newAgent('bob@example.com', []))

        const error = await store.updateAgent(bob.id, { email: 'ANN@example.com', name: 'Bob' }).catch((e: unknown) => e)

        expect(error).toBeInstanceOf(StoreConflictError)
        expect((error as StoreConflictError).field).toBe('email')
        expect(await store.getAgent(bob.id)).toMatchObject({ email: 'bob@example.com', name: 'bob' })
        expect(await store.updateAgent(bob.id, { email: 'robert@example.com' })).toMatchObject({ email: 'robert@example.com' })
      })

      it('signs an agent out of every session at once', async () => {
        const ann = await store.createAgent(newAgent('ann@example.com', []))
        const bob = await store.createAgent(newAgent('bob@example.com', []))
        for (const [hash, agentId] of [['a1', ann.id], ['a2', ann.id], ['b1', bob.id]] as const) {
          await store.createSession({ tokenHash: hash, agentId, createdAt: T0, expiresAt: T0 + MINUTE })
        }

        await store.deleteSessionsOfAgent(ann.id)

        expect(await store.getSession('a1', T0)).toBeUndefined()
        expect(await store.getSession('a2', T0)).toBeUndefined()
        expect(await store.getSession('b1', T0)).toBeDefined()
      })

      it('lists API tokens newest first, finds live ones by hash and keeps the first revocation time', async () => {
        const acme = await store.createSite(newSite('acme'))
        const first = await store.createApiToken({ name: 'crm', tokenHash: 'h1', siteIds: [acme.id] })
        const second = await store.createApiToken({ name: 'bi', tokenHash: 'h2', siteIds: [] })

        expect((await store.listApiTokens()).map((token) => [token.name, token.siteIds])).toEqual([['bi', []], ['crm', [acme.id]]])
        expect(await store.getApiTokenByHash('h1')).toMatchObject({ id: first.id, siteIds: [acme.id] })

        expect(await store.revokeApiToken(first.id, T0)).toMatchObject({ revokedAt: T0 })
        expect(await store.revokeApiToken(first.id, T0 + 5)).toMatchObject({ revokedAt: T0 })
        expect(await store.getApiTokenByHash('h1')).toBeUndefined()
        expect(await store.getApiTokenByHash('h2')).toMatchObject({ id: second.id })
        expect(await store.revokeApiToken(9999, T0)).toBeUndefined()
      })
    })

    describe('canned responses', () => {
      it('lists a site\'s canned responses with the shared ones, by shortcut', async () => {
        const acme = await store.createSite(newSite('acme'))
        const globex = await store.createSite(newSite('globex'))
        await store.createCannedResponse({ siteId: acme.id, shortcut: 'refund', text: 'Refunds take 5 days.' })
        await store.createCannedResponse({ shortcut: 'hello', text: 'Hello!' })
        await store.createCannedResponse({ siteId: globex.id, shortcut: 'refund', text: 'Globex refunds.' })

        const acmeList = await store.listCannedResponses([acme.id])
        expect(acmeList.map((c) => [c.shortcut, c.text])).toEqual([['hello', 'Hello!'], ['refund', 'Refunds take 5 days.']])
        expect(acmeList[0]!.siteId).toBeUndefined()
        expect((await store.listCannedResponses([])).map((c) => c.shortcut)).toEqual(['hello'])
      })

      it('refuses a shortcut taken on the same site or among shared ones, naming the field', async () => {
        const acme = await store.createSite(newSite('acme'))
        await store.createCannedResponse({ siteId: acme.id, shortcut: 'refund', text: 'a' })
        await store.createCannedResponse({ shortcut: 'hi', text: 'b' })

        for (const input of [{ siteId: acme.id, shortcut: 'refund', text: 'c' }, { shortcut: 'hi', text: 'd' }]) {
          const error = await store.createCannedResponse(input).catch((e: unknown) => e)
          expect(error).toBeInstanceOf(StoreConflictError)
          expect((error as StoreConflictError).field).toBe('shortcut')
        }
      })

      it('updates and deletes a canned response', async () => {
        const acme = await store.createSite(newSite('acme'))
        const canned = await store.createCannedResponse({ siteId: acme.id, shortcut: 'refund', text: 'a' })
        const taken = await store.createCannedResponse({ siteId: acme.id, shortcut: 'taken', text: 't' })

        expect(await store.updateCannedResponse(canned.id, { text: 'b' })).toMatchObject({ shortcut: 'refund', text: 'b', siteId: acme.id })
        expect(await store.updateCannedResponse(canned.id, { siteId: undefined })).toMatchObject({ siteId: acme.id })
        expect(await store.updateCannedResponse(canned.id, { siteId: null })).not.toHaveProperty('siteId')
        await expect(store.updateCannedResponse(canned.id, { siteId: acme.id, shortcut: 'taken' })).rejects.toBeInstanceOf(StoreConflictError)
        await store.updateCannedResponse(canned.id, { siteId: acme.id, shortcut: 'free' })
        await store.createCannedResponse({ shortcut: 'free', text: 'shared' })
        await expect(store.updateCannedResponse(canned.id, { siteId: null })).rejects.toThrow('/free is taken')
        expect(await store.deleteCannedResponse(taken.id)).toBe(true)
        expect(await store.deleteCannedResponse(taken.id)).toBe(false)
        expect(await store.getCannedResponse(taken.id)).toBeUndefined()
        expect(await store.updateCannedResponse(9999, { text: 'x' })).toBeUndefined()
      })
    })

    describe('search', () => {
      async function twoSitesTalking() {
        const acme = await store.createSite(newSite('acme'))
        const globex = await store.createSite(newSite('globex'))
        const ann = await store.createAgent(newAgent('ann@example.com', [acme.id]))
        const visitor = await store.createVisitor(acme.id, 'v1', {}, T0)
        const other = await store.createVisitor(globex.id, 'v2', {}, T0)
        const { conversation } = await visitorSays(visitor, 'c1', T0, 'Where is my café order?')
        await visitorSays(other, 'c1', T0 + 1, 'My order never came')
        await claim(conversation.id, ann, T0 + 2)
        await store.appendAgentMessage({ conversationId: conversation.id, agentId: ann.id, agentName: 'ann', clientId: 'a1', text: 'Checking your ORDER now', now: T0 + 3 })
        await store.appendAgentMessage({ conversationId: conversation.id, agentId: ann.id, agentName: 'ann', clientId: 'a2', text: 'order is late, refund?', now: T0 + 4, internal: true })
        return { acme, globex, visitor, conversation }
      }
      const texts = (hits: { message: { text: string } }[]) => hits.map((hit) => hit.message.text)

      it('finds messages of the given sites with every word, newest first, with a marked snippet', async () => {
        const { acme, visitor } = await twoSitesTalking()

        const hits = await store.searchMessages({ siteIds: [acme.id], text: 'order', limit: 10 })

        expect(texts(hits)).toEqual(['order is late, refund?', 'Checking your ORDER now', 'Where is my café order?'])
        expect(hits[2]).toMatchObject({ siteId: acme.id, visitorId: visitor.id })
        expect(hits[2]!.snippet).toContain('\u0002order\u0003')
        expect(texts(await store.searchMessages({ siteIds: [acme.id], text: 'order late', limit: 10 }))).toEqual(['order is late, refund?'])
      })

      it('matches words as prefixes, ignores accents, and can leave notes out', async () => {
        const { acme } = await twoSitesTalking()

        expect(texts(await store.searchMessages({ siteIds: [acme.id], text: 'cafe', limit: 10 }))).toEqual(['Where is my café order?'])
        expect(texts(await store.searchMessages({ siteIds: [acme.id], text: 'chec', limit: 10 }))).toEqual(['Checking your ORDER now'])
        expect(texts(await store.searchMessages({ siteIds: [acme.id], text: 'chec ord', limit: 10 }))).toEqual(['Checking your ORDER now'])
        expect(texts(await store.searchMessages({ siteIds: [acme.id], text: 'refund', limit: 10, publicOnly: true }))).toEqual([])
        expect(texts(await store.searchMessages({ siteIds: [acme.id], text: 'order', limit: 1 }))).toHaveLength(1)
      })

      it('reads search syntax as plain text, and finds nothing for no words or no sites', async () => {
        const { acme } = await twoSitesTalking()

        for (const text of ['"order', 'order OR refund', 'NEAR(order late)', '-order', 'text:order', '^order*', '', '  ', '!!!']) {
          await expect(store.searchMessages({ siteIds: [acme.id], text, limit: 10 })).resolves.toBeInstanceOf(Array)
        }
        expect(texts(await store.searchMessages({ siteIds: [acme.id], text: 'order OR nothing', limit: 10 }))).toEqual([])
        expect(await store.searchMessages({ siteIds: [], text: 'order', limit: 10 })).toEqual([])
      })
    })

    describe('REST API needs', () => {
      async function busySite() {
        const { site, visitor } = await siteWithVisitor()
        const ann = await store.createAgent(newAgent('ann@example.com', [site.id]))
        const first = await visitorSays(visitor, 'v1', T0, 'first question about billing')
        await claim(first.conversation.id, ann, T0 + 10)
        await store.appendAgentMessage({ conversationId: first.conversation.id, agentId: ann.id, agentName: 'ann', clientId: 'a1', text: 'answer', now: T0 + 20 })
        await store.appendAgentMessage({ conversationId: first.conversation.id, agentId: ann.id, agentName: 'ann', clientId: 'a2', text: 'a note', now: T0 + 20, internal: true })
        const other = await store.createVisitor(site.id, 'v2-token', {}, T0)
        const second = await visitorSays(other, 'v1', T0 + 30, 'shipping question')
        return { site, visitor, other, ann, first: first.conversation, second: second.conversation }
      }

      it('filters conversations by creation and update time and by words in their messages', async () => {
        const { site, first, second } = await busySite()
        const ids = async (filter: object) => (await store.listConversations({ siteIds: [site.id], ...filter }, 10)).map((c) => c.id)

        expect(await ids({ createdFrom: T0 + 1 })).toEqual([second.id])
        expect(await ids({ createdTo: T0 + 1 })).toEqual([first.id])
        expect(await ids({ updatedFrom: T0 + 20, updatedTo: T0 + 21 })).toEqual([first.id])
        expect(await ids({ text: 'billing' })).toEqual([first.id])
        expect(await ids({ text: 'question' })).toEqual([second.id, first.id])
        expect(await ids({ text: '!!' })).toEqual([])
      })

      it('exports events in creation order from a cursor, without notes when asked, never another site', async () => {
        const { site, first } = await busySite()
        const elsewhere = await store.createSite(newSite('elsewhere'))
        const stranger = await store.createVisitor(elsewhere.id, 'x', {}, T0)
        await visitorSays(stranger, 'x1', T0 + 15, 'not yours')

        const all = await store.exportMessages({ siteIds: [site.id], limit: 100 })
        expect(all.map((m) => m.text)).toEqual(['first question about billing', 'ann joined', 'answer', 'a note', 'shipping question'])
        expect(all[0]).toMatchObject({ siteId: site.id, conversationId: first.id })

        // Every page size puts a boundary somewhere, one of them between two events of the same millisecond.
        for (const limit of [1, 2, 3]) {
          const pages: string[] = []
          let after: { createdAt: number; id: number } | undefined
          for (;;) {
            const page = await store.exportMessages({ siteIds: [site.id], limit, ...(after ? { after } : {}) })
            if (page.length === 0) break
            pages.push(...page.map((m) => m.text))
            after = { createdAt: page.at(-1)!.createdAt, id: page.at(-1)!.id }
          }
          expect(pages, `pages of ${limit}`).toEqual(all.map((m) => m.text))
        }
        const fromTheMiddle = await store.exportMessages({ siteIds: [site.id], limit: 100, from: T0 + 20, after: { createdAt: T0, id: 1 } })
        expect(fromTheMiddle.map((m) => m.text)).toEqual(['answer', 'a note', 'shipping question'])
        expect((await store.exportMessages({ siteIds: [site.id], limit: 100, publicOnly: true })).map((m) => m.text)).not.toContain('a note')
        expect((await store.exportMessages({ siteIds: [site.id], limit: 100, from: T0 + 20, to: T0 + 30 })).map((m) => m.text)).toEqual(['answer', 'a note'])
      })

      it('erases a visitor with everything of theirs, leaving other visitors alone', async () => {
        const { site, visitor, first, second } = await busySite()
        const hook = await store.createWebhook({ siteId: site.id, url: 'http://127.0.0.1:1/h', secret: 's', events: ['message.created'] })
        await store.enqueueWebhookDeliveries(site.id, 'message.created', '{"text":"first question about billing"}', T0, first.id)
        await store.enqueueWebhookDeliveries(site.id, 'message.created', '{"text":"shipping question"}', T0, second.id)

        expect(await store.deleteVisitor(visitor.id)).toBe(true)

        expect((await store.listWebhookDeliveries(hook.id, 10)).map((d) => d.payload)).toEqual(['{"text":"shipping question"}'])

        expect(await store.getVisitor(visitor.id)).toBeUndefined()
        expect(await store.getConversation(first.id)).toBeUndefined()
        expect(await store.messagesAfter(first.id, 0, 10)).toEqual([])
        expect(await store.searchMessages({ siteIds: [site.id], text: 'billing', limit: 10 })).toEqual([])
        expect((await store.exportMessages({ siteIds: [site.id], limit: 100 })).map((m) => m.conversationId)).toEqual([second.id])
        expect(await store.deleteVisitor(visitor.id)).toBe(false)
      })

      it('purges closed conversations older than a time, oldest first, up to a limit', async () => {
        const { site, first, second } = await busySite()
        await close(first.id, T0 + 100)
        await close(second.id, T0 + 200)

        expect(await store.purgeClosedConversations(site.id, T0 + 150, 10)).toEqual([first.id])
        expect(await store.getConversation(first.id)).toBeUndefined()
        expect(await store.purgeClosedConversations(site.id, T0 + 150, 10)).toEqual([])
        expect(await store.purgeClosedConversations(site.id, T0 + 300, 0)).toEqual([])
        expect(await store.getConversation(second.id)).toBeDefined()
      })

      it('stores an API message once per token and Idempotency-Key, for agents and bots alike', async () => {
        const { site, other, ann, first } = await busySite()
        const token = await store.createApiToken({ name: 'crm', tokenHash: 'h', siteIds: [site.id] })
        const apiKey = { tokenId: token.id, key: 'k-1' }

        const sent = await store.appendAgentMessage({ conversationId: first.id, agentName: 'Shopbot', clientId: 'api-1', text: 'beep', now: T0 + 40, apiKey })
        const again = await store.appendAgentMessage({ conversationId: first.id, agentName: 'Shopbot', clientId: 'api-2', text: 'beep', now: T0 + 41, apiKey })
        expect(sent.message).toMatchObject({ authorRole: 'agent', authorName: 'Shopbot', text: 'beep' })
        expect(sent.message.authorId).toBeUndefined()
        expect(again).toMatchObject({ duplicate: true, message: { id: sent.message.id } })
        expect(await store.findMessageByApiKey(apiKey)).toEqual(sent.message)
        expect(await store.findMessageByApiKey({ tokenId: token.id, key: 'other' })).toBeUndefined()

        const bot = { siteId: site.id, visitorId: other.id, agentName: 'Shopbot', text: 'Need help?', joinedText: '', now: T0 + 50 }
        await close((await store.listConversations({ siteIds: [site.id], visitorId: other.id }, 1))[0]!.id, T0 + 45)
        const opened = await store.startConversation({ ...bot, clientId: 'b1', apiKey: { tokenId: token.id, key: 'k-2' } })
        if (opened.outcome !== 'started') throw new Error(opened.outcome)
        expect(opened.conversation).toMatchObject({ status: 'queued', lastSeq: 1 })
        expect(opened.conversation.assigneeId).toBeUndefined()
        expect(opened.events.map((e) => e.text)).toEqual(['Need help?'])
        expect((await store.startConversation({ ...bot, clientId: 'b2', apiKey: { tokenId: token.id, key: 'k-2' } })).outcome).toBe('duplicate')
        expect(ann.id).toBeGreaterThan(0)
      })

      it('keeps an audit log, newest first, by site', async () => {
        const { site } = await busySite()
        await store.recordAudit({ at: T0, actor: 'token:1', action: 'visitor.erased', siteId: site.id, subject: 'visitor:1', details: { conversations: 2 } })
        await store.recordAudit({ at: T0 + 1, actor: 'system', action: 'retention.purged', subject: 'site:9', details: {} })

        expect((await store.listAudit({ limit: 10 })).map((e) => e.action)).toEqual(['retention.purged', 'visitor.erased'])
        expect(await store.listAudit({ siteIds: [site.id], limit: 10 })).toEqual([
          expect.objectContaining({ actor: 'token:1', siteId: site.id, subject: 'visitor:1', details: { conversations: 2 } }),
        ])
      })

      it('keeps retention per site', async () => {
        const site = await store.createSite({ ...newSite('kept'), retentionDays: 30 })
        expect(site.retentionDays).toBe(30)
        expect((await store.updateSite(site.id, { retentionDays: null }))?.retentionDays).toBeUndefined()
        expect((await store.updateSite(site.id, { name: 'x' }))?.retentionDays).toBeUndefined()
      })

      it('queues webhook deliveries for active webhooks that want the event, and records attempts', async () => {
        const { site } = await busySite()
        const wanted = await store.createWebhook({ siteId: site.id, url: 'http://127.0.0.1:1/hook', secret: 's1', events: ['message.created', 'conversation.closed'] })
        await store.createWebhook({ siteId: site.id, url: 'http://127.0.0.1:1/other', secret: 's2', events: ['conversation.opened'] })
        const paused = await store.createWebhook({ siteId: site.id, url: 'http://127.0.0.1:1/paused', secret: 's3', events: ['message.created'] })
        await store.updateWebhook(paused.id, { active: false })

        expect(await store.enqueueWebhookDeliveries(site.id, 'message.created', '{"n":1}', T0)).toBe(1)
        const claim = (now: number) => store.claimDueDeliveries({ now, limit: 10, leaseMs: 60_000, claimant: 'node-a' })
        const [due] = await claim(T0)
        expect(due).toMatchObject({ webhookId: wanted.id, url: wanted.url, secret: 's1', payload: '{"n":1}', status: 'pending', attempts: 0 })

        await store.recordDeliveryAttempt(due!.id, { status: 'pending', attempts: 1, nextAttemptAt: T0 + 1000, responseStatus: 500, error: 'HTTP 500' })
        expect(await claim(T0 + 999)).toEqual([])
        expect(await claim(T0 + 1000)).toHaveLength(1)
        await store.recordDeliveryAttempt(due!.id, { status: 'delivered', attempts: 2, nextAttemptAt: T0 + 1000, responseStatus: 204, deliveredAt: T0 + 1001 })
        expect(await claim(T0 + 5000)).toEqual([])
        expect(await store.listWebhookDeliveries(wanted.id, 10)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 2, responseStatus: 204, deliveredAt: T0 + 1001 })])

        expect(await store.updateWebhook(wanted.id, { secret: 's1-rotated' })).toMatchObject({ secret: 's1-rotated', url: wanted.url, active: true })
        expect((await store.listWebhooks([site.id])).map((w) => w.url)).toHaveLength(3)
        expect(await store.deleteWebhook(wanted.id)).toBe(true)
        expect(await store.listWebhookDeliveries(wanted.id, 10)).toEqual([])
        expect(await store.getWebhook(wanted.id)).toBeUndefined()
      })
    })

    describe('webhook delivery claims', () => {
      const LEASE = 60_000

      /** A webhook on a fresh site with `count` deliveries queued, the nth at T0 + n. */
      async function queued(count: number) {
        const site = await store.createSite(newSite('hooks'))
        const webhook = await store.createWebhook({ siteId: site.id, url: 'http://127.0.0.1:1/hook', secret: 's', events: ['message.created'] })
        for (let n = 0; n < count; n++) await store.enqueueWebhookDeliveries(site.id, 'message.created', `{"n":${n}}`, T0 + n)
        const ids = (await store.listWebhookDeliveries(webhook.id, count)).map((delivery) => delivery.id).reverse()
        return { webhook, ids }
      }

      const claim = (claimant: string, now: number, limit = 10, leaseMs = LEASE) => store.claimDueDeliveries({ now, limit, leaseMs, claimant })
      const idsOf = (deliveries: { id: number }[]) => deliveries.map((delivery) => delivery.id)

      it('claims due deliveries oldest first, up to the limit, with where they go and how they are signed', async () => {
        const { webhook, ids } = await queued(4)

        const claimed = await claim('node-a', T0 + 2, 2)

        expect(idsOf(claimed)).toEqual(ids.slice(0, 2))
        expect(claimed[0]).toMatchObject({ webhookId: webhook.id, url: webhook.url, secret: 's', payload: '{"n":0}', status: 'pending', attempts: 0 })
        // The fourth is not due yet at T0 + 2.
        expect(idsOf(await claim('node-a', T0 + 2))).toEqual([ids[2]])
      })

      it('passes by deliveries another claimant holds, until their lease runs out', async () => {
        const { ids } = await queued(3)
        expect(idsOf(await claim('node-a', T0 + 10, 2, 1_000))).toEqual(ids.slice(0, 2))

        expect(idsOf(await claim('node-b', T0 + 10))).toEqual([ids[2]])
        expect(await claim('node-b', T0 + 1_009)).toEqual([])
        // node-a stopped without recording anything: at T0 + 1010 its lease has run out.
        const reclaimed = await claim('node-b', T0 + 1_010)

        expect(idsOf(reclaimed)).toEqual(ids.slice(0, 2))
        expect(reclaimed.every((delivery) => delivery.attempts === 0 && delivery.status === 'pending')).toBe(true)
        expect(await claim('node-a', T0 + 1_010)).toEqual([])
      })

      it('ends the lease when an attempt is recorded: a retry is due at its own time, a delivered or failed one never again', async () => {
        const { ids } = await queued(3)
        const [retried, delivered, failed] = ids as [number, number, number]
        await claim('node-a', T0 + 10)

        expect(await store.recordDeliveryAttempt(retried, { status: 'pending', attempts: 1, nextAttemptAt: T0 + 100, error: 'answered 503', claimant: 'node-a' })).toBe(true)
        expect(await store.recordDeliveryAttempt(delivered, { status: 'delivered', attempts: 1, nextAttemptAt: T0 + 20, deliveredAt: T0 + 20, claimant: 'node-a' })).toBe(true)
        expect(await store.recordDeliveryAttempt(failed, { status: 'failed', attempts: 1, nextAttemptAt: T0 + 20, error: 'gone', claimant: 'node-a' })).toBe(true)

        expect(await claim('node-b', T0 + 99)).toEqual([])
        // Well within the lease node-a took, yet due: recording the retry ended it.
        expect(await claim('node-b', T0 + 100)).toEqual([expect.objectContaining({ id: retried, attempts: 1, error: 'answered 503' })])
        expect(idsOf(await claim('node-c', T0 + 10 * LEASE))).toEqual([retried])
      })

      it('records an attempt only for the claimant still holding it, so a late node cannot overwrite the one that took over', async () => {
        const { webhook, ids } = await queued(1)
        await claim('node-a', T0, 1, 1_000)
        await claim('node-b', T0 + 1_000, 1, 1_000)
        expect(await store.recordDeliveryAttempt(ids[0]!, { status: 'delivered', attempts: 1, nextAttemptAt: T0 + 1_001, deliveredAt: T0 + 1_001, claimant: 'node-b' })).toBe(true)

        expect(await store.recordDeliveryAttempt(ids[0]!, { status: 'pending', attempts: 1, nextAttemptAt: T0 + 9_000, error: 'no answer', claimant: 'node-a' })).toBe(false)

        expect(await store.listWebhookDeliveries(webhook.id, 1)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1, deliveredAt: T0 + 1_001 })])
        expect(await store.recordDeliveryAttempt(404_404, { status: 'failed', attempts: 1, nextAttemptAt: T0, claimant: 'node-b' })).toBe(false)
      })

      it('makes a delivery its claimant gives back due again at once; nobody else can give it back', async () => {
        const { ids } = await queued(1)
        await claim('node-a', T0)

        await store.releaseDelivery(ids[0]!, 'node-b')
        expect(await claim('node-b', T0 + 1)).toEqual([])
        await store.releaseDelivery(ids[0]!, 'node-a')

        expect(await claim('node-b', T0 + 1)).toEqual([expect.objectContaining({ id: ids[0], attempts: 0 })])
      })
    })

    describe('exclusive sections', () => {
      /** Runs `exclusively` with awaits inside, keeping how many sections of each name were inside at once. */
      function sections() {
        const inside = new Map<string, number>()
        const most = new Map<string, number>()
        let mostOfAll = 0
        const run = (name: string, result: string) => store.exclusively(name, async () => {
          inside.set(name, (inside.get(name) ?? 0) + 1)
          most.set(name, Math.max(most.get(name) ?? 0, inside.get(name)!))
          mostOfAll = Math.max(mostOfAll, [...inside.values()].reduce((sum, count) => sum + count, 0))
          try {
            await new Promise((resolve) => setTimeout(resolve, 15))
            await store.countAgents()
            await new Promise((resolve) => setTimeout(resolve, 15))
            return result
          } finally {
            inside.set(name, inside.get(name)! - 1)
          }
        })
        return { run, most, get mostOfAll() { return mostOfAll } }
      }

      it('runs work under one name one at a time, and under different names side by side', async () => {
        const counts = sections()
        const { run, most } = counts

        const results = await Promise.all([run('site 1', 'a'), run('site 1', 'b'), run('site 1', 'c'), run('site 2', 'd'), run('site 3', 'e')])

        expect(results).toEqual(['a', 'b', 'c', 'd', 'e'])
        expect(most.get('site 1')).toBe(1)
        expect(counts.mostOfAll).toBeGreaterThanOrEqual(3)
      })

      it('frees the lock when work throws, passing the error on', async () => {
        await expect(store.exclusively('site 1', async () => {
          await store.countAgents()
          throw new Error('routing failed')
        })).rejects.toThrow('routing failed')

        expect(await store.exclusively('site 1', async () => 'next')).toBe('next')
      })
    })
  })
}

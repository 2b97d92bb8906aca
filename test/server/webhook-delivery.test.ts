/**
 * Webhook delivery, against a receiving HTTP server on 127.0.0.1 that checks every signature:
 * what a real chat sends (opened, assigned, message created, closed), retries with short
 * injected waits, timeouts, giving up, surviving a restart, paused webhooks and unwanted
 * events, and never two attempts of one delivery at once; what a node claims it holds, and what
 * a vanished node claimed is sent once its claim runs out. The store is a real SQLite file and
 * the events come from a real chat service. (Several nodes on PostgreSQL: webhook-nodes.test.ts.)
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createApiToken, createSite } from '../../server/admin/admin-actions.js'
import { createChatService } from '../../server/chat/chat-service.js'
import { createDomainEvents } from '../../server/chat/domain-events.js'
import { createLogger } from '../../server/ops/logger.js'
import { createMetrics } from '../../server/ops/metrics.js'
import { createLocalBus } from '../../server/realtime/local-bus.js'
import { openSqliteStore } from '../../server/store/sqlite/sqlite-store.js'
import type { Store } from '../../server/store/store.js'
import type { Conversation, Site, WebhookEvent } from '../../server/store/types.js'
import {
  DEFAULT_RETRY_DELAYS_MS, retryDelay, signatureHeader, startWebhooks, verifyWebhookSignature, type WebhookPayload,
} from '../../server/webhooks/index.js'
import { connectAgent, connectVisitor, type TestClient } from '../support/chat-client.js'
import { waitUntil } from '../support/node-transports.js'
import { serversPerTest, type TestServer } from '../support/test-server.js'

const silent = createLogger('silent')
const SECRET = 'whsec_test-secret'
/** Short waits between attempts, so retries happen within a test. */
const QUICK_RETRIES = [30, 30]

interface Received {
  headers: IncomingHttpHeaders
  body: string
  raw: Buffer
  /** Whether Parley-Signature signs the body with the webhook's secret. */
  verified: boolean
}

type Answer = (response: ServerResponse) => void
const answerWith = (status: number, text = ''): Answer => (response) => response.writeHead(status).end(text)
/** Holds the request open, as a receiver that hangs. */
const neverAnswer: Answer = () => {}

/**
 * A webhook receiver. `answers` are used in turn, one per request; the last one repeats.
 * `secret` is what it verifies signatures with (changeable, as after a rotation).
 */
async function startReceiver(answers: Answer[] = [answerWith(204)], secret = SECRET) {
  const received: Received[] = []
  let open = 0
  let mostAtOnce = 0
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const raw = Buffer.concat(chunks)
      received.push({ headers: request.headers, body: raw.toString('utf8'), raw, verified: verifyWebhookSignature(receiver.secret, request.headers['parley-signature'] as string | undefined, raw) })
      open += 1
      mostAtOnce = Math.max(mostAtOnce, open)
      response.on('close', () => (open -= 1))
      const answer = answers[Math.min(received.length - 1, answers.length - 1)]!
      answer(response)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/parley`,
    received,
    secret,
    answers,
    payloads: () => received.map((request) => JSON.parse(request.body) as WebhookPayload),
    get open() {
      return open
    },
    get mostAtOnce() {
      return mostAtOnce
    },
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
  return receiver
}

/** Everything a test builds, closed after it in reverse order. */
const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function receiver(answers?: Answer[], secret?: string) {
  const started = await startReceiver(answers, secret)
  cleanups.push(() => started.close())
  return started
}

/** A SQLite store on a temporary file, with one site; `reopen()` opens the same file again, as a restart does. */
async function storeWithSite() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-webhooks-'))
  const file = path.join(dir, 'parley.db')
  const open = async () => {
    const store = openSqliteStore({ path: file, synchronous: 'normal' })
    await store.migrate()
    return store
  }
  let store = await open()
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  cleanups.push(() => store.close())
  const site = await createSite(store, { name: 'Shop', allowedOrigins: ['http://shop.test'] })
  return {
    get store() {
      return store
    },
    site,
    async reopen() {
      await store.close()
      store = await open()
      return store
    },
  }
}

function dispatcher(store: Store, options: { events?: ReturnType<typeof createDomainEvents>; timeoutMs?: number; retryDelaysMs?: number[]; concurrency?: number; stopWaitMs?: number } = {}) {
  const events = options.events ?? createDomainEvents((error) => { throw error })
  const webhooks = startWebhooks({
    store,
    service: { onEvent: events.listen },
    logger: silent,
    timeoutMs: options.timeoutMs ?? 2_000,
    retryDelaysMs: options.retryDelaysMs ?? QUICK_RETRIES,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.stopWaitMs === undefined ? {} : { stopWaitMs: options.stopWaitMs }),
  })
  cleanups.push(() => webhooks.stop())
  return { webhooks, events }
}

/** A conversation as the store has it, for synthetic events. */
async function openConversation(store: Store, site: Site, text = 'Hello'): Promise<Conversation> {
  const visitor = await store.createVisitor(site.id, `token-${Math.random()}`, { name: 'Ada' }, Date.now())
  const result = await store.appendVisitorMessage({ siteId: site.id, visitorId: visitor.id, visitorName: 'Ada', clientId: 'c1', text, reopenWindowMs: 0, now: Date.now() })
  return result.conversation
}

const hook = (store: Store, site: Site, url: string, events: WebhookEvent[] = ['conversation.opened', 'conversation.assigned', 'conversation.closed', 'message.created']) =>
  store.createWebhook({ siteId: site.id, url, secret: SECRET, events })

const deliveriesOf = async (store: Store, webhookId: number) => store.listWebhookDeliveries(webhookId, 100)

async function deliveryWhen(store: Store, webhookId: number, what: string, condition: (delivery: Awaited<ReturnType<typeof deliveriesOf>>[number]) => boolean) {
  await waitUntil(what, async () => {
    const [latest] = await deliveriesOf(store, webhookId)
    return latest !== undefined && condition(latest)
  })
  return (await deliveriesOf(store, webhookId))[0]!
}

describe('a real chat', () => {
  it('sends opened, message created, assigned, the note flagged, and closed, each signed, with its event and delivery id', async () => {
    const { store, site } = await storeWithSite()
    const inbox = await receiver()
    const webhook = await hook(store, site, inbox.url)
    const service = createChatService({ store, bus: createLocalBus(), logger: silent, metrics: createMetrics(), agentGraceMs: 300, reopenWindowMs: 0 })
    cleanups.push(() => service.shutdown())
    // The default schedule: its store checks are 10 s apart, so only a wake on each event can pass this in time.
    const webhooks = startWebhooks({ store, service, logger: silent, timeoutMs: 2_000, retryDelaysMs: DEFAULT_RETRY_DELAYS_MS })
    cleanups.push(() => webhooks.stop())

    const grace = await store.createAgent({ name: 'Grace', email: 'grace@shop.test', passwordHash: 'x', role: 'agent', capacity: 5, siteIds: [site.id] })
    const visitor = await store.createVisitor(site.id, 'token-ada', { name: 'Ada' }, Date.now())
    const { conversation } = await service.visitorSend(site, visitor, 'v1', 'Where is my order?', performance.now())
    await service.agentSend(grace, conversation.id, 'g1', 'Let me check.', performance.now())
    await service.agentSend(grace, conversation.id, 'g2', 'VIP: refund if late', performance.now(), true)
    await service.close(grace, conversation.id)

    await waitUntil(() => `6 deliveries (got ${inbox.received.length})`, () => inbox.received.length === 6, 3_000)
    const payloads = inbox.payloads().sort((a, b) => a.createdAt.localeCompare(b.createdAt) || (a.message?.seq ?? 0) - (b.message?.seq ?? 0))
    expect(new Set(payloads.map((payload) => payload.type))).toEqual(new Set(['conversation.opened', 'message.created', 'conversation.assigned', 'conversation.closed']))
    expect(inbox.received.every((request) => request.verified)).toBe(true)
    expect(new Set(payloads.map((payload) => payload.id)).size).toBe(6)

    for (const request of inbox.received) {
      const payload = JSON.parse(request.body) as WebhookPayload
      expect(request.headers['parley-event']).toBe(payload.type)
      expect(request.headers['content-type']).toBe('application/json')
      expect(payload.site).toEqual({ id: site.id })
      expect(payload.conversation).toMatchObject({ id: conversation.id, visitorId: visitor.id })
      expect(Date.parse(payload.createdAt)).not.toBeNaN()
    }
    const log = await deliveriesOf(store, webhook.id)
    expect(log.map((delivery) => String(delivery.id)).sort()).toEqual(inbox.received.map((request) => request.headers['parley-delivery']).sort())
    await waitUntil('every delivery recorded as delivered', async () => (await deliveriesOf(store, webhook.id)).every((delivery) => delivery.status === 'delivered'))

    const messages = payloads.filter((payload) => payload.type === 'message.created').map((payload) => payload.message!)
    expect(messages.map((message) => [message.author.role, message.text, message.note])).toEqual([
      ['visitor', 'Where is my order?', undefined],
      ['agent', 'Let me check.', undefined],
      ['agent', 'VIP: refund if late', true],
    ])
    expect(messages[1]!.author).toEqual({ role: 'agent', id: grace.id, name: 'Grace' })
    expect(messages[0]!.author).toEqual({ role: 'visitor', id: visitor.id, name: 'Ada' })
    const assigned = payloads.find((payload) => payload.type === 'conversation.assigned')!
    expect(assigned.conversation).toMatchObject({ status: 'assigned', assigneeId: grace.id })
    expect(assigned.message).toBeUndefined()
    const closed = payloads.find((payload) => payload.type === 'conversation.closed')!
    expect(closed.conversation.status).toBe('closed')
    expect(Date.parse(closed.conversation.closedAt!)).not.toBeNaN()
  })
})

describe('through the real server', () => {
  const start = serversPerTest()

  /** A webhook made over the REST API, as an integrator does; its secret comes from the answer. */
  async function apiWebhook(server: TestServer, url: string) {
    const { token } = await createApiToken(server.server.store, { name: 'CRM', siteIds: [server.site.id] })
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } })
    const created = await api('/webhooks', { method: 'POST', body: JSON.stringify({ site: server.site.id, url, events: ['conversation.opened', 'conversation.assigned', 'conversation.closed', 'message.created'] }) })
    expect(created.status).toBe(201)
    const { webhook, secret } = (await created.json()) as { webhook: { id: number }; secret: string }
    const log = async () => ((await (await api(`/webhooks/${webhook.id}/deliveries`)).json()) as { deliveries: { id: number; event: string; status: string; attempts: number; responseStatus: number | null }[] }).deliveries
    return { secret, log }
  }

  let refs = 0
  async function command(client: TestClient, frame: Record<string, unknown>) {
    const ref = `hook-${++refs}`
    client.send({ ...frame, ref })
    return client.waitFor('ok', (ok) => ok.ref === ref)
  }

  it('delivers a chat\'s events, signed with the secret the API showed, and lists them in the delivery log', async () => {
    const server = await start({ 'webhook-retry-delays': '100,100' })
    const inbox = await receiver()
    const { secret, log } = await apiWebhook(server, inbox.url)
    inbox.secret = secret

    const ada = await connectAgent(server, await server.addAgent({ name: 'Ada' }))
    const visitor = await connectVisitor(server)
    const { conv } = await visitor.client.say('My parcel is late')
    await visitor.client.waitFor('msg', (m) => m.sys === 'joined')
    await ada.client.say('Let me look.', conv)
    await ada.client.note('Courier says Tuesday', conv)
    await command(ada.client, { t: 'close', conv })

    await waitUntil(() => `6 deliveries (got ${inbox.received.length})`, () => inbox.received.length === 6)
    expect(inbox.received.every((request) => request.verified)).toBe(true)
    expect(inbox.payloads().map((payload) => payload.type).sort()).toEqual([
      'conversation.assigned', 'conversation.closed', 'conversation.opened', 'message.created', 'message.created', 'message.created',
    ])
    expect(inbox.payloads().every((payload) => payload.conversation.id === conv && payload.site.id === server.site.id)).toBe(true)
    expect(inbox.payloads().find((payload) => payload.message?.note)?.message).toMatchObject({ text: 'Courier says Tuesday', author: { role: 'agent', name: 'Ada' } })

    await waitUntil('the log shows six deliveries delivered', async () => (await log()).filter((delivery) => delivery.status === 'delivered').length === 6)
    expect((await log()).every((delivery) => delivery.attempts === 1 && delivery.responseStatus === 204)).toBe(true)
  })

  it('retries after a restart what was still pending, with the waits PARLEY_WEBHOOK_RETRY_DELAYS sets', async () => {
    const server = await start({ 'webhook-retry-delays': '1s' })
    const inbox = await receiver([answerWith(503, 'maintenance')])
    const { secret, log } = await apiWebhook(server, inbox.url)
    inbox.secret = secret

    const visitor = await connectVisitor(server)
    await visitor.client.say('Hello?')
    await waitUntil('two refused deliveries', async () => (await log()).filter((delivery) => delivery.attempts === 1).length === 2)
    expect((await log()).map((delivery) => [delivery.status, delivery.responseStatus])).toEqual([['pending', 503], ['pending', 503]])
    await visitor.client.close()

    await server.restart()
    inbox.answers.splice(0, inbox.answers.length, answerWith(200))
    await waitUntil('both delivered after the restart', async () => (await log()).every((delivery) => delivery.status === 'delivered'))
    expect((await log()).map((delivery) => [delivery.attempts, delivery.responseStatus])).toEqual([[2, 200], [2, 200]])
    expect(inbox.received).toHaveLength(4)
    expect(inbox.received.every((request) => request.verified)).toBe(true)
  })
})

describe('retries', () => {
  it('retries a receiver that answers 500 until it answers 200, with the same body each time', async () => {
    const { store, site } = await storeWithSite()
    const inbox = await receiver([answerWith(500, 'database is down'), answerWith(503), answerWith(200)])
    const webhook = await hook(store, site, inbox.url)
    const { events } = dispatcher(store)
    const conversation = await openConversation(store, site)
    events.emit({ type: 'conversation.opened', conversation, at: conversation.createdAt })

    const delivery = await deliveryWhen(store, webhook.id, 'delivered', (latest) => latest.status === 'delivered')
    expect(delivery).toMatchObject({ attempts: 3, responseStatus: 200, event: 'conversation.opened' })
    expect(delivery.deliveredAt).toBeGreaterThanOrEqual(delivery.createdAt)
    expect(inbox.received).toHaveLength(3)
    expect(new Set(inbox.received.map((request) => request.body)).size).toBe(1)
    expect(new Set(inbox.received.map((request) => request.headers['parley-delivery']))).toEqual(new Set([String(delivery.id)]))
    expect(inbox.received.every((request) => request.verified)).toBe(true)
  })

  it('records each failed attempt and gives up after the last wait: failed, with the last status and answer', async () => {
    const { store, site } = await storeWithSite()
    const inbox = await receiver([answerWith(500, 'database\n  is down')])
    const webhook = await hook(store, site, inbox.url)
    const { events } = dispatcher(store, { retryDelaysMs: [500, 30] })
    const conversation = await openConversation(store, site)
    events.emit({ type: 'conversation.opened', conversation, at: conversation.createdAt })

    const waiting = await deliveryWhen(store, webhook.id, 'the first attempt recorded', (latest) => latest.attempts === 1)
    expect(waiting).toMatchObject({ status: 'pending', responseStatus: 500, error: 'answered 500: database is down' })
    // 500 ms, give or take the jitter.
    expect(waiting.nextAttemptAt - waiting.createdAt).toBeGreaterThanOrEqual(400)

    const failed = await deliveryWhen(store, webhook.id, 'failed', (latest) => latest.status === 'failed')
    expect(failed).toMatchObject({ attempts: 3, responseStatus: 500, error: 'answered 500: database is down' })
    expect(failed.deliveredAt).toBeUndefined()
    expect(inbox.received).toHaveLength(3)
  })

  it('gives a receiver that never answers the timeout, then counts it as a failed attempt', async () => {
    const { store, site } = await storeWithSite()
    const inbox = await receiver([neverAnswer])
    const webhook = await hook(store, site, inbox.url)
    const { events } = dispatcher(store, { timeoutMs: 200, retryDelaysMs: [] })
    const conversation = await openConversation(store, site)
    events.emit({ type: 'conversation.opened', conversation, at: conversation.createdAt })

    const failed = await deliveryWhen(store, webhook.id, 'failed', (latest) => latest.status === 'failed')
    expect(failed).toMatchObject({ attempts: 1, error: 'no answer within 200 ms' })
    expect(failed.responseStatus).toBeUndefined()
    expect(inbox.received).toHaveLength(1)
  })

  it('does not follow redirects, and says so in the log', async () => {
    const { store, site } = await storeWithSite()
    const elsewhere = await receiver()
    const inbox = await receiver([(response) => response.writeHead(307, { location: elsewhere.url }).end()])
    const webhook = await hook(store, site, inbox.url)
    const { events } = dispatcher(store, { retryDelaysMs: [] })
    const conversation = await openConversation(store, site)
    events.emit({ type: 'conversation.opened', conversation, at: conversation.createdAt })

    const failed = await deliveryWhen(store, webhook.id, 'failed', (latest) => latest.status === 'failed')
    expect(failed.responseStatus).toBe(307)
    expect(failed.error).toContain('redirects are not followed')
    expect(elsewhere.received).toHaveLength(0)
  })

  it('records an unreachable receiver', async () => {
    const { store, site } = await storeWithSite()
    const gone = await startReceiver()
    await gone.close()
    const webhook = await hook(store, site, gone.url)
    const { events } = dispatcher(store, { retryDelaysMs: [] })
    const conversation = await openConversation(store, site)
    events.emit({ type: 'conversation.opened', conversation, at: conversation.createdAt })

    const failed = await deliveryWhen(store, webhook.id, 'failed', (latest) => latest.status === 'failed')
    expect(failed.error).toBe('could not reach the receiver: ECONNREFUSED')
  })

  it('leaves a receiver holding another secret unable to verify anything', async () => {
    const { store, site } = await storeWithSite()
    const inbox = await receiver([answerWith(204)], 'whsec_not-this-one')
    const webhook = await hook(store, site, inbox.url)
    const { events } = dispatcher(store)
    const conversation = await openConversation(store, site)
    events.emit({ type: 'conversation.opened', conversation, at: conversation.createdAt })

    await deliveryWhen(store, webhook.id, 'delivered', (latest) => latest.status === 'delivered')
    expect(inbox.received.map((request) => request.verified)).toEqual([false])
  })

  it('waits longer after each failure, within the jitter, and has no wait after the last attempt', () => {
    const low = () => 0
    const high = () => 0.999_999
    expect(DEFAULT_RETRY_DELAYS_MS).toEqual([10_000, 30_000, 120_000, 600_000, 3_600_000, 21_600_000])
    expect(retryDelay(1, DEFAULT_RETRY_DELAYS_MS, low)).toBe(8_000)
    expect(retryDelay(1, DEFAULT_RETRY_DELAYS_MS, high)).toBe(12_000)
    expect(retryDelay(6, DEFAULT_RETRY_DELAYS_MS, () => 0.5)).toBe(21_600_000)
    expect(retryDelay(7, DEFAULT_RETRY_DELAYS_MS)).toBeUndefined()
  })
})

describe('the queue', () => {
  it('sends deliveries still pending at a stop after the restart, on the same database file', async () => {
    const stored = await storeWithSite()
    const inbox = await receiver([neverAnswer, answerWith(200)])
    const webhook = await hook(stored.store, stored.site, inbox.url)
    const first = dispatcher(stored.store, { stopWaitMs: 100 })
    const conversation = await openConversation(stored.store, stored.site)
    first.events.emit({ type: 'conversation.opened', conversation, at: conversation.createdAt })
    await waitUntil('the receiver holds the request', () => inbox.received.length === 1)
    await first.webhooks.stop()

    // Cut short by the stop: not counted against the receiver, still pending.
    const [pending] = await deliveriesOf(stored.store, webhook.id)
    expect(pending).toMatchObject({ status: 'pending', attempts: 0 })
    const store = await stored.reopen()
    dispatcher(store)

    const delivered = await deliveryWhen(store, webhook.id, 'delivered after the restart', (latest) => latest.status === 'delivered')
    expect(delivered).toMatchObject({ id: pending!.id, attempts: 1, responseStatus: 200 })
    // At least once: the receiver may see an event again, with the same body and id.
    expect(inbox.received).toHaveLength(2)
    expect(inbox.received[1]!.body).toBe(inbox.received[0]!.body)
    expect(inbox.received.every((request) => request.verified)).toBe(true)
  })

  it('sends a delivery a vanished node had claimed once its claim runs out, and not before', async () => {
    const { store, site } = await storeWithSite()
    const inbox = await receiver()
    const webhook = await hook(store, site, inbox.url)
    await store.enqueueWebhookDeliveries(site.id, 'conversation.opened', '{"id":"evt_1"}', Date.now())
    const claimedAt = Date.now()
    // Claimed by a node that then died: it recorded no attempt and gave nothing back.
    expect(await store.claimDueDeliveries({ now: claimedAt, limit: 1, leaseMs: 500, claimant: 'vanished-node' })).toHaveLength(1)
    const { webhooks } = dispatcher(store)
    await webhooks.runDue()
    expect(inbox.received).toHaveLength(0)

    const delivered = await deliveryWhen(store, webhook.id, 'delivered once the claim ran out', (latest) => latest.status === 'delivered')
    expect(delivered.deliveredAt! - claimedAt).toBeGreaterThanOrEqual(500)
    expect(inbox.received).toHaveLength(1)
  })

  it('holds what it claims for longer than the receiver has to answer, so that no other node sends it meanwhile', async () => {
    const { store, site } = await storeWithSite()
    const inbox = await receiver([neverAnswer])
    await hook(store, site, inbox.url)
    await store.enqueueWebhookDeliveries(site.id, 'conversation.opened', '{"id":"evt_1"}', Date.now())
    dispatcher(store, { timeoutMs: 5_000, stopWaitMs: 0 })
    await waitUntil('the receiver holds the request', () => inbox.received.length === 1)

    // Another node, looking when the receiver's time is up: the claim still holds.
    expect(await store.claimDueDeliveries({ now: Date.now() + 5_000, limit: 1, leaseMs: 1, claimant: 'other-node' })).toEqual([])
  })

  it('lets an attempt under way finish before a stop resolves', async () => {
    const { store, site } = await storeWithSite()
    const held: ServerResponse[] = []
    const inbox = await receiver([(response) => void held.push(response)])
    const webhook = await hook(store, site, inbox.url)
    const { events, webhooks } = dispatcher(store, { stopWaitMs: 10_000 })
    const conversation = await openConversation(store, site)
    events.emit({ type: 'conversation.opened', conversation, at: conversation.createdAt })
    await waitUntil('the receiver holds the request', () => held.length === 1)

    const stopping = webhooks.stop()
    held[0]!.writeHead(200).end()
    await stopping
    expect(await deliveriesOf(store, webhook.id)).toMatchObject([{ status: 'delivered', attempts: 1 }])
  })

  it('queues events that happened just before a stop, for the next start', async () => {
    const { store, site } = await storeWithSite()
    const inbox = await receiver()
    const webhook = await hook(store, site, inbox.url)
    const first = dispatcher(store)
    const conversation = await openConversation(store, site)
    first.events.emit({ type: 'conversation.opened', conversation, at: conversation.createdAt })
    await first.webhooks.stop()
    expect(await deliveriesOf(store, webhook.id)).toHaveLength(1)

    dispatcher(store)
    await deliveryWhen(store, webhook.id, 'delivered', (latest) => latest.status === 'delivered')
    expect(inbox.received).toHaveLength(1)
  })

  it('sends nothing to a paused webhook nor events a webhook did not ask for', async () => {
    const { store, site } = await storeWithSite()
    const messagesOnly = await receiver()
    const paused = await receiver()
    const wantsMessages = await hook(store, site, messagesOnly.url, ['message.created'])
    const pausedHook = await hook(store, site, paused.url)
    await store.updateWebhook(pausedHook.id, { active: false })
    const { events, webhooks } = dispatcher(store)
    const conversation = await openConversation(store, site)
    const [message] = await store.messagesAfter(conversation.id, 0, 1)
    events.emit({ type: 'conversation.opened', conversation, at: conversation.createdAt })
    events.emit({ type: 'message.created', conversation, message: message!, at: message!.createdAt })
    events.emit({ type: 'conversation.closed', conversation: { ...conversation, status: 'closed', closedAt: Date.now() }, at: Date.now() })

    await deliveryWhen(store, wantsMessages.id, 'the message delivered', (latest) => latest.status === 'delivered')
    await webhooks.runDue()
    expect(messagesOnly.payloads().map((payload) => payload.type)).toEqual(['message.created'])
    expect(await deliveriesOf(store, wantsMessages.id)).toHaveLength(1)
    expect(paused.received).toHaveLength(0)
    expect(await deliveriesOf(store, pausedHook.id)).toHaveLength(0)
  })

  it('gives up a delivery whose webhook was paused after the event was queued', async () => {
    const { store, site } = await storeWithSite()
    const inbox = await receiver()
    const webhook = await hook(store, site, inbox.url)
    await store.enqueueWebhookDeliveries(site.id, 'conversation.opened', '{"id":"evt_1"}', Date.now())
    await store.updateWebhook(webhook.id, { active: false })
    const { webhooks } = dispatcher(store)
    await webhooks.runDue()

    const [delivery] = await deliveriesOf(store, webhook.id)
    expect(delivery).toMatchObject({ status: 'failed', attempts: 0, error: 'not sent: the webhook was deactivated' })
    expect(inbox.received).toHaveLength(0)
  })

  it('sends a few deliveries at once, never the same one twice at once', async () => {
    const { store, site } = await storeWithSite()
    const held: ServerResponse[] = []
    const inbox = await receiver([(response) => void held.push(response)])
    const webhook = await hook(store, site, inbox.url, ['message.created'])
    for (let i = 0; i < 8; i++) await store.enqueueWebhookDeliveries(site.id, 'message.created', JSON.stringify({ id: `evt_${i}` }), Date.now())
    dispatcher(store, { concurrency: 3 })

    await waitUntil('three requests held', () => inbox.open === 3)
    // One answer at a time: each frees one slot while the other two are still due in the store.
    const answerOne = setInterval(() => held.shift()?.writeHead(200).end(), 25)
    cleanups.push(async () => clearInterval(answerOne))
    await waitUntil('all eight delivered', async () => (await deliveriesOf(store, webhook.id)).every((delivery) => delivery.status === 'delivered'))
    expect(inbox.mostAtOnce).toBe(3)
    expect(inbox.received).toHaveLength(8)
    expect(new Set(inbox.received.map((request) => request.headers['parley-delivery'])).size).toBe(8)
  })

  it('signs each attempt with the secret the webhook has then, so a rotation reaches pending retries', async () => {
    const { store, site } = await storeWithSite()
    const inbox = await receiver([answerWith(401, 'bad signature'), answerWith(200)])
    const webhook = await hook(store, site, inbox.url)
    const { events } = dispatcher(store, { retryDelaysMs: [300] })
    const conversation = await openConversation(store, site)
    events.emit({ type: 'conversation.opened', conversation, at: conversation.createdAt })
    await deliveryWhen(store, webhook.id, 'the first attempt refused', (latest) => latest.attempts === 1)

    await store.updateWebhook(webhook.id, { secret: 'whsec_rotated' })
    await deliveryWhen(store, webhook.id, 'delivered', (latest) => latest.status === 'delivered')
    const [before, after] = inbox.received.map((request) => (secret: string) =>
      verifyWebhookSignature(secret, request.headers['parley-signature'] as string, request.raw))
    expect([before!(SECRET), before!('whsec_rotated')]).toEqual([true, false])
    expect([after!(SECRET), after!('whsec_rotated')]).toEqual([false, true])
  })
})

describe('signatures', () => {
  const body = '{"id":"evt_1","type":"message.created"}'
  const now = Math.floor(Date.now() / 1000)
  /** Checked at `now` exactly, so that a slow run cannot move the bounds. */
  const verifyNow = (secret: string, header: string | undefined, signed: string | Buffer, tolerance?: number) =>
    verifyWebhookSignature(secret, header, signed, tolerance, now)

  it('verify with the secret, the raw body and a recent time', () => {
    const header = signatureHeader(SECRET, body, now)
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
    expect(verifyNow(SECRET, header, body)).toBe(true)
    expect(verifyNow(SECRET, header, Buffer.from(body))).toBe(true)
  })

  it('fail with another secret, a changed body, an old or future time, or a malformed header', () => {
    const header = signatureHeader(SECRET, body, now)
    expect(verifyNow('whsec_wrong', header, body)).toBe(false)
    expect(verifyNow(SECRET, header, body.replace('evt_1', 'evt_2'))).toBe(false)
    expect(verifyNow(SECRET, header.replace(`t=${now}`, `t=${now + 1}`), body)).toBe(false)
    expect(verifyNow(SECRET, signatureHeader(SECRET, body, now - 301), body)).toBe(false)
    expect(verifyNow(SECRET, signatureHeader(SECRET, body, now - 301), body, 600)).toBe(true)
    expect(verifyNow(SECRET, signatureHeader(SECRET, body, now + 301), body)).toBe(false)
    for (const malformed of [undefined, '', 'v1=abc', `t=${now}`, `t=soon,v1=${'0'.repeat(64)}`, `t=${now},v1=${'z'.repeat(64)}`]) {
      expect(verifyNow(SECRET, malformed, body)).toBe(false)
    }
  })

  it('accept a header with several v1 values when one matches', () => {
    const header = signatureHeader(SECRET, body, now)
    const other = signatureHeader('whsec_old', body, now).split(',')[1]
    expect(verifyNow(SECRET, `${header},${other}`, body)).toBe(true)
    expect(verifyNow('whsec_old', `${header},${other}`, body)).toBe(true)
    expect(verifyNow('whsec_third', `${header},${other}`, body)).toBe(false)
  })
})

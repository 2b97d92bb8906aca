/**
 * Webhook delivery from several nodes: two dispatchers, each on a pool of its own over one
 * PostgreSQL schema, as two Parley processes run, send to one receiving HTTP server on
 * 127.0.0.1. Every delivery arrives there once, and a refused one once more after its retry,
 * whichever node queued it and whichever node retries it.
 *
 * Without a reachable PostgreSQL the suite is skipped, loudly, except on CI, where it fails.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createDomainEvents } from '../../server/chat/domain-events.js'
import { createLogger } from '../../server/ops/logger.js'
import { openPostgresStore } from '../../server/store/index.js'
import type { DeliveryClaim, Store } from '../../server/store/index.js'
import { startWebhooks, verifyWebhookSignature } from '../../server/webhooks/index.js'
import { waitUntil } from '../support/node-transports.js'
import { missingServices, POSTGRES_URL } from '../support/services.js'
import { dropSchema, freshSchemaName } from '../support/test-database.js'

const SECRET = 'whsec_nodes'
const silent = createLogger('silent')
const QUEUED_BEFORE_START = 40
const EMITTED_PER_NODE = 10

interface Arrival {
  deliveryId: number
  accepted: boolean
  verified: boolean
}

/**
 * A receiver that refuses (503) the first arrival of each even-numbered delivery, so that half
 * the deliveries are retried, and answers after a short wait, so that attempts overlap.
 */
async function startReceiver() {
  const arrivals: Arrival[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const deliveryId = Number(request.headers['parley-delivery'])
      const accepted = deliveryId % 2 === 1 || arrivals.some((arrival) => arrival.deliveryId === deliveryId)
      const verified = verifyWebhookSignature(SECRET, request.headers['parley-signature'] as string, Buffer.concat(chunks))
      arrivals.push({ deliveryId, accepted, verified })
      setTimeout(() => response.writeHead(accepted ? 204 : 503).end(), 10)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    arrivals,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

describe.skipIf(await missingServices('the webhook tests across nodes', 'postgres'))('webhooks sent by two nodes sharing PostgreSQL', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  /** A node: a store on a pool of its own, and a dispatcher fed by events of its own. Counts what it claimed. */
  function startNode(schema: string) {
    const store = openPostgresStore({ connectionString: POSTGRES_URL, schema })
    cleanups.push(() => store.close())
    const events = createDomainEvents((error) => { throw error })
    let claimed = 0
    const counted: Store = {
      ...store,
      async claimDueDeliveries(claim: DeliveryClaim) {
        const due = await store.claimDueDeliveries(claim)
        claimed += due.length
        return due
      },
    }
    const start = () => {
      const webhooks = startWebhooks({ store: counted, service: { onEvent: events.listen }, logger: silent, timeoutMs: 2_000, retryDelaysMs: [30, 30] })
      cleanups.push(() => webhooks.stop())
      return webhooks
    }
    return { store, events, start, get claimed() { return claimed } }
  }

  it('delivers every delivery exactly once, retries included', async () => {
    const schema = freshSchemaName()
    cleanups.push(() => dropSchema(schema))
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    const [a, b] = [startNode(schema), startNode(schema)]
    await Promise.all([a.store.migrate(), b.store.migrate()])
    const site = await a.store.createSite({ name: 'Shop', key: 'shop', allowedOrigins: ['*'], widget: { color: '#0a7cff', greeting: 'Hi!', position: 'right' } })
    const webhook = await a.store.createWebhook({ siteId: site.id, url: receiver.url, secret: SECRET, events: ['message.created'] })
    const visitor = await a.store.createVisitor(site.id, 'visitor-token', {}, Date.now())
    const { conversation, message } = await a.store.appendVisitorMessage({
      siteId: site.id, visitorId: visitor.id, clientId: 'v1', text: 'Hello', reopenWindowMs: 0, now: Date.now(),
    })
    // Queued while no node was running: both find them due when they start.
    for (let n = 0; n < QUEUED_BEFORE_START; n++) {
      await a.store.enqueueWebhookDeliveries(site.id, 'message.created', JSON.stringify({ id: `evt_${n}` }), Date.now(), conversation.id)
    }

    a.start()
    b.start()
    // Events as they happen on each node, queued and sent while the backlog is going out.
    for (let n = 0; n < EMITTED_PER_NODE; n++) {
      for (const node of [a, b]) node.events.emit({ type: 'message.created', conversation, message, at: Date.now() })
    }

    const total = QUEUED_BEFORE_START + 2 * EMITTED_PER_NODE
    await waitUntil(() => `all ${total} delivered (arrivals: ${receiver.arrivals.length})`, async () => {
      const log = await a.store.listWebhookDeliveries(webhook.id, 2 * total)
      return log.length === total && log.every((delivery) => delivery.status === 'delivered')
    }, 15_000)

    const log = await b.store.listWebhookDeliveries(webhook.id, 2 * total)
    const arrivalsOf = (id: number) => receiver.arrivals.filter((arrival) => arrival.deliveryId === id)
    for (const delivery of log) {
      const retried = delivery.id % 2 === 0
      expect(arrivalsOf(delivery.id).map((arrival) => arrival.accepted), `delivery ${delivery.id}`).toEqual(retried ? [false, true] : [true])
      expect(delivery.attempts).toBe(retried ? 2 : 1)
    }
    expect(receiver.arrivals).toHaveLength(log.length + log.filter((delivery) => delivery.id % 2 === 0).length)
    expect(receiver.arrivals.every((arrival) => arrival.verified)).toBe(true)
    // Both nodes took part: the claims, not one node's luck, kept them apart.
    expect(a.claimed).toBeGreaterThan(0)
    expect(b.claimed).toBeGreaterThan(0)
  })
})

/**
 * Delivers webhooks: every conversation event is queued in the store, one delivery per active
 * webhook of the site that wants it, then sent by a loop that retries failures with growing
 * waits. The queue is the store, so a restart picks up whatever was still pending.
 *
 * A delivery is sent at least once: one cut short by a stop is sent again after the restart,
 * even if the receiver had already taken it. Receivers deduplicate on the body's `id`.
 *
 * Several nodes may share the store, each running a dispatcher: a dispatcher claims what it is
 * about to send for longer than an attempt can take, and the others pass it by meanwhile. A
 * node that dies leaves its claims to run out, after which another node sends them.
 */
import type { ChatService } from '../chat/chat-service.js'
import type { DomainEvent } from '../chat/domain-events.js'
import type { Logger } from '../ops/logger.js'
import type { DeliveryAttempt, DueDelivery, Store } from '../store/store.js'
import { deliveryLeaseMs, newClaimant } from './delivery-lease.js'
import { DEFAULT_RETRY_DELAYS_MS, retryDelay } from './retry-schedule.js'
import { sendDelivery } from './send-delivery.js'
import { webhookPayload } from './webhook-payload.js'

/** Attempts at once: enough that one slow receiver does not hold up the others, few enough to spare the server. */
const DEFAULT_CONCURRENCY = 4
/**
 * How often the store is checked for deliveries nobody woke us for: retries queued before a
 * restart. Retries scheduled by this process wake it at their time.
 */
const MAX_POLL_MS = 10_000
/** Longest `stop()` waits for attempts under way before cutting them short. */
const DEFAULT_STOP_WAIT_MS = 5_000

export interface WebhooksOptions {
  store: Store
  service: Pick<ChatService, 'onEvent'>
  logger: Logger
  /** How long a receiver has to answer an attempt (PARLEY_WEBHOOK_TIMEOUT); claims last this long and a margin. */
  timeoutMs: number
  /** Waits after each failed attempt; after the last, the delivery has failed. */
  retryDelaysMs?: readonly number[]
  concurrency?: number
  stopWaitMs?: number
}

export interface Webhooks {
  /** Sends whatever is due now and resolves once nothing due is left unsent or under way. */
  runDue(): Promise<void>
  /** Stops listening and sending; attempts under way get `stopWaitMs` to finish, then are cut short (and stay pending). */
  stop(): Promise<void>
}

/**
 * @example const webhooks = startWebhooks({ store, service, logger, timeoutMs: config.webhookTimeoutMs }); ...; await webhooks.stop()
 */
export function startWebhooks({
  store, service, logger, timeoutMs, retryDelaysMs = DEFAULT_RETRY_DELAYS_MS, concurrency = DEFAULT_CONCURRENCY, stopWaitMs = DEFAULT_STOP_WAIT_MS,
}: WebhooksOptions): Webhooks {
  let stopped = false
  const claimant = newClaimant()
  const leaseMs = deliveryLeaseMs(timeoutMs)
  /** Attempts under way, by delivery id: a delivery is never attempted twice at once. */
  const inFlight = new Map<number, { done: Promise<void>; controller: AbortController }>()
  /** Enqueues run one after another, so deliveries are queued in the order events happened. */
  let queued: Promise<void> = Promise.resolve()
  let pass: Promise<void> | undefined
  let passAgain = false
  let wakeTimer: NodeJS.Timeout | undefined
  let wakeAt = Infinity
  const pollMs = Math.min(MAX_POLL_MS, Math.max(50, retryDelaysMs[0] ?? MAX_POLL_MS))

  function enqueue(event: DomainEvent) {
    if (stopped) return
    const payload = () => JSON.stringify(webhookPayload(event))
    queued = queued
      .then(() => store.enqueueWebhookDeliveries(event.conversation.siteId, event.type, payload, Date.now(), event.conversation.id))
      .then((count) => {
        if (count > 0) wake()
      })
      .catch((error: unknown) => logger.error({ err: error, event: event.type, conversationId: event.conversation.id }, 'webhook deliveries could not be queued'))
  }

  /** Records what became of a claimed delivery, which ends the claim; whether the claim was still ours to end. */
  async function record(delivery: DueDelivery, attempt: Omit<DeliveryAttempt, 'claimant'>): Promise<boolean> {
    const recorded = await store.recordDeliveryAttempt(delivery.id, { ...attempt, claimant })
    if (!recorded) {
      logger.warn({ deliveryId: delivery.id, webhookId: delivery.webhookId, claimant, leaseMs },
        'webhook delivery attempt not recorded: its claim ran out and another node took it over, or it was deleted')
    }
    return recorded
  }

  async function attempt(delivery: DueDelivery, signal: AbortSignal) {
    const webhook = await store.getWebhook(delivery.webhookId)
    // A deleted webhook took its deliveries with it.
    if (!webhook) return
    if (!webhook.active) {
      // Paused after the event was queued: nothing is sent, and the log says why.
      await record(delivery, {
        status: 'failed', attempts: delivery.attempts, nextAttemptAt: Date.now(), error: 'not sent: the webhook was deactivated',
      })
      return
    }
    const outcome = await sendDelivery(delivery, { timeoutMs, signal })
    if (signal.aborted) {
      // Cut short by stop(): not an attempt the receiver failed. Given back, it is due at once
      // for the next start or for another node, rather than after the claim runs out.
      await store.releaseDelivery(delivery.id, claimant)
      return
    }
    const attempts = delivery.attempts + 1
    const at = Date.now()
    if (outcome.delivered) {
      await record(delivery, { status: 'delivered', attempts, nextAttemptAt: at, responseStatus: outcome.responseStatus, deliveredAt: at })
      return
    }
    const wait = retryDelay(attempts, retryDelaysMs)
    const failure = { responseStatus: outcome.responseStatus, error: outcome.error }
    if (wait === undefined) {
      if (await record(delivery, { status: 'failed', attempts, nextAttemptAt: at, ...failure })) {
        logger.warn({ deliveryId: delivery.id, webhookId: delivery.webhookId, attempts, ...failure }, 'webhook delivery failed for good')
      }
      return
    }
    if (!(await record(delivery, { status: 'pending', attempts, nextAttemptAt: at + wait, ...failure }))) return
    logger.debug({ deliveryId: delivery.id, webhookId: delivery.webhookId, attempts, retryInMs: wait, ...failure }, 'webhook delivery will be retried')
    wakeLater(at + wait)
  }

  function startAttempt(delivery: DueDelivery) {
    const controller = new AbortController()
    const done = attempt(delivery, controller.signal)
      .catch((error: unknown) => logger.error({ err: error, deliveryId: delivery.id }, 'webhook delivery attempt could not be recorded'))
      .finally(() => {
        inFlight.delete(delivery.id)
        // A slot is free: the next due delivery may go.
        wake()
      })
    inFlight.set(delivery.id, { done, controller })
  }

  /** Claims as many due deliveries as there are free slots, and starts them: a claim is never left waiting here. */
  async function startDueAttempts() {
    while (!stopped && inFlight.size < concurrency) {
      const claimed = await store.claimDueDeliveries({ now: Date.now(), limit: concurrency - inFlight.size, leaseMs, claimant })
      const fresh = claimed.filter((delivery) => !inFlight.has(delivery.id))
      // Claimed as stop() began: given back, to be sent at once by the next start or another node.
      if (stopped) for (const delivery of fresh) await store.releaseDelivery(delivery.id, claimant)
      // Nothing new: the rest are under way here, past their claim (the store stalled), and this claim renewed it.
      if (stopped || fresh.length === 0) return
      for (const delivery of fresh) startAttempt(delivery)
    }
  }

  /** Looks for due deliveries now; a wake during a look makes it look once more when done. */
  function wake() {
    if (stopped) return
    if (pass) {
      passAgain = true
      return
    }
    pass = (async function lookForDueDeliveries() {
      do {
        passAgain = false
        try {
          await startDueAttempts()
        } catch (error) {
          logger.error({ err: error }, 'could not read due webhook deliveries')
        }
      } while (passAgain && !stopped)
    })().finally(() => {
      pass = undefined
    })
  }

  /** Wakes at `at`, unless a wake is already set for earlier. */
  function wakeLater(at: number) {
    if (stopped || at >= wakeAt) return
    clearTimeout(wakeTimer)
    wakeAt = at
    wakeTimer = setTimeout(function retryTime() {
      wakeAt = Infinity
      wake()
    }, Math.max(0, at - Date.now()))
    wakeTimer.unref()
  }

  const stopListening = service.onEvent(enqueue)
  const poll = setInterval(wake, pollMs)
  // Pending deliveries never keep the process alive.
  poll.unref()
  // Whatever was due when the server stopped goes out now.
  wake()

  return {
    async runDue() {
      for (;;) {
        wake()
        await queued
        await pass
        if (stopped || inFlight.size === 0) return
        await Promise.race([...inFlight.values()].map((running) => running.done))
      }
    },
    async stop() {
      if (stopped) return
      stopListening()
      // Events that happened before the stop are queued, for the next start to send.
      await queued
      stopped = true
      clearInterval(poll)
      clearTimeout(wakeTimer)
      await pass
      const running = [...inFlight.values()]
      let waited: NodeJS.Timeout | undefined
      const allDone = Promise.all(running.map((attempt) => attempt.done))
      await Promise.race([allDone, new Promise<void>((resolve) => (waited = setTimeout(resolve, stopWaitMs)))])
      clearTimeout(waited)
      for (const attempt of running) attempt.controller.abort()
      await allDone
    },
  }
}

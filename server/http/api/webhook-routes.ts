/**
 * Webhooks per site: create, change, delete, rotate the signing secret, and read the delivery
 * log. The secret is shown once, when it is made; after that only its owner has it. Each change
 * is recorded in the audit log: a webhook sends the site's conversations to another server.
 */
import { Hono, type Context } from 'hono'
import { describeRoute, resolver } from 'hono-openapi'
import * as v from 'valibot'
import { newToken } from '../../auth/tokens.js'
import { WEBHOOK_EVENTS, type Webhook, type WebhookDelivery } from '../../store/types.js'
import { apiError } from '../errors.js'
import type { ApiDeps } from './api-deps.js'
import type { ApiEnv } from './api-auth.js'
import { apiValidator } from './api-validator.js'

/** Ids in paths are digits; anything else is no webhook at all (404). */
const ID = ':id{[0-9]{1,15}}'

const MAX_URL_LENGTH = 2000
const DELIVERY_PAGE = { default: 50, max: 200 }

/**
 * Loopback and private addresses are allowed on purpose: Parley is self-hosted, and its
 * receivers (a CRM, a ticket system) often live on the same private network. Only holders of
 * an API token can add a webhook, and a delivery reveals nothing of the answer but its status.
 */
function isHttpUrl(text: string) {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

/** fetch refuses URLs with credentials, and a password in a URL would be shown in every listing. */
function hasNoCredentials(text: string) {
  // Valibot runs every check of a pipe: a text that is no URL at all is the check above's to report.
  if (!URL.canParse(text)) return true
  const url = new URL(text)
  return url.username === '' && url.password === ''
}

const urlSchema = v.pipe(
  v.string('must be a URL'),
  v.maxLength(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`),
  v.check(isHttpUrl, 'must be an http:// or https:// URL'),
  v.check(hasNoCredentials, 'must not carry a user name or password: check the Parley-Signature header instead'),
  v.description('Where deliveries are POSTed: http or https; private and loopback addresses are allowed (self-hosted receivers). Redirects are not followed'),
)

const eventsSchema = v.pipe(
  v.array(v.picklist(WEBHOOK_EVENTS, `must be one of ${WEBHOOK_EVENTS.join(', ')}`), 'must be a list of events'),
  v.minLength(1, 'must name at least one event'),
  v.transform((events) => [...new Set(events)]),
  v.description(`The events to deliver: ${WEBHOOK_EVENTS.join(', ')}`),
)

const newWebhookBody = v.strictObject({
  site: v.pipe(v.number('must be a site id'), v.integer('must be a site id'), v.minValue(1, 'must be a site id'), v.description('The site whose events are delivered (one the token may use)')),
  url: urlSchema,
  events: eventsSchema,
}, 'must be { "site": <site id>, "url": "https://…", "events": [...] } and nothing else')

const webhookPatch = v.pipe(
  v.strictObject({
    url: v.optional(urlSchema),
    events: v.optional(eventsSchema),
    active: v.optional(v.pipe(v.boolean('must be true or false'), v.description('false pauses deliveries: events meanwhile are not delivered, even later'))),
  }, 'may hold only url, events and active'),
  v.check((patch) => Object.keys(patch).length > 0, 'send at least one of url, events and active'),
)

const deliveriesQuery = v.object({
  limit: v.pipe(
    v.optional(v.string(), String(DELIVERY_PAGE.default)),
    v.regex(/^\d{1,4}$/, 'must be a whole number'),
    v.transform(Number),
    v.minValue(1, 'must be at least 1'),
    v.maxValue(DELIVERY_PAGE.max, `must be at most ${DELIVERY_PAGE.max}`),
    v.description(`How many deliveries, newest first (${DELIVERY_PAGE.default} by default)`),
  ),
})

const isoTime = (description: string) => v.pipe(v.string(), v.description(`${description} (ISO 8601, UTC)`))

/** A webhook as listed: never its secret. */
const webhookSchema = v.object({
  id: v.number(),
  siteId: v.number(),
  url: v.string(),
  events: v.array(v.picklist(WEBHOOK_EVENTS)),
  active: v.boolean(),
  createdAt: isoTime('When it was made'),
})

/** A webhook just made or given a new secret: the only answers that carry the secret. */
const webhookWithSecret = v.object({
  webhook: webhookSchema,
  secret: v.pipe(v.string(), v.description('whsec_…: keys the HMAC in Parley-Signature. Shown this once: keep it in the receiver\'s configuration')),
})

const deliverySchema = v.object({
  id: v.pipe(v.number(), v.description('The Parley-Delivery header of its requests')),
  event: v.picklist(WEBHOOK_EVENTS),
  status: v.pipe(v.picklist(['pending', 'delivered', 'failed']), v.description('pending: not yet delivered, retried at nextAttemptAt; failed: given up after the last retry')),
  attempts: v.pipe(v.number(), v.description('Requests made so far')),
  responseStatus: v.pipe(v.nullable(v.number()), v.description('The receiver\'s HTTP status on the last attempt; null when it did not answer')),
  error: v.pipe(v.nullable(v.string()), v.description('Why the last attempt failed: the answer\'s status and start, a timeout, an unreachable host')),
  createdAt: isoTime('When the event was queued'),
  nextAttemptAt: v.nullable(isoTime('When a pending delivery is tried next')),
  deliveredAt: v.nullable(isoTime('When the receiver accepted it')),
})

const webhookView = (webhook: Webhook): v.InferOutput<typeof webhookSchema> => ({
  id: webhook.id,
  siteId: webhook.siteId,
  url: webhook.url,
  events: webhook.events,
  active: webhook.active,
  createdAt: new Date(webhook.createdAt).toISOString(),
})

const deliveryView = (delivery: WebhookDelivery): v.InferOutput<typeof deliverySchema> => ({
  id: delivery.id,
  event: delivery.event,
  status: delivery.status,
  attempts: delivery.attempts,
  responseStatus: delivery.responseStatus ?? null,
  error: delivery.error ?? null,
  createdAt: new Date(delivery.createdAt).toISOString(),
  nextAttemptAt: delivery.status === 'pending' ? new Date(delivery.nextAttemptAt).toISOString() : null,
  deliveredAt: delivery.deliveredAt === undefined ? null : new Date(delivery.deliveredAt).toISOString(),
})

const newSecret = () => newToken('whsec_')

const json = <T extends v.GenericSchema>(description: string, schema: T) =>
  ({ description, content: { 'application/json': { schema: resolver(schema) } } })

const commonResponses = {
  401: { description: 'No API token, or an unknown or revoked one' },
  429: { description: 'Too many requests with this token this minute (see Retry-After)' },
}
const notFoundResponse = { 404: { description: 'No webhook with that id on the token\'s sites' } }

export function webhookRoutes({ store, logger }: ApiDeps) {
  const app = new Hono<ApiEnv>()

  /** The webhook of the path, if it belongs to one of the token's sites: another site's is as missing as a missing one. */
  async function visibleWebhook(c: Context<ApiEnv>): Promise<Webhook | undefined> {
    const webhook = await store.getWebhook(Number(c.req.param('id')))
    return webhook && c.var.siteIds.includes(webhook.siteId) ? webhook : undefined
  }
  const notFound = (c: Context<ApiEnv>) => apiError(c, 404, 'not_found', `no webhook has the id ${c.req.param('id')}`)

  function audit(c: Context<ApiEnv>, action: string, webhook: Webhook, details: Record<string, unknown> = {}) {
    logger.info({ webhookId: webhook.id, siteId: webhook.siteId, tokenId: c.var.token.id, ...details }, action)
    return store.recordAudit({
      at: Date.now(), actor: `token:${c.var.token.id}`, action, siteId: webhook.siteId, subject: `webhook:${webhook.id}`, details,
    })
  }

  app.get('/webhooks', describeRoute({
    tags: ['Webhooks'],
    summary: 'The webhooks of the token\'s sites',
    responses: { 200: json('Every webhook, by id, without secrets', v.object({ webhooks: v.array(webhookSchema) })), ...commonResponses },
  }), async (c) => {
    const webhooks = await store.listWebhooks(c.var.siteIds)
    return c.json({ webhooks: webhooks.map(webhookView) })
  })

  app.post('/webhooks', describeRoute({
    tags: ['Webhooks'],
    summary: 'Add a webhook to a site',
    description: 'Answers with the signing secret, shown this once. Deliveries start with the next event.',
    responses: {
      201: json('The webhook and its signing secret', webhookWithSecret),
      ...commonResponses,
      404: { description: 'No site with that id among the token\'s sites' },
      422: { description: 'The site, URL or events are invalid, or another field was sent' },
    },
  }), apiValidator('json', newWebhookBody), async (c) => {
    const { site, url, events } = c.req.valid('json')
    if (!c.var.siteIds.includes(site)) return apiError(c, 404, 'not_found', `no site has the id ${site}`)
    const secret = newSecret()
    const webhook = await store.createWebhook({ siteId: site, url, secret, events })
    await audit(c, 'webhook.created', webhook, { url, events })
    return c.json({ webhook: webhookView(webhook), secret }, 201)
  })

  app.patch(`/webhooks/${ID}`, describeRoute({
    tags: ['Webhooks'],
    summary: 'Change a webhook\'s URL or events, or pause and resume it',
    description: 'Deliveries already queued go to the new URL. Pausing (active: false) also gives up those still pending.',
    responses: {
      200: json('The webhook as changed', v.object({ webhook: webhookSchema })),
      ...commonResponses, ...notFoundResponse,
      422: { description: 'A field is invalid, unknown, or none was sent' },
    },
  }), apiValidator('json', webhookPatch), async (c) => {
    const webhook = await visibleWebhook(c)
    if (!webhook) return notFound(c)
    const patch = c.req.valid('json')
    const updated = await store.updateWebhook(webhook.id, patch)
    if (!updated) return notFound(c)
    await audit(c, 'webhook.updated', updated, { ...patch, ...(patch.url ? { previousUrl: webhook.url } : {}) })
    return c.json({ webhook: webhookView(updated) })
  })

  app.delete(`/webhooks/${ID}`, describeRoute({
    tags: ['Webhooks'],
    summary: 'Delete a webhook, with its delivery log and pending deliveries',
    responses: { 204: { description: 'Deleted' }, ...commonResponses, ...notFoundResponse },
  }), async (c) => {
    const webhook = await visibleWebhook(c)
    if (!webhook || !(await store.deleteWebhook(webhook.id))) return notFound(c)
    await audit(c, 'webhook.deleted', webhook, { url: webhook.url })
    return c.body(null, 204)
  })

  app.post(`/webhooks/${ID}/rotate-secret`, describeRoute({
    tags: ['Webhooks'],
    summary: 'Give a webhook a new signing secret',
    description: 'The old secret stops at once: every delivery from now on, retries included, is signed with the new one, shown this once.',
    responses: { 200: json('The webhook and its new signing secret', webhookWithSecret), ...commonResponses, ...notFoundResponse },
  }), async (c) => {
    const webhook = await visibleWebhook(c)
    if (!webhook) return notFound(c)
    const secret = newSecret()
    const updated = await store.updateWebhook(webhook.id, { secret })
    if (!updated) return notFound(c)
    await audit(c, 'webhook.secret_rotated', updated)
    return c.json({ webhook: webhookView(updated), secret })
  })

  app.get(`/webhooks/${ID}/deliveries`, describeRoute({
    tags: ['Webhooks'],
    summary: 'A webhook\'s delivery log, newest first',
    description: 'Each event queued for this webhook: its status, the number of attempts, and the last answer or error.',
    responses: {
      200: json('The latest deliveries', v.object({ deliveries: v.array(deliverySchema) })),
      ...commonResponses, ...notFoundResponse,
      422: { description: `limit is not a whole number from 1 to ${DELIVERY_PAGE.max}` },
    },
  }), apiValidator('query', deliveriesQuery), async (c) => {
    const webhook = await visibleWebhook(c)
    if (!webhook) return notFound(c)
    const deliveries = await store.listWebhookDeliveries(webhook.id, c.req.valid('query').limit)
    return c.json({ deliveries: deliveries.map(deliveryView) })
  })

  return app
}

/**
 * The webhook routes of the REST API (/api/v1/webhooks), over real HTTP against a real server:
 * creating one shows its secret once, listing and changing never do; a token sees only its
 * sites' webhooks, and another site's gets the same 404 as a missing one; bad input is a 422
 * naming the field; the delivery log reads back what the store recorded; changes are audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiToken } from '../../server/admin/admin-actions.js'
import type { Site } from '../../server/store/types.js'
import { startTestServer, type TestServer } from '../support/test-server.js'

let server: TestServer
let other: Site
/** A token for every site, one for the Shop only, one for the other site only. */
let everySite: string
let shopOnly: string
let otherOnly: string

beforeAll(async () => {
  server = await startTestServer()
  other = await server.addSite('Other')
  const token = async (sites: Site[]) => (await createApiToken(server.server.store, { name: 'Hooks', siteIds: sites.map((site) => site.id) })).token
  everySite = await token([])
  shopOnly = await token([server.site])
  otherOnly = await token([other])
})
afterAll(() => server.stop())

interface WebhookView {
  id: number
  siteId: number
  url: string
  events: string[]
  active: boolean
  createdAt: string
}

interface ErrorBody {
  error: { code: string; message: string }
}

async function call(method: string, path: string, token: string | undefined, body?: unknown) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, text, json: text ? JSON.parse(text) as unknown : undefined }
}

async function createHook(token: string, body: { site: number; url: string; events: string[] }) {
  const created = await call('POST', '/webhooks', token, body)
  expect(created.status).toBe(201)
  return created.json as { webhook: WebhookView; secret: string }
}

const hookOnShop = (url = 'https://crm.shop.test/parley') =>
  createHook(shopOnly, { site: server.site.id, url, events: ['message.created', 'conversation.closed'] })

describe('creating and listing', () => {
  it('creates a webhook and shows its whsec_ secret once: never in the list, nor in a change', async () => {
    const { webhook, secret } = await hookOnShop()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/)
    expect(webhook).toEqual({
      id: expect.any(Number), siteId: server.site.id, url: 'https://crm.shop.test/parley',
      events: ['message.created', 'conversation.closed'], active: true, createdAt: expect.any(String),
    })
    expect(Math.abs(Date.parse(webhook.createdAt) - Date.now())).toBeLessThan(60_000)
    expect((await server.server.store.getWebhook(webhook.id))?.secret).toBe(secret)

    const listed = await call('GET', '/webhooks', shopOnly)
    expect(listed.status).toBe(200)
    expect((listed.json as { webhooks: WebhookView[] }).webhooks).toContainEqual(webhook)
    expect(listed.text).not.toContain(secret)
    expect(listed.text).not.toContain('whsec_')

    const changed = await call('PATCH', `/webhooks/${webhook.id}`, shopOnly, { active: false })
    expect(changed.text).not.toContain('whsec_')
  })

  it('lists only the webhooks of the token\'s sites', async () => {
    const onShop = (await hookOnShop('https://shop.test/a')).webhook
    const onOther = (await createHook(otherOnly, { site: other.id, url: 'https://other.test/b', events: ['conversation.opened'] })).webhook
    const ids = async (token: string) => ((await call('GET', '/webhooks', token)).json as { webhooks: WebhookView[] }).webhooks.map((hook) => hook.id)

    expect(await ids(shopOnly)).toContain(onShop.id)
    expect(await ids(shopOnly)).not.toContain(onOther.id)
    expect(await ids(otherOnly)).toEqual([onOther.id])
    expect(await ids(everySite)).toEqual(expect.arrayContaining([onShop.id, onOther.id]))
  })

  it('accepts plain http and private or loopback addresses (receivers inside the same network), and lists an event once', async () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://10.0.0.7/parley', 'http://crm.internal/hooks?source=parley', 'https://[::1]:9000/x']) {
      expect((await hookOnShop(url)).webhook.url).toBe(url)
    }
    const { webhook } = await createHook(shopOnly, { site: server.site.id, url: 'https://shop.test/twice', events: ['message.created', 'message.created'] })
    expect(webhook.events).toEqual(['message.created'])
  })

  it('records who made, changed, rotated and deleted a webhook in the audit log', async () => {
    const { webhook } = await hookOnShop('https://shop.test/audited')
    await call('PATCH', `/webhooks/${webhook.id}`, shopOnly, { url: 'https://shop.test/moved' })
    await call('POST', `/webhooks/${webhook.id}/rotate-secret`, shopOnly)
    await call('DELETE', `/webhooks/${webhook.id}`, shopOnly)
    const entries = (await server.server.store.listAudit({ siteIds: [server.site.id], limit: 100 }))
      .filter((entry) => entry.subject === `webhook:${webhook.id}`)
    expect(entries.map((entry) => entry.action).reverse()).toEqual(['webhook.created', 'webhook.updated', 'webhook.secret_rotated', 'webhook.deleted'])
    expect(entries.every((entry) => /^token:\d+$/.test(entry.actor))).toBe(true)
    expect(entries.find((entry) => entry.action === 'webhook.updated')?.details).toMatchObject({ url: 'https://shop.test/moved', previousUrl: 'https://shop.test/audited' })
    expect(JSON.stringify(entries)).not.toContain('whsec_')
  })
})

describe('changing, rotating, deleting', () => {
  it('changes the URL, the events and whether it is active, keeping the rest', async () => {
    const { webhook } = await hookOnShop()
    const url = await call('PATCH', `/webhooks/${webhook.id}`, shopOnly, { url: 'https://crm.shop.test/v2' })
    expect(url.status).toBe(200)
    expect((url.json as { webhook: WebhookView }).webhook).toEqual({ ...webhook, url: 'https://crm.shop.test/v2' })

    const paused = await call('PATCH', `/webhooks/${webhook.id}`, shopOnly, { events: ['conversation.opened'], active: false })
    expect((paused.json as { webhook: WebhookView }).webhook).toEqual({ ...webhook, url: 'https://crm.shop.test/v2', events: ['conversation.opened'], active: false })
    expect(await server.server.store.getWebhook(webhook.id)).toMatchObject({ url: 'https://crm.shop.test/v2', events: ['conversation.opened'], active: false })
  })

  it('rotates the secret: a new one, shown once, replaces the old one at once', async () => {
    const { webhook, secret } = await hookOnShop()
    const rotated = await call('POST', `/webhooks/${webhook.id}/rotate-secret`, shopOnly)
    expect(rotated.status).toBe(200)
    const body = rotated.json as { webhook: WebhookView; secret: string }
    expect(body.webhook).toEqual(webhook)
    expect(body.secret).toMatch(/^whsec_/)
    expect(body.secret).not.toBe(secret)
    expect((await server.server.store.getWebhook(webhook.id))?.secret).toBe(body.secret)
    expect((await call('GET', '/webhooks', shopOnly)).text).not.toContain(body.secret)
  })

  it('deletes a webhook with its deliveries: then it is not found', async () => {
    const { webhook } = await hookOnShop()
    const deleted = await call('DELETE', `/webhooks/${webhook.id}`, shopOnly)
    expect(deleted.status).toBe(204)
    expect(deleted.text).toBe('')
    expect(await server.server.store.getWebhook(webhook.id)).toBeUndefined()
    expect((await call('DELETE', `/webhooks/${webhook.id}`, shopOnly)).status).toBe(404)
    expect((await call('GET', `/webhooks/${webhook.id}/deliveries`, shopOnly)).status).toBe(404)
  })
})

describe('the delivery log', () => {
  it('shows each delivery, newest first: event, status, attempts, the last answer or error, and its times', async () => {
    const store = server.server.store
    const logSite = await server.addSite('Log')
    const token = (await createApiToken(store, { name: 'Log', siteIds: [logSite.id] })).token
    const { webhook } = await createHook(token, { site: logSite.id, url: 'http://127.0.0.1:9/never-called', events: ['conversation.opened', 'message.created'] })
    // Queued for a time to come, so that no dispatcher sends them: the store alone says what happened.
    const T = Date.UTC(2100, 2, 1, 9, 0, 0)
    await store.enqueueWebhookDeliveries(logSite.id, 'conversation.opened', '{"id":"evt_1"}', T)
    await store.enqueueWebhookDeliveries(logSite.id, 'message.created', '{"id":"evt_2"}', T + 1000)
    const [newest, oldest] = await store.listWebhookDeliveries(webhook.id, 10)
    await store.recordDeliveryAttempt(oldest!.id, { status: 'delivered', attempts: 2, nextAttemptAt: T + 5000, responseStatus: 200, deliveredAt: T + 5000 })
    await store.recordDeliveryAttempt(newest!.id, { status: 'pending', attempts: 1, nextAttemptAt: T + 11_000, responseStatus: 502, error: 'answered 502: Bad Gateway' })

    const log = await call('GET', `/webhooks/${webhook.id}/deliveries`, token)
    expect(log.status).toBe(200)
    expect(log.json).toEqual({
      deliveries: [
        {
          id: newest!.id, event: 'message.created', status: 'pending', attempts: 1, responseStatus: 502, error: 'answered 502: Bad Gateway',
          createdAt: '2100-03-01T09:00:01.000Z', nextAttemptAt: '2100-03-01T09:00:11.000Z', deliveredAt: null,
        },
        {
          id: oldest!.id, event: 'conversation.opened', status: 'delivered', attempts: 2, responseStatus: 200, error: null,
          createdAt: '2100-03-01T09:00:00.000Z', nextAttemptAt: null, deliveredAt: '2100-03-01T09:00:05.000Z',
        },
      ],
    })
    const one = await call('GET', `/webhooks/${webhook.id}/deliveries?limit=1`, token)
    expect((one.json as { deliveries: { id: number }[] }).deliveries.map((delivery) => delivery.id)).toEqual([newest!.id])
  })
})

describe('scope', () => {
  it('answers another site\'s webhook exactly as a missing one, on every route', async () => {
    const { webhook } = await hookOnShop()
    const missing = 99_999_999
    const routes = (id: number): [string, string, unknown?][] => [
      ['PATCH', `/webhooks/${id}`, { active: false }],
      ['DELETE', `/webhooks/${id}`],
      ['POST', `/webhooks/${id}/rotate-secret`],
      ['GET', `/webhooks/${id}/deliveries`],
    ]
    for (const [index, [method, path, body]] of routes(webhook.id).entries()) {
      const foreign = await call(method, path, otherOnly, body)
      const absent = await call(method, routes(missing)[index]![1], otherOnly, body)
      expect(foreign.status, `${method} ${path}`).toBe(404)
      expect((foreign.json as ErrorBody).error.code).toBe('not_found')
      expect(foreign.text.replace(String(webhook.id), 'ID')).toBe(absent.text.replace(String(missing), 'ID'))
    }
    expect(await server.server.store.getWebhook(webhook.id)).toMatchObject({ active: true })
    expect((await call('GET', '/webhooks/not-a-number/deliveries', shopOnly)).status).toBe(404)
  })

  it('refuses to add a webhook to a site the token may not use, as if there were no such site', async () => {
    const refused = await call('POST', '/webhooks', otherOnly, { site: server.site.id, url: 'https://evil.test/', events: ['message.created'] })
    const absent = await call('POST', '/webhooks', otherOnly, { site: 99_999_999, url: 'https://evil.test/', events: ['message.created'] })
    expect(refused.status).toBe(404)
    expect(absent.status).toBe(404)
    expect((refused.json as ErrorBody).error.message).toBe(`no site has the id ${server.site.id}`)
    expect((await server.server.store.listWebhooks([server.site.id])).map((hook) => hook.url)).not.toContain('https://evil.test/')
  })
})

describe('refusals', () => {
  it('answers 401 without a token, with an unknown one, and with a revoked one', async () => {
    const revoked = await createApiToken(server.server.store, { name: 'Old', siteIds: [] })
    await server.server.store.revokeApiToken(revoked.record.id, Date.now())
    for (const token of [undefined, 'pat_unknown', revoked.token]) {
      for (const [method, path] of [['GET', '/webhooks'], ['POST', '/webhooks'], ['GET', '/webhooks/1/deliveries'], ['POST', '/webhooks/1/rotate-secret']] as const) {
        const refused = await call(method, path, token)
        expect(refused.status, `${method} ${path} with ${token}`).toBe(401)
        expect((refused.json as ErrorBody).error.code).toBe('invalid_token')
      }
    }
  })

  it('answers 422 naming the field for a bad site, URL or events, or an unknown field', async () => {
    const valid = { site: server.site.id, url: 'https://shop.test/hook', events: ['message.created'] }
    const cases: [unknown, RegExp][] = [
      [{ ...valid, url: 'ftp://shop.test/hook' }, /^url: must be an http:\/\/ or https:\/\/ URL/],
      [{ ...valid, url: 'not a url' }, /^url: must be an http/],
      [{ ...valid, url: 'javascript:alert(1)' }, /^url: must be an http/],
      [{ ...valid, url: 'https://user:pass@shop.test/hook' }, /^url: must not carry a user name or password/],
      [{ ...valid, url: `https://shop.test/${'a'.repeat(2000)}` }, /^url: must be at most 2000 characters/],
      [{ ...valid, url: 42 }, /^url: must be a URL/],
      [{ ...valid, events: [] }, /^events: must name at least one event/],
      [{ ...valid, events: ['message.deleted'] }, /^events\.0: must be one of conversation\.opened, conversation\.assigned, conversation\.closed, message\.created/],
      [{ ...valid, events: 'message.created' }, /^events: must be a list of events/],
      [{ ...valid, site: 'shop' }, /^site: must be a site id/],
      [{ url: valid.url, events: valid.events }, /^site: must be \{ "site": <site id>/],
      [{ ...valid, secret: 'mine' }, /must be \{ "site"/],
    ]
    for (const [body, message] of cases) {
      const refused = await call('POST', '/webhooks', shopOnly, body)
      expect(refused.status, JSON.stringify(body)).toBe(422)
      expect((refused.json as ErrorBody).error.code).toBe('invalid_request')
      expect((refused.json as ErrorBody).error.message).toMatch(message)
    }
    // Not JSON at all is a bad request, as on every route.
    const garbled = await call('POST', '/webhooks', shopOnly, '{"site":')
    expect([garbled.status, (garbled.json as ErrorBody).error.code]).toEqual([400, 'bad_request'])
  })

  it('answers 422 for an empty, unknown or invalid change, and a bad limit on the log', async () => {
    const { webhook } = await hookOnShop()
    const cases: [unknown, RegExp][] = [
      [{}, /send at least one of url, events and active/],
      [{ active: 'no' }, /^active: must be true or false/],
      [{ url: 'mailto:ops@shop.test' }, /^url: must be an http/],
      [{ events: [] }, /^events: must name at least one event/],
      [{ secret: 'whsec_mine' }, /may hold only url, events and active/],
    ]
    for (const [body, message] of cases) {
      const refused = await call('PATCH', `/webhooks/${webhook.id}`, shopOnly, body)
      expect(refused.status, JSON.stringify(body)).toBe(422)
      expect((refused.json as ErrorBody).error.message).toMatch(message)
    }
    for (const limit of ['0', '201', 'ten', '-1']) {
      const refused = await call('GET', `/webhooks/${webhook.id}/deliveries?limit=${limit}`, shopOnly)
      expect(refused.status, limit).toBe(422)
      expect((refused.json as ErrorBody).error.message).toMatch(/^limit: /)
    }
    expect(await server.server.store.getWebhook(webhook.id)).toMatchObject({ url: webhook.url, events: webhook.events, active: true })
  })
})

describe('the OpenAPI document', () => {
  it('describes every webhook route, and the secret only in the answers that show it', async () => {
    const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> }
    expect(Object.keys(document.paths['/webhooks'] ?? {}).sort()).toEqual(['get', 'post'])
    expect(Object.keys(document.paths['/webhooks/{id}'] ?? {}).sort()).toEqual(['delete', 'patch'])
    expect(Object.keys(document.paths['/webhooks/{id}/rotate-secret'] ?? {})).toEqual(['post'])
    expect(Object.keys(document.paths['/webhooks/{id}/deliveries'] ?? {})).toEqual(['get'])
    expect(document.paths['/webhooks']?.post?.tags).toEqual(['Webhooks'])
    expect(JSON.stringify(document.paths['/webhooks']?.get)).not.toContain('"secret"')
    expect(JSON.stringify(document.paths['/webhooks']?.post)).toContain('"secret"')
  })
})

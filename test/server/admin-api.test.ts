/**
 * The console's administration API (/api/console/admin), over real HTTP against a real server:
 * who may call it, what each route changes, and what a change does to agents already signed in
 * and to visitors.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { embedSnippet } from '../../server/admin/admin-actions.js'
import { hashToken } from '../../server/auth/tokens.js'
import { signVisitorIdentity } from '../../server/auth/visitor-identity.js'
import type { Site } from '../../server/store/types.js'
import { CloseCode } from '../../server/transport/peer.js'
import { connectAgent, connectVisitor, openClient, signIn } from '../support/chat-client.js'
import { HOST_ORIGIN, serversPerTest, TEST_PASSWORD, type TestServer } from '../support/test-server.js'

const start = serversPerTest()

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'
interface Answer<T = any> {
  status: number
  body: T
}

/** Calls the admin API with a session cookie (or none) and reads the JSON answer. */
async function call<T = any>(server: TestServer, cookie: string | undefined, method: Method, path: string, body?: unknown): Promise<Answer<T>> {
  const response = await fetch(`${server.url}/api/console/admin${path}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}

/** A server with an administrator signed in; `as` calls the admin API with their session. */
async function withAdmin(settings: Record<string, string> = {}) {
  const server = await start(settings)
  const admin = await server.addAgent({ name: 'Ada Admin', role: 'admin' })
  const cookie = await signIn(server, admin.email)
  const as = <T = any>(method: Method, path: string, body?: unknown) => call<T>(server, cookie, method, path, body)
  return { server, admin, cookie, as }
}

/** Every route with a body that would be valid, so that only the caller decides the answer. */
const ROUTES: [Method, string, unknown?][] = [
  ['GET', '/agents'],
  ['POST', '/agents', { name: 'New', email: 'new@parley.test', password: 'long enough' }],
  ['PATCH', '/agents/1', { name: 'Renamed' }],
  ['POST', '/agents/1/password', { password: 'long enough' }],
  ['GET', '/sites'],
  ['POST', '/sites', { name: 'New site' }],
  ['PATCH', '/sites/1', { name: 'Renamed' }],
  ['POST', '/sites/1/identity-secret'],
  ['DELETE', '/sites/1/identity-secret'],
  ['GET', '/canned'],
  ['POST', '/canned', { shortcut: 'hi', text: 'Hello!' }],
  ['PATCH', '/canned/1', { text: 'Hi!' }],
  ['DELETE', '/canned/1'],
  ['GET', '/tokens'],
  ['POST', '/tokens', { name: 'Export' }],
  ['POST', '/tokens/1/revoke'],
]

const errorCodeOf = (answer: Answer) => (answer.body as { error?: { code: string } } | undefined)?.error?.code

describe('who may administer', () => {
  it('answers 401 to every route when signed out, and changes nothing', async () => {
    const server = await start()
    for (const [method, path, body] of ROUTES) {
      const answer = await call(server, undefined, method, path, body)
      expect(answer.status, `${method} ${path}`).toBe(401)
      expect(errorCodeOf(answer)).toBe('not_authenticated')
    }
    expect(await server.server.store.listSites()).toHaveLength(1)
    expect(await server.server.store.countAgents()).toBe(0)
  })

  it('answers 403 to every route for an agent who is not an administrator, and changes nothing', async () => {
    const server = await start()
    const agent = await server.addAgent({ name: 'Plain Agent' })
    const cookie = await signIn(server, agent.email)
    for (const [method, path, body] of ROUTES) {
      const answer = await call(server, cookie, method, path, body)
      expect(answer.status, `${method} ${path}`).toBe(403)
      expect(errorCodeOf(answer)).toBe('forbidden')
    }
    expect(await server.server.store.getAgent(agent.id)).toMatchObject({ name: 'Plain Agent' })
    expect(await server.server.store.listSites()).toHaveLength(1)
    expect(await server.server.store.listApiTokens()).toEqual([])
  })

  it('answers 404 with a JSON error for an id that does not exist, or is not an id', async () => {
    const { as } = await withAdmin()
    for (const [method, path, body] of ROUTES.filter(([, path]) => /\/1\b/.test(path))) {
      for (const id of ['9999', 'abc']) {
        const answer = await as(method, path.replace('/1', `/${id}`), body)
        expect(answer.status, `${method} ${path} with ${id}`).toBe(404)
        expect(errorCodeOf(answer)).toBe('not_found')
      }
    }
  })

  it('answers a body that is not JSON with a client error, not a crash', async () => {
    const { server, cookie } = await withAdmin()
    const response = await fetch(`${server.url}/api/console/admin/sites`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{"name":',
    })
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.status).toBeLessThan(500)
  })
})

describe('agents', () => {
  it('lists every agent, deactivated ones included, without password hashes', async () => {
    const { server, admin, as } = await withAdmin()
    const gone = await server.addAgent({ name: 'Gone' })
    await server.server.store.updateAgent(gone.id, { active: false })
    const answer = await as('GET', '/agents')
    expect(answer.status).toBe(200)
    expect(answer.body.selfId).toBe(admin.id)
    expect(answer.body.agents).toEqual([
      expect.objectContaining({ id: admin.id, name: 'Ada Admin', role: 'admin', active: true }),
      expect.objectContaining({ id: gone.id, name: 'Gone', role: 'agent', active: false, siteIds: [server.site.id] }),
    ])
    expect(JSON.stringify(answer.body)).not.toMatch(/passwordHash|scrypt/)
  })

  it('creates an agent who can then sign in with the password given', async () => {
    const { server, as } = await withAdmin()
    const answer = await as('POST', '/agents', {
      name: '  Grace Hopper ', email: 'grace@parley.test', password: 'a long password', role: 'agent', capacity: 3, siteIds: [server.site.id],
    })
    expect(answer.status).toBe(201)
    expect(answer.body.agent).toMatchObject({ name: 'Grace Hopper', email: 'grace@parley.test', role: 'agent', capacity: 3, siteIds: [server.site.id], active: true })
    expect(JSON.stringify(answer.body)).not.toMatch(/passwordHash|scrypt|a long password/)
    await expect(signIn(server, 'grace@parley.test', 'a long password')).resolves.toMatch(/^parley_session=/)
  })

  it('refuses bad input with 422 naming the field, and creates nothing', async () => {
    const { server, as } = await withAdmin()
    const valid = { name: 'Grace', email: 'grace@parley.test', password: 'a long password' }
    const cases: [unknown, RegExp][] = [
      [{ ...valid, email: 'grace-at-parley' }, /^email: must be an email address/],
      [{ ...valid, password: 'short' }, /^password: must be at least 8 characters/],
      [{ ...valid, name: '   ' }, /^name: is required/],
      [{ ...valid, role: 'owner' }, /^role: must be admin or agent/],
      [{ ...valid, capacity: 0 }, /^capacity: must be at least 1/],
      [{ ...valid, capacity: 2.5 }, /^capacity: must be a whole number/],
      [{ ...valid, siteIds: [9999] }, /^siteIds: no site has the id 9999/],
      [{ name: 'Grace' }, /^email: /],
    ]
    for (const [body, message] of cases) {
      const answer = await as('POST', '/agents', body)
      expect(answer.status, JSON.stringify(body)).toBe(422)
      expect(answer.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(message) })
    }
    expect(await server.server.store.countAgents()).toBe(1)
  })

  it('refuses an email that is taken, in any letter case, with 409', async () => {
    const { server, admin, as } = await withAdmin()
    const other = await server.addAgent()
    const created = await as('POST', '/agents', { name: 'Twin', email: admin.email.toUpperCase(), password: 'a long password' })
    expect(created.status).toBe(409)
    expect(created.body.error).toMatchObject({ code: 'email_taken', message: expect.stringContaining('already exists') })
    const changed = await as('PATCH', `/agents/${other.id}`, { email: admin.email })
    expect(changed.status).toBe(409)
    expect(changed.body.error.code).toBe('email_taken')
    expect((await server.server.store.getAgent(other.id))?.email).toBe(other.email)
  })

  it('changes name, email, role, capacity and sites, and refuses a field it cannot change', async () => {
    const { server, as } = await withAdmin()
    const other = await server.addSite('Other')
    const agent = await server.addAgent({ name: 'Before' })
    const answer = await as('PATCH', `/agents/${agent.id}`, {
      name: 'After', email: 'after@parley.test', role: 'admin', capacity: 9, siteIds: [other.id, server.site.id],
    })
    expect(answer.status).toBe(200)
    expect(answer.body.agent).toMatchObject({ name: 'After', email: 'after@parley.test', role: 'admin', capacity: 9, siteIds: [server.site.id, other.id] })
    expect(await server.server.store.getAgent(agent.id)).toMatchObject({ name: 'After', role: 'admin', capacity: 9 })

    const refused: [unknown, RegExp][] = [
      [{ password: 'a long password' }, /^password: cannot be changed here/],
      [{ siteIds: [other.id, 9999] }, /^siteIds: no site has the id 9999/],
      [{ capacity: 101 }, /^capacity: must be at most 100/],
      [{ active: 'no' }, /^active: /],
    ]
    for (const [body, message] of refused) {
      const refusal = await as('PATCH', `/agents/${agent.id}`, body)
      expect(refusal.status, JSON.stringify(body)).toBe(422)
      expect(refusal.body.error.message).toMatch(message)
    }
    expect((await server.server.store.getAgent(agent.id))?.siteIds).toEqual([server.site.id, other.id])
  })

  it('does not let an administrator deactivate or demote themselves', async () => {
    const { server, admin, as } = await withAdmin()
    for (const body of [{ active: false }, { role: 'agent' }]) {
      const answer = await as('PATCH', `/agents/${admin.id}`, body)
      expect(answer.status, JSON.stringify(body)).toBe(409)
      expect(answer.body.error).toMatchObject({ code: 'own_account', message: expect.stringMatching(/^you cannot (deactivate|remove) your own/) })
    }
    expect(await server.server.store.getAgent(admin.id)).toMatchObject({ role: 'admin', active: true })
    // Other changes to their own account are fine.
    expect((await as('PATCH', `/agents/${admin.id}`, { name: 'Ada', capacity: 2 })).body.agent).toMatchObject({ name: 'Ada', capacity: 2 })
    // And another administrator may do it.
    const second = await server.addAgent({ role: 'admin' })
    expect((await call(server, await signIn(server, second.email), 'PATCH', `/agents/${admin.id}`, { role: 'agent' })).status).toBe(200)
  })

  it('deactivates an agent: their session stops working, their console is told bye and cannot come back, their chats return to the queue', async () => {
    const { server, as } = await withAdmin()
    const agent = await server.addAgent({ name: 'Leaving' })
    const { client: console_, cookie } = await connectAgent(server, agent, { transport: 'websocket' })
    const { client: visitor } = await connectVisitor(server)
    const first = await visitor.say('Hello?')
    await console_.waitFor('conv', (frame) => frame.conv.id === first.conv && frame.conv.assignee?.id === agent.id)

    const answer = await as('PATCH', `/agents/${agent.id}`, { active: false })
    expect(answer.status).toBe(200)
    expect(answer.body.agent).toMatchObject({ id: agent.id, active: false })

    await console_.waitFor('bye')
    expect((await console_.closed).code).toBe(CloseCode.restart)
    // The session is gone: the HTTP API and a new connection both refuse it.
    expect((await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401)
    expect((await fetch(`${server.url}/api/console/admin/agents`, { headers: { cookie } })).status).toBe(401)
    const again = await openClient(server, { cookie, transport: 'websocket' })
    again.send({ t: 'hello', as: 'agent' })
    expect(await again.waitFor('error')).toMatchObject({ code: 'not_authenticated' })
    expect((await again.closed).code).toBe(CloseCode.notAuthenticated)
    // Nor can they sign in again.
    await expect(signIn(server, agent.email)).rejects.toThrow(/401/)
    // Their chat waits for someone else.
    await visitor.waitFor('conv', (frame) => frame.conv.id === first.conv && frame.conv.status === 'queued')

    // Reactivated, they may sign in again; the sessions they had stay ended.
    expect((await as('PATCH', `/agents/${agent.id}`, { active: true })).body.agent.active).toBe(true)
    expect((await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401)
    await expect(signIn(server, agent.email)).resolves.toMatch(/^parley_session=/)
    await visitor.close()
  })

  it('resets a password: the old one stops working, and so do the sessions made with it', async () => {
    const { server, as } = await withAdmin()
    const agent = await server.addAgent()
    const { client: console_, cookie } = await connectAgent(server, agent, { transport: 'websocket' })

    expect((await as('POST', `/agents/${agent.id}/password`, { password: 'short' })).status).toBe(422)
    const answer = await as('POST', `/agents/${agent.id}/password`, { password: 'a brand new password' })
    expect(answer.status).toBe(200)
    expect(JSON.stringify(answer.body)).not.toMatch(/scrypt|brand new/)

    await console_.waitFor('bye')
    expect((await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401)
    await expect(signIn(server, agent.email, TEST_PASSWORD)).rejects.toThrow(/401/)
    await expect(signIn(server, agent.email, 'a brand new password')).resolves.toMatch(/^parley_session=/)
  })

  it('moves an agent to another site: after reconnecting they get that site\'s chats, and no longer the old site\'s', async () => {
    const { server, as } = await withAdmin()
    const other = await server.addSite('Other shop')
    const agent = await server.addAgent({ name: 'Mover' })
    const { client: before, cookie } = await connectAgent(server, agent, { transport: 'websocket' })

    expect((await as('PATCH', `/agents/${agent.id}`, { siteIds: [other.id] })).status).toBe(200)
    await before.waitFor('bye')
    await before.closed

    // The console reconnects with the same session, as the browser's does.
    const { client: after, welcome } = await connectAgent(server, agent, { cookie, transport: 'websocket' })
    expect(welcome.me.id).toBe(agent.id)
    const { client: visitorOfOther } = await connectVisitor(server, { siteKey: other.key })
    const sent = await visitorOfOther.say('Hi from the other shop')
    const conv = await after.waitFor('conv', (frame) => frame.conv.id === sent.conv && frame.conv.assignee?.id === agent.id)
    expect(conv.conv.site).toBe(other.id)

    const { client: visitorOfOld } = await connectVisitor(server)
    const old = await visitorOfOld.say('Anyone at the first shop?')
    await after.roundTrip()
    expect(after.ofType('conv').filter((frame) => frame.conv.id === old.conv)).toEqual([])
    expect(after.events(old.conv)).toEqual([])
    await Promise.all([after.close(), visitorOfOther.close(), visitorOfOld.close()])
  })
})

/** A visitor's hello with a user id signed by `secret`: the first answer, welcome or error. */
async function helloWithIdentity(server: TestServer, secret: string) {
  const client = await openClient(server, { siteKey: server.site.key, origin: HOST_ORIGIN })
  client.send({ t: 'hello', as: 'visitor', identity: { userId: 'user-42', hash: signVisitorIdentity(secret, 'user-42') } })
  const answer = await Promise.race([client.waitFor('welcome'), client.waitFor('error')])
  await client.close()
  return answer
}

describe('sites', () => {
  it('creates a site with defaults and a ready embed snippet, and lists it', async () => {
    const { server, as } = await withAdmin()
    const answer = await as('POST', '/sites', { name: 'Blog', allowedOrigins: ['https://blog.example/', '*'] })
    expect(answer.status).toBe(201)
    const site = answer.body.site as Site & { embed: string }
    expect(site).toMatchObject({
      name: 'Blog',
      allowedOrigins: ['https://blog.example', '*'],
      widget: { color: '#3b5bdb', position: 'right', prechat: false },
      verifiedOnly: false,
    })
    expect(site.key).toMatch(/^site_/)
    expect(site.embed).toBe(embedSnippet(server.config.publicUrl, site))
    expect(site.embed).toBe(`<script src="http://parley.test/widget.js" data-site="${site.key}" async></script>`)
    const list = await as('GET', '/sites')
    expect(list.body.sites.map((s: Site) => s.name)).toEqual(['Shop', 'Blog'])
    expect(list.body.sites[1].embed).toBe(site.embed)
  })

  it('refuses bad input with 422 naming the field', async () => {
    const { server, as } = await withAdmin()
    const cases: [Method, string, unknown, RegExp][] = [
      ['POST', '/sites', { name: '' }, /^name: is required/],
      ['POST', '/sites', { name: 'X', allowedOrigins: ['not an origin'] }, /^allowedOrigins\.0: must be an origin/],
      ['POST', '/sites', { name: 'X', color: 'blue' }, /^color: must be a colour/],
      ['PATCH', `/sites/${server.site.id}`, { position: 'middle' }, /^position: must be left or right/],
      ['PATCH', `/sites/${server.site.id}`, { greeting: 'x'.repeat(501) }, /^greeting: /],
      ['PATCH', `/sites/${server.site.id}`, { identitySecret: 'mine' }, /^identitySecret: cannot be changed here/],
      ['PATCH', `/sites/${server.site.id}`, { key: 'site_mine' }, /^key: cannot be changed here/],
    ]
    for (const [method, path, body, message] of cases) {
      const answer = await as(method, path, body)
      expect(answer.status, JSON.stringify(body)).toBe(422)
      expect(answer.body.error.message).toMatch(message)
    }
    expect(await server.server.store.listSites()).toHaveLength(1)
    expect(await server.server.store.getSite(server.site.id)).toEqual(server.site)
  })

  it('changes a site\'s settings, which visitors get when they next connect', async () => {
    const { server, as } = await withAdmin()
    const answer = await as('PATCH', `/sites/${server.site.id}`, {
      name: 'Shop EU', allowedOrigins: [HOST_ORIGIN, 'https://eu.shop.example'], color: '#112233', greeting: 'Bonjour !', position: 'left', prechat: true,
    })
    expect(answer.status).toBe(200)
    expect(answer.body.site).toMatchObject({
      name: 'Shop EU', key: server.site.key, allowedOrigins: [HOST_ORIGIN, 'https://eu.shop.example'],
      widget: { color: '#112233', greeting: 'Bonjour !', position: 'left', prechat: true },
    })
    const { welcome, client } = await connectVisitor(server)
    expect(welcome.site).toMatchObject({ name: 'Shop EU', color: '#112233', greeting: 'Bonjour !', position: 'left', prechat: true })
    await client.close()

    // A patch changes only what it names.
    const later = await as('PATCH', `/sites/${server.site.id}`, { greeting: 'Hello again' })
    expect(later.body.site.widget).toEqual({ color: '#112233', greeting: 'Hello again', position: 'left', prechat: true })
  })

  it('generates, rotates and removes the identity secret; verified-only needs one and goes with it', async () => {
    const { server, as } = await withAdmin()
    const path = `/sites/${server.site.id}/identity-secret`
    const made = await as('POST', path)
    expect(made.status).toBe(200)
    const secret = made.body.site.identitySecret as string
    expect(secret).toMatch(/^pis_[\w-]{40,}$/)
    const rotated = (await as('POST', path)).body.site.identitySecret as string
    expect(rotated).toMatch(/^pis_/)
    expect(rotated).not.toBe(secret)
    expect((await server.server.store.getSite(server.site.id))?.identitySecret).toBe(rotated)
    // Identities signed with the old secret are refused from now on; with the new one, welcome.
    expect(await helloWithIdentity(server, secret)).toMatchObject({ t: 'error', code: 'forbidden' })
    expect(await helloWithIdentity(server, rotated)).toMatchObject({ t: 'welcome' })

    const verifiedOnly = await as('PATCH', `/sites/${server.site.id}`, { verifiedOnly: true })
    expect(verifiedOnly.body.site).toMatchObject({ verifiedOnly: true, identitySecret: rotated })
    const removed = await as('DELETE', path)
    expect(removed.status).toBe(200)
    expect(removed.body.site).not.toHaveProperty('identitySecret')
    expect(removed.body.site.verifiedOnly).toBe(false)

    // Verified-only on a site without a secret makes one, as creating such a site does.
    const again = await as('PATCH', `/sites/${server.site.id}`, { verifiedOnly: true })
    expect(again.body.site.identitySecret).toMatch(/^pis_/)
  })

  it('never sends the identity secret to a visitor\'s browser', async () => {
    const { server, as } = await withAdmin()
    const secret = (await as('POST', `/sites/${server.site.id}/identity-secret`)).body.site.identitySecret as string
    // An admin's list has it: they need it for their own server.
    expect(JSON.stringify((await as('GET', '/sites')).body)).toContain(secret)

    const { client, welcome } = await connectVisitor(server)
    expect(JSON.stringify(welcome)).not.toContain(secret)
    await client.say('Is my secret safe?')
    await client.roundTrip()
    expect(JSON.stringify(client.frames)).not.toContain(secret)
    for (const page of ['/widget.js', '/demo', `/widget.js?site=${server.site.key}`]) {
      const response = await fetch(`${server.url}${page}`, { headers: { origin: HOST_ORIGIN } })
      expect(await response.text(), page).not.toContain(secret)
    }
    await client.close()
  })

  it('a new site reaches administrators already connected: their console reconnects and gets its chats', async () => {
    const { server, admin, cookie, as } = await withAdmin()
    const { client: before } = await connectAgent(server, admin, { cookie, transport: 'websocket' })
    const created = (await as('POST', '/sites', { name: 'Fresh', allowedOrigins: [HOST_ORIGIN] })).body.site as Site
    await before.waitFor('bye')
    const { client: after } = await connectAgent(server, admin, { cookie, transport: 'websocket' })
    const { client: visitor } = await connectVisitor(server, { siteKey: created.key })
    const sent = await visitor.say('First chat on the fresh site')
    await after.waitFor('conv', (frame) => frame.conv.id === sent.conv && frame.conv.site === created.id)
    await Promise.all([after.close(), visitor.close()])
  })
})

describe('canned responses', () => {
  it('creates shared and per-site responses, lists them, edits and deletes them', async () => {
    const { server, as } = await withAdmin()
    const other = await server.addSite('Other')
    const shared = await as('POST', '/canned', { shortcut: '/hello', text: '  Hello! How can I help?  ' })
    expect(shared.status).toBe(201)
    expect(shared.body.canned).toMatchObject({ shortcut: 'hello', text: 'Hello! How can I help?' })
    expect(shared.body.canned).not.toHaveProperty('siteId')
    const mine = await as('POST', '/canned', { shortcut: 'refund_policy-2', text: 'Refunds take 5 days.', siteId: other.id })
    expect(mine.body.canned).toMatchObject({ shortcut: 'refund_policy-2', siteId: other.id })
    // The same shortcut on another site, or shared and per site, is no clash.
    expect((await as('POST', '/canned', { shortcut: 'hello', text: 'Hello from Other', siteId: other.id })).status).toBe(201)

    const list = await as('GET', '/canned')
    expect(list.body.canned.map((c: { shortcut: string }) => c.shortcut).sort()).toEqual(['hello', 'hello', 'refund_policy-2'])

    const edited = await as('PATCH', `/canned/${mine.body.canned.id}`, { text: 'Refunds take 3 days.', siteId: null })
    expect(edited.status).toBe(200)
    expect(edited.body.canned).toMatchObject({ shortcut: 'refund_policy-2', text: 'Refunds take 3 days.' })
    expect(edited.body.canned).not.toHaveProperty('siteId')
    const moved = await as('PATCH', `/canned/${mine.body.canned.id}`, { siteId: server.site.id })
    expect(moved.body.canned.siteId).toBe(server.site.id)

    expect((await as('DELETE', `/canned/${shared.body.canned.id}`)).status).toBe(204)
    expect((await as('DELETE', `/canned/${shared.body.canned.id}`)).status).toBe(404)
    expect((await as('GET', '/canned')).body.canned).toHaveLength(2)
  })

  it('refuses a shortcut already taken where it would be used, with 409 naming it', async () => {
    const { server, as } = await withAdmin()
    await as('POST', '/canned', { shortcut: 'hi', text: 'Hi!', siteId: server.site.id })
    const clash = await as('POST', '/canned', { shortcut: 'hi', text: 'Hello!', siteId: server.site.id })
    expect(clash.status).toBe(409)
    expect(clash.body.error).toEqual({ code: 'shortcut_taken', message: 'the shortcut /hi is taken' })

    const shared = (await as('POST', '/canned', { shortcut: 'hi', text: 'Hello, all sites' })).body.canned
    const renamed = await as('PATCH', `/canned/${shared.id}`, { shortcut: 'hey' })
    expect(renamed.status).toBe(200)
    // Moving "hey" is fine; moving "hi" onto the site that has one is not, and says which shortcut.
    const other = (await as('POST', '/canned', { shortcut: 'hi', text: 'Another shared hi' })).body.canned
    const moved = await as('PATCH', `/canned/${other.id}`, { siteId: server.site.id })
    expect(moved.status).toBe(409)
    expect(moved.body.error.message).toBe('the shortcut /hi is taken')
  })

  it('refuses bad input with 422 naming the field', async () => {
    const { server, as } = await withAdmin()
    const cases: [Method, string, unknown, RegExp][] = [
      ['POST', '/canned', { shortcut: 'two words', text: 'x' }, /^shortcut: may hold only letters, digits, - and _/],
      ['POST', '/canned', { shortcut: 'x'.repeat(33), text: 'x' }, /^shortcut: must be at most 32 characters/],
      ['POST', '/canned', { shortcut: '', text: 'x' }, /^shortcut: is required/],
      ['POST', '/canned', { shortcut: 'ok', text: '   ' }, /^text: is required/],
      ['POST', '/canned', { shortcut: 'ok', text: 'x'.repeat(2001) }, /^text: must be at most 2000 characters/],
      ['POST', '/canned', { shortcut: 'ok', text: 'x', siteId: 9999 }, /^siteId: no site has the id 9999/],
      ['POST', '/canned', { shortcut: 'ok', text: 'x', siteId: 'all' }, /^siteId: /],
    ]
    for (const [method, path, body, message] of cases) {
      const answer = await as(method, path, body)
      expect(answer.status, JSON.stringify(body)).toBe(422)
      expect(answer.body.error.message).toMatch(message)
    }
    expect(await server.server.store.listCannedResponses([server.site.id])).toEqual([])
  })
})

describe('API tokens', () => {
  it('returns a new token once and keeps only its hash', async () => {
    const { server, as } = await withAdmin()
    const answer = await as('POST', '/tokens', { name: 'Nightly export', siteIds: [server.site.id] })
    expect(answer.status).toBe(201)
    const token = answer.body.token as string
    expect(token).toMatch(/^pat_[\w-]{40,}$/)
    expect(answer.body.apiToken).toMatchObject({ name: 'Nightly export', siteIds: [server.site.id] })
    expect(answer.body.apiToken).not.toHaveProperty('tokenHash')

    const list = await as('GET', '/tokens')
    expect(list.body.tokens).toEqual([expect.objectContaining({ id: answer.body.apiToken.id, name: 'Nightly export' })])
    expect(JSON.stringify(list.body)).not.toContain(token)
    expect(JSON.stringify(list.body)).not.toContain(hashToken(token))

    // Read the database file as another process would: the hash is there, the token is not.
    const db = new Database(server.dbPath, { readonly: true })
    const rows = db.prepare('SELECT * FROM api_tokens').all()
    db.close()
    expect(rows).toEqual([expect.objectContaining({ name: 'Nightly export', token_hash: hashToken(token) })])
    expect(JSON.stringify(rows)).not.toContain(token)
  })

  it('revokes a token: it stops matching, stays listed with the time, and a second revoke keeps the first time', async () => {
    const { server, as } = await withAdmin()
    const { token, apiToken } = (await as('POST', '/tokens', { name: 'Old' })).body
    expect(await server.server.store.getApiTokenByHash(hashToken(token))).toBeDefined()
    const revoked = await as('POST', `/tokens/${apiToken.id}/revoke`)
    expect(revoked.status).toBe(200)
    expect(revoked.body.apiToken.revokedAt).toEqual(expect.any(Number))
    expect(await server.server.store.getApiTokenByHash(hashToken(token))).toBeUndefined()
    const twice = await as('POST', `/tokens/${apiToken.id}/revoke`)
    expect(twice.body.apiToken.revokedAt).toBe(revoked.body.apiToken.revokedAt)
    expect((await as('GET', '/tokens')).body.tokens).toEqual([expect.objectContaining({ name: 'Old', revokedAt: revoked.body.apiToken.revokedAt })])
  })

  it('refuses bad input with 422 naming the field', async () => {
    const { server, as } = await withAdmin()
    for (const [body, message] of [
      [{ name: '' }, /^name: is required/],
      [{ name: 'x', siteIds: [9999] }, /^siteIds: no site has the id 9999/],
      [{ name: 'x', siteIds: 'all' }, /^siteIds: /],
    ] as const) {
      const answer = await as('POST', '/tokens', body)
      expect(answer.status, JSON.stringify(body)).toBe(422)
      expect(answer.body.error.message).toMatch(message)
    }
    expect(await server.server.store.listApiTokens()).toEqual([])
  })
})

describe('the CLI beside the console', () => {
  it('an agent the CLI creates on the running server\'s database is listed for administrators', async () => {
    const { server, as } = await withAdmin()
    const root = fileURLToPath(new URL('../../', import.meta.url))
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [
        '--import', 'tsx', 'server/cli.ts', 'create-agent', '--name', 'From CLI', '--email', 'cli@parley.test', '--sites', server.site.key,
        '--database-url', `sqlite:${server.dbPath}`, '--json',
      ], { cwd: root, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr += chunk))
      child.on('close', (code) => resolve({ code, stdout, stderr }))
    })
    expect(run.code, run.stderr).toBe(0)
    const { password } = JSON.parse(run.stdout) as { password: string }
    const agents = (await as('GET', '/agents')).body.agents
    expect(agents).toContainEqual(expect.objectContaining({ name: 'From CLI', email: 'cli@parley.test', siteIds: [server.site.id], active: true }))
    await expect(signIn(server, 'cli@parley.test', password)).resolves.toMatch(/^parley_session=/)
  })
})

import { describe, expect, it } from 'vitest'
import { closeCodeSeen, connectAgent, connectVisitor, openClient, signIn, tryOpenLink } from '../support/chat-client.js'
import { HOST_ORIGIN, serversPerTest, TEST_PASSWORD, type TestServer } from '../support/test-server.js'

const start = serversPerTest()

/** Opens a visitor connection (the WebSocket upgrade, or the POST that opens a poll session): 'open' or the refusal's status. */
const tryVisitor = (s: TestServer, origin?: string, siteKey = s.site.key) => tryOpenLink(s, { siteKey, origin })
/** The same for an agent connection: no site key. */
const tryAgent = (s: TestServer, origin?: string) => tryOpenLink(s, { origin })

function login(s: TestServer, body: unknown, contentType = 'application/json') {
  return fetch(`${s.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

describe('Origin checks when a connection opens', () => {
  it('lets a visitor connect from an allowed origin', async () => {
    const s = await start()
    expect(await tryVisitor(s, HOST_ORIGIN)).toBe('open')
  })

  it('refuses a visitor connection from an origin the site does not allow with 403, opening nothing', async () => {
    const s = await start()
    for (const origin of ['http://evil.test', 'https://shop.test', 'http://shop.test:8080', 'http://shop.test.evil.test', 'null']) {
      expect(await tryVisitor(s, origin), origin).toBe(403)
    }
  })

  it('refuses an unknown site key with 404', async () => {
    const s = await start()
    expect(await tryVisitor(s, HOST_ORIGIN, 'site_nope')).toBe(404)
  })

  it('lets clients that send no Origin (not browsers) connect', async () => {
    const s = await start()
    expect(await tryVisitor(s)).toBe('open')
    expect(await tryAgent(s)).toBe('open')
  })

  it('lets a site with "*" be embedded anywhere', async () => {
    const s = await start()
    const open = await s.addSite('Anywhere', ['*'])
    for (const origin of ['http://evil.test', 'https://elsewhere.example:8443', 'null']) {
      expect(await tryVisitor(s, origin, open.key), origin).toBe('open')
    }
  })

  it('accepts agent connections only from Parley\'s own origin', async () => {
    const s = await start()
    expect(await tryAgent(s, 'http://parley.test')).toBe('open')
    expect(await tryAgent(s, 'http://evil.test')).toBe(403)
    // A customer's site may embed the widget, but not open the console's connection.
    expect(await tryAgent(s, HOST_ORIGIN)).toBe(403)
  })

  it('does not let a page open an agent session through a widget connection (?site=KEY)', async () => {
    // The agent guard above checks only connections without a site key. A page allowed to
    // embed the widget (any page, for a "*" site) must not be able to say hello as an agent
    // on its widget connection and ride on the agent's session cookie, if the browser sends it.
    const s = await start()
    const open = await s.addSite('Anywhere', ['*'])
    const agentRecord = await s.addAgent({ role: 'admin' })
    const cookie = await signIn(s, agentRecord.email)
    const client = await openClient(s, { siteKey: open.key, origin: 'http://evil.test', cookie })
    client.send({ t: 'hello', as: 'agent' })
    const first = await Promise.race([client.waitFor('welcome'), client.waitFor('error')])
    expect(first).toMatchObject({ t: 'error' })
    expect(client.ofType('welcome')).toEqual([])
  })
})

describe('sign-in', () => {
  it('answers a wrong password and an unknown email alike: 401 with a JSON error', async () => {
    const s = await start()
    const agentRecord = await s.addAgent()
    for (const body of [{ email: agentRecord.email, password: 'wrong password' }, { email: 'nobody@parley.test', password: TEST_PASSWORD }]) {
      const response = await login(s, body)
      expect(response.status).toBe(401)
      expect(response.headers.get('content-type')).toMatch(/application\/json/)
      expect(response.headers.get('set-cookie')).toBeNull()
      expect(await response.json()).toEqual({ error: { code: 'invalid_credentials', message: 'email or password is wrong' } })
    }
  })

  it('answers a malformed body with 422 naming the field', async () => {
    const s = await start()
    const cases: [unknown, RegExp][] = [
      [{ email: 'not-an-email', password: 'x' }, /^email: /],
      [{ email: 'a@parley.test' }, /^password: /],
      [{ email: 'a@parley.test', password: '' }, /^password: is required/],
      [{ email: 42, password: 'x' }, /^email: /],
    ]
    for (const [body, message] of cases) {
      const response = await login(s, body)
      expect(response.status, JSON.stringify(body)).toBe(422)
      const json = (await response.json()) as { error: { code: string; message: string } }
      expect(json.error.code).toBe('invalid_request')
      expect(json.error.message).toMatch(message)
    }
  })

  it('answers a body that is not JSON with a JSON client error, not a crash', async () => {
    const s = await start()
    const response = await login(s, '{"email":', 'application/json')
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.status).toBeLessThan(500)
    expect(await response.json()).toMatchObject({ error: { code: expect.any(String) } })
  })

  it('sets the session in an HttpOnly, SameSite cookie and returns the agent without secrets', async () => {
    const s = await start()
    const agentRecord = await s.addAgent({ name: 'Ada' })
    const response = await login(s, { email: agentRecord.email.toUpperCase(), password: TEST_PASSWORD })
    expect(response.status).toBe(200)
    const cookie = response.headers.get('set-cookie')!
    expect(cookie).toMatch(/^parley_session=ps_[\w-]+;/)
    expect(cookie).toMatch(/;\s*HttpOnly/i)
    expect(cookie).toMatch(/;\s*SameSite=(Lax|Strict)/i)
    expect(cookie).toMatch(/;\s*Path=\//)
    expect(cookie).not.toMatch(/;\s*Secure/i) // served over http here: a Secure cookie would never come back
    const body = (await response.json()) as { agent: Record<string, unknown> }
    expect(body.agent).toMatchObject({ id: agentRecord.id, name: 'Ada', email: agentRecord.email })
    expect(JSON.stringify(body)).not.toMatch(/scrypt|passwordHash/)
  })

  it('marks the cookie Secure when Parley is served over https', async () => {
    const s = await start({ 'public-url': 'https://parley.test' })
    const agentRecord = await s.addAgent()
    const response = await login(s, { email: agentRecord.email, password: TEST_PASSWORD })
    expect(response.headers.get('set-cookie')).toMatch(/;\s*Secure/i)
  })

  it('tells the signed-in agent who they are at /api/auth/me, and no one else', async () => {
    const s = await start()
    const agentRecord = await s.addAgent({ name: 'Ada' })
    const cookie = await signIn(s, agentRecord.email)
    const me = await fetch(`${s.url}/api/auth/me`, { headers: { Cookie: cookie } })
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ agent: { id: agentRecord.id, name: 'Ada' } })

    for (const headers of [{}, { Cookie: 'parley_session=ps_forged' }] as Record<string, string>[]) {
      const anonymous = await fetch(`${s.url}/api/auth/me`, { headers })
      expect(anonymous.status).toBe(401)
      expect(await anonymous.json()).toMatchObject({ error: { code: 'not_authenticated' } })
    }
  })

  it('ends the session on logout: /me and new agent connections are refused', async () => {
    const s = await start()
    const agentRecord = await s.addAgent()
    const cookie = await signIn(s, agentRecord.email)
    const logout = await fetch(`${s.url}/api/auth/logout`, { method: 'POST', headers: { Cookie: cookie } })
    expect(logout.status).toBe(204)
    expect(logout.headers.get('set-cookie')).toMatch(/parley_session=;.*Max-Age=0/i)

    expect((await fetch(`${s.url}/api/auth/me`, { headers: { Cookie: cookie } })).status).toBe(401)
    const client = await openClient(s, { cookie })
    client.send({ t: 'hello', as: 'agent' })
    expect(await client.waitFor('error')).toMatchObject({ code: 'not_authenticated' })
    expect((await client.closed).code).toBe(closeCodeSeen(4401))
  })

  it('throttles failed sign-ins: after login-attempts failures, 429 with Retry-After even with the right password', async () => {
    const s = await start({ 'login-attempts': '3' })
    const agentRecord = await s.addAgent()
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await login(s, { email: agentRecord.email, password: `guess ${attempt}` })).status).toBe(401)
    }
    const throttled = await login(s, { email: agentRecord.email, password: TEST_PASSWORD })
    expect(throttled.status).toBe(429)
    expect(await throttled.json()).toMatchObject({ error: { code: 'too_many_attempts' } })
    const retryAfter = Number(throttled.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(15 * 60)
    expect(throttled.headers.get('set-cookie')).toBeNull()

    // The same email in other letter cases counts as the same account.
    expect((await login(s, { email: agentRecord.email.toUpperCase(), password: TEST_PASSWORD })).status).toBe(429)
    // Other agents are not locked out by someone guessing at this one.
    const other = await s.addAgent()
    expect((await login(s, { email: other.email, password: TEST_PASSWORD })).status).toBe(200)
  })

  it('forgets earlier failures after a successful sign-in', async () => {
    const s = await start({ 'login-attempts': '3' })
    const agentRecord = await s.addAgent()
    for (let attempt = 0; attempt < 2; attempt++) await login(s, { email: agentRecord.email, password: 'nope' })
    expect((await login(s, { email: agentRecord.email, password: TEST_PASSWORD })).status).toBe(200)
    for (let attempt = 0; attempt < 2; attempt++) await login(s, { email: agentRecord.email, password: 'nope' })
    expect((await login(s, { email: agentRecord.email, password: TEST_PASSWORD })).status).toBe(200)
  })
})

describe('agent connections need a session', () => {
  it('answers an agent hello without a session cookie with not_authenticated and closes (4401)', async () => {
    const s = await start()
    const client = await openClient(s)
    client.send({ t: 'hello', as: 'agent' })
    expect(await client.waitFor('error')).toEqual({ t: 'error', code: 'not_authenticated', message: 'sign in first: no valid session' })
    expect((await client.closed).code).toBe(closeCodeSeen(4401))
    expect(client.ofType('welcome')).toEqual([])
  })

  it('refuses a forged session cookie the same way', async () => {
    const s = await start()
    const client = await openClient(s, { cookie: 'parley_session=ps_forged' })
    client.send({ t: 'hello', as: 'agent' })
    expect(await client.waitFor('error')).toMatchObject({ code: 'not_authenticated' })
    expect((await client.closed).code).toBe(closeCodeSeen(4401))
  })
})

describe('sites are walled off from each other', () => {
  /** Site A with a visitor's waiting conversation; site B with its own agent, connected. */
  async function twoSites() {
    const s = await start()
    const siteB = await s.addSite('Other shop', ['http://other.test'])
    const agentA = await s.addAgent({ name: 'Alice', sites: [s.site] })
    const agentBRecord = await s.addAgent({ name: 'Bob', sites: [siteB] })
    const agentB = await connectAgent(s, agentBRecord)
    const visitor = await connectVisitor(s)
    const ack = await visitor.client.say('my order is late')
    const conv = ack.conv
    const snapshot = async () => ({
      conversation: await s.server.store.getConversation(conv),
      events: await s.server.store.messagesAfter(conv, 0, 100),
    })
    return { s, siteB, agentA, agentBRecord, agentB, visitor, conv, snapshot }
  }

  it('an agent of site B cannot claim, close, transfer, read, see the history of, or write into site A\'s conversation', async () => {
    const { agentA, agentBRecord, agentB, conv, snapshot } = await twoSites()
    const before = await snapshot()
    expect(before.conversation?.status).toBe('queued')

    const attempts = [
      { frame: { t: 'claim', conv, ref: 'claim' }, ref: 'claim' },
      { frame: { t: 'close', conv, ref: 'close' }, ref: 'close' },
      { frame: { t: 'transfer', conv, to: agentBRecord.id, ref: 'transfer-to-b' }, ref: 'transfer-to-b' },
      { frame: { t: 'transfer', conv, to: agentA.id, ref: 'transfer-to-a' }, ref: 'transfer-to-a' },
      { frame: { t: 'history', conv, ref: 'history' }, ref: 'history' },
      { frame: { t: 'send', conv, cid: 'intrude', text: 'hello from B' }, ref: 'intrude' },
    ]
    for (const { frame, ref } of attempts) {
      agentB.client.send(frame)
      const error = await agentB.client.waitFor('error', (e) => e.ref === ref)
      expect(error, ref).toEqual({ t: 'error', code: 'not_found', message: `conversation ${conv} not found`, ref })
    }
    agentB.client.send({ t: 'read', conv, seq: 1 })
    agentB.client.send({ t: 'typing', conv, on: true })
    await agentB.client.waitFor('error', () => agentB.client.ofType('error').length === attempts.length + 2)
    expect(agentB.client.ofType('error').slice(-2).map((e) => e.code)).toEqual(['not_found', 'not_found'])

    expect(agentB.client.ofType('history')).toEqual([])
    expect(await snapshot()).toEqual(before)
  })

  it('answers a conversation that does not exist exactly like one of another site, so ids cannot be probed', async () => {
    const { agentB, conv } = await twoSites()
    agentB.client.send({ t: 'claim', conv: conv + 1000, ref: 'missing' })
    agentB.client.send({ t: 'claim', conv, ref: 'foreign' })
    const missing = await agentB.client.waitFor('error', (e) => e.ref === 'missing')
    const foreign = await agentB.client.waitFor('error', (e) => e.ref === 'foreign')
    expect(foreign.code).toBe(missing.code)
    expect(foreign.message.replace(String(conv), 'N')).toBe(missing.message.replace(String(conv + 1000), 'N'))
  })

  it('an agent of site B hears nothing of site A', async () => {
    const { s, agentB, visitor, conv } = await twoSites()
    const agentA = await connectAgent(s, (await s.addAgent({ name: 'Ann', sites: [s.site] })))
    await agentA.client.waitFor('conv', (c) => c.conv.id === conv && c.conv.status === 'assigned')
    visitor.client.send({ t: 'typing', on: true })
    await visitor.client.say('anyone?')
    await agentA.client.say('Ann here', conv)
    await agentA.client.waitFor('msg', (m) => m.text === 'anyone?')
    await visitor.client.waitFor('msg', (m) => m.text === 'Ann here')

    const aboutA = agentB.client.frames.filter((frame) =>
      ('conv' in frame && (frame.conv === conv || (typeof frame.conv === 'object' && frame.conv.id === conv))) ||
      (frame.t === 'agent' && frame.agent.name === 'Ann'))
    expect(aboutA).toEqual([])
    expect(agentB.welcome.conversations).toEqual([])
    expect(agentB.welcome.agents?.map((a) => a.name)).toEqual(['Bob'])
  })

  it('an agent of site A cannot hand site A\'s conversation to an agent of site B', async () => {
    const { s, agentBRecord, conv, snapshot } = await twoSites()
    const agentA = await connectAgent(s, await s.addAgent({ name: 'Ann', sites: [s.site] }))
    await agentA.client.waitFor('conv', (c) => c.conv.id === conv && c.conv.status === 'assigned')
    const before = await snapshot()
    agentA.client.send({ t: 'transfer', conv, to: agentBRecord.id, ref: 'hand-over' })
    expect(await agentA.client.waitFor('error', (e) => e.ref === 'hand-over')).toMatchObject({ code: 'not_found' })
    expect(await snapshot()).toEqual(before)
  })

  it('a visitor cannot read or write another visitor\'s conversation', async () => {
    const { s, conv } = await twoSites()
    const other = await connectVisitor(s)
    other.client.send({ t: 'history', conv, ref: 'peek' })
    expect(await other.client.waitFor('error', (e) => e.ref === 'peek')).toMatchObject({ code: 'not_found' })
    // A visitor's message always goes to their own conversation, whatever conv says.
    const ack = await other.client.say('mine', conv)
    expect(ack.conv).not.toBe(conv)
    expect((await s.server.store.messagesAfter(conv, 0, 100)).map((m) => m.text)).not.toContain('mine')
  })

  it('a visitor token of site A used on site B makes a new visitor and does not resume A\'s', async () => {
    const { s, siteB, visitor } = await twoSites()
    const onB = await connectVisitor(s, { siteKey: siteB.key, origin: 'http://other.test', token: visitor.token })
    expect(onB.welcome.token).toMatch(/^pv_/)
    expect(onB.welcome.token).not.toBe(visitor.token)
    expect(onB.welcome.me.id).not.toBe(visitor.welcome.me.id)
    expect(onB.welcome.conversations).toEqual([])
    expect(onB.welcome.site?.key).toBe(siteB.key)

    // On its own site the token still works.
    const again = await connectVisitor(s, { token: visitor.token })
    expect(again.welcome.token).toBeUndefined()
    expect(again.welcome.me.id).toBe(visitor.welcome.me.id)
    expect(again.welcome.conversations).toHaveLength(1)
  })
})

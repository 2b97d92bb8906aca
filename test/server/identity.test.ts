import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSite } from '../../server/admin/admin-actions.js'
import { isVisitorIdentityValid, signVisitorIdentity } from '../../server/auth/visitor-identity.js'
import type { Site } from '../../server/store/types.js'
import { closeCodeSeen, connectAgent, openClient } from '../support/chat-client.js'
import { HOST_ORIGIN, startTestServer, type TestServer } from '../support/test-server.js'

let server: TestServer
let verified: Site
let verifiedOnly: Site

beforeAll(async () => {
  server = await startTestServer()
  verified = await createSite(server.server.store, { name: 'Accounts', allowedOrigins: [HOST_ORIGIN], identityVerification: true })
  verifiedOnly = await createSite(server.server.store, { name: 'Members', allowedOrigins: [HOST_ORIGIN], verifiedOnly: true })
})
afterAll(async () => {
  await server.stop()
})

/** A visitor's hello on `site`, as the widget sends it after `Parley('identify', ...)`. */
async function hello(site: Site, fields: { token?: string; identity?: { userId: string; hash: string } }) {
  const client = await openClient(server, { siteKey: site.key, origin: HOST_ORIGIN })
  client.send({ t: 'hello', as: 'visitor', ...fields })
  return client
}

const signed = (site: Site, userId: string) => ({ userId, hash: signVisitorIdentity(site.identitySecret!, userId) })

describe('signing identities', () => {
  it('accepts the HMAC the site computes with its secret and nothing else', () => {
    const identity = { userId: 'user-42', hash: signVisitorIdentity('pis_secret', 'user-42') }
    expect(isVisitorIdentityValid('pis_secret', identity)).toBe(true)
    expect(isVisitorIdentityValid('pis_other', identity)).toBe(false)
    expect(isVisitorIdentityValid('pis_secret', { ...identity, userId: 'user-43' })).toBe(false)
    expect(isVisitorIdentityValid('pis_secret', { ...identity, hash: 'ab' })).toBe(false)
  })

  it('keeps the secret out of what browsers receive', async () => {
    const client = await hello(verified, { identity: signed(verified, 'privacy') })
    const welcome = await client.waitFor('welcome')
    expect(JSON.stringify(welcome)).not.toContain(verified.identitySecret!)
    await client.close()
  })
})

describe('a site with identity verification', () => {
  it('recognises a verified user on every device: same visitor, same conversation', async () => {
    const laptop = await hello(verified, { identity: signed(verified, 'user-1') })
    const first = await laptop.waitFor('welcome')
    const ack = await laptop.say('Hello from my laptop')

    const phone = await hello(verified, { identity: signed(verified, 'user-1') })
    const second = await phone.waitFor('welcome')
    expect(second.me.id).toBe(first.me.id)
    expect(second.conversations.map((c) => c.id)).toContain(ack.conv)
    expect((await server.server.store.getVisitor(first.me.id))?.externalId).toBe('user-1')
    await Promise.all([laptop.close(), phone.close()])
  })

  it('refuses a wrong signature, closing with 4403 and storing no visitor', async () => {
    const before = await server.server.store.getVisitorByExternalId(verified.id, 'mallory')
    const client = await hello(verified, { identity: { userId: 'mallory', hash: signVisitorIdentity('guessed', 'mallory') } })
    const error = await client.waitFor('error')
    expect(error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('identity verification failed') })
    expect((await client.closed).code).toBe(closeCodeSeen(4403))
    expect(client.ofType('welcome')).toEqual([])
    expect(before).toBeUndefined()
    expect(await server.server.store.getVisitorByExternalId(verified.id, 'mallory')).toBeUndefined()
  })

  it('lets an anonymous visitor who signs in keep their conversation, now verified', async () => {
    const anonymous = await hello(verified, {})
    const welcome = await anonymous.waitFor('welcome')
    const ack = await anonymous.say('A question before I sign in')
    await anonymous.close()

    const signedIn = await hello(verified, { token: welcome.token!, identity: signed(verified, 'user-2') })
    const again = await signedIn.waitFor('welcome')
    expect(again.me.id).toBe(welcome.me.id)
    expect(again.conversations.map((c) => c.id)).toContain(ack.conv)
    await signedIn.close()
  })

  it('never opens a verified user’s chats with their browser token alone (a shared computer)', async () => {
    const owner = await hello(verified, { identity: signed(verified, 'user-3') })
    const ownerWelcome = await owner.waitFor('welcome')
    await owner.say('My private question')
    await owner.close()

    // The same browser, signed out: the widget still holds the token it got while anonymous.
    const anonymousFirst = await hello(verified, {})
    const token = (await anonymousFirst.waitFor('welcome')).token!
    await anonymousFirst.close()
    const linked = await hello(verified, { token, identity: signed(verified, 'user-4') })
    const linkedWelcome = await linked.waitFor('welcome')
    await linked.close()

    const nextPerson = await hello(verified, { token })
    const next = await nextPerson.waitFor('welcome')
    expect(next.me.id).not.toBe(linkedWelcome.me.id)
    expect(next.me.id).not.toBe(ownerWelcome.me.id)
    expect(next.conversations).toEqual([])
    await nextPerson.close()
  })
})

describe('a site for verified visitors only', () => {
  it('refuses anonymous visitors at the door', async () => {
    const client = await hello(verifiedOnly, {})
    expect(await client.waitFor('error')).toMatchObject({ code: 'forbidden', message: 'this site chats only with signed-in visitors' })
    expect((await client.closed).code).toBe(closeCodeSeen(4403))
  })

  it('chats with a verified visitor, who reaches the agents', async () => {
    const agentRecord = await server.addAgent({ sites: [verifiedOnly] })
    const agent = await connectAgent(server, agentRecord)
    const client = await hello(verifiedOnly, { identity: signed(verifiedOnly, 'member-1') })
    await client.waitFor('welcome')
    await client.say('Members only question')
    await agent.client.waitFor('msg', (m) => m.text === 'Members only question')
    await Promise.all([client.close(), agent.client.close()])
  })
})

describe('a site without identity verification', () => {
  it('takes no user id on the page’s word', async () => {
    const client = await hello(server.site, { identity: { userId: 'claimed', hash: 'a'.repeat(64) } })
    const welcome = await client.waitFor('welcome')
    expect((await server.server.store.getVisitor(welcome.me.id))?.externalId).toBeUndefined()
    await client.close()
  })
})

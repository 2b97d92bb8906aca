import { describe, expect, it } from 'vitest'
import type { ServerFrame } from '../../protocol/index.js'
import { closeCodeSeen, connectAgent, connectVisitor, openClient, TRANSPORT, type TestClient } from '../support/chat-client.js'
import { HOST_ORIGIN, serversPerTest, type TestServer } from '../support/test-server.js'

const start = serversPerTest()

/** A visitor connection that has not said hello yet. */
async function rawVisitor(s: TestServer) {
  return openClient(s, { siteKey: s.site.key, origin: HOST_ORIGIN })
}

/** Every stored text of the visitor's conversations, oldest first. */
async function storedTexts(s: TestServer, visitorId: number) {
  const conversations = await s.server.store.listConversations({ siteIds: [s.site.id], visitorId }, 10)
  const texts: string[] = []
  for (const conversation of conversations) {
    for (const message of await s.server.store.messagesAfter(conversation.id, 0, 1000)) texts.push(message.text)
  }
  return texts
}

/** The next error frame after the ones already received. */
function nextError(client: TestClient, where: (frame: Extract<ServerFrame, { t: 'error' }>) => boolean = () => true) {
  const seen = client.ofType('error').length
  let index = 0
  return client.waitFor('error', (frame) => index++ >= seen && where(frame))
}

describe('malformed frames get an error frame and leave the connection up', () => {
  it('answers text that is not JSON with bad_json', async () => {
    const s = await start()
    const { client } = await connectVisitor(s)
    client.send('{"t":"send", oops')
    expect(await nextError(client)).toEqual({ t: 'error', code: 'bad_json', message: 'frame is not valid JSON' })
    await client.say('still here')
  })

  it('answers an unknown frame type with unknown_type, echoing its cid', async () => {
    const s = await start()
    const { client } = await connectVisitor(s)
    client.send({ t: 'shout', cid: 'c-1', text: 'HELLO' })
    expect(await nextError(client)).toEqual({ t: 'error', code: 'unknown_type', message: 'unknown frame type "shout"', ref: 'c-1' })
    await client.say('still here')
  })

  it('answers a frame with a wrong field with bad_frame naming the field', async () => {
    const s = await start()
    const { client } = await connectVisitor(s)
    client.send({ t: 'read', conv: 'one', seq: 0 })
    const error = await nextError(client)
    expect(error.code).toBe('bad_frame')
    expect(error.message).toMatch(/^read\.conv: /)
    await client.say('still here')
  })

  // WebSocket only: a poll POST is text by nature, there is no binary frame to send.
  it.skipIf(TRANSPORT !== 'websocket')('answers binary frames with bad_frame: the protocol is JSON text', async () => {
    const s = await start()
    const { client, welcome } = await connectVisitor(s)
    client.socket.send(Buffer.from(JSON.stringify({ t: 'send', cid: 'bin', text: 'as binary' })))
    const error = await nextError(client)
    expect(error.code).toBe('bad_frame')
    expect(error.message).toMatch(/binary/)
    await client.say('as text')
    expect(await storedTexts(s, welcome.me.id)).toEqual(['as text'])
  })
})

describe('the hello comes first, and once', () => {
  it('refuses any frame before hello with not_authenticated, applying nothing', async () => {
    const s = await start()
    const client = await rawVisitor(s)
    client.send({ t: 'send', cid: 'early', text: 'too early' })
    const error = await nextError(client)
    expect(error).toMatchObject({ code: 'not_authenticated', message: 'send hello first' })
    expect(await s.server.store.listQueued([s.site.id], 10)).toEqual([])

    client.send({ t: 'hello', as: 'visitor' })
    await client.waitFor('welcome')
    await client.say('now it works')
  })

  it('refuses every kind of frame before hello the same way', async () => {
    const s = await start()
    const client = await rawVisitor(s)
    const early = [{ t: 'typing', on: true }, { t: 'history', conv: 1 }, { t: 'claim', conv: 1 }]
    for (const frame of early) client.send(frame)
    await client.waitFor('error', () => client.ofType('error').length === early.length)
    expect(client.ofType('error').map((e) => e.code)).toEqual(early.map(() => 'not_authenticated'))
  })

  it('answers a ping even before hello: liveness needs no identity', async () => {
    const s = await start()
    const client = await rawVisitor(s)
    client.send({ t: 'ping' })
    await client.waitFor('pong')
    expect(client.ofType('error')).toEqual([])
  })

  it('refuses a second hello with already_authenticated and keeps the first identity', async () => {
    const s = await start()
    const { client, welcome } = await connectVisitor(s)
    client.send({ t: 'hello', as: 'visitor' })
    expect(await nextError(client)).toMatchObject({ code: 'already_authenticated' })
    expect(client.ofType('welcome')).toHaveLength(1)
    const ack = await client.say('same visitor')
    const conversation = await s.server.store.getConversation(ack.conv)
    expect(conversation?.visitorId).toBe(welcome.me.id)
  })
})

describe('size limits', () => {
  it('refuses text above max-message-length with bad_frame and stores nothing', async () => {
    const s = await start({ 'max-message-length': '100' })
    const { client, welcome } = await connectVisitor(s)
    expect(welcome.limits.maxTextLength).toBe(100)
    await client.say('first')
    client.send({ t: 'send', cid: 'long', text: 'x'.repeat(101) })
    expect(await nextError(client)).toEqual({
      t: 'error', code: 'bad_frame', message: 'send.text: must be at most 100 characters', ref: 'long',
    })
    await client.say('x'.repeat(100))
    expect(await storedTexts(s, welcome.me.id)).toEqual(['first', 'x'.repeat(100)])
  })

  it('refuses frames between max-frame-bytes and four times it with too_large, and keeps the connection', async () => {
    const s = await start({ 'max-frame-bytes': '2048', 'max-message-length': '100000' })
    const { client, welcome } = await connectVisitor(s)
    await client.say('before')

    // Counted in bytes, not characters: 700 euro signs are 2100 bytes of UTF-8.
    client.send({ t: 'send', cid: 'euros', text: '€'.repeat(700) })
    expect(await nextError(client)).toEqual({
      t: 'error', code: 'too_large', message: 'frame is larger than 2048 bytes; nothing was applied',
    })
    client.send({ t: 'send', cid: 'big', text: 'x'.repeat(4 * 2048 - 100) })
    expect(await nextError(client)).toMatchObject({ code: 'too_large' })

    await client.say('after')
    expect(await storedTexts(s, welcome.me.id)).toEqual(['before', 'after'])
  })

  // WebSocket only: over long polling such a POST is answered 413 and the session stays (polling.test.ts).
  it.skipIf(TRANSPORT !== 'websocket')('closes the connection with 1009 for a frame above four times max-frame-bytes', async () => {
    const s = await start({ 'max-frame-bytes': '2048', 'max-message-length': '100000' })
    const { client, welcome } = await connectVisitor(s)
    client.socket.on('error', () => {}) // the server ends the connection mid-message
    client.send({ t: 'send', cid: 'huge', text: 'x'.repeat(4 * 2048 + 1) })
    expect((await client.closed).code).toBe(1009)
    expect(await storedTexts(s, welcome.me.id)).toEqual([])
    // The server itself is unharmed.
    const again = await connectVisitor(s)
    await again.client.say('fine')
  })
})

describe('rate limit', () => {
  it('refuses frames beyond the burst with rate_limited naming each cid, stores none of them, and keeps the connection', async () => {
    const s = await start({ 'rate-burst': '5', 'rate-per-second': '1' })
    const { client, welcome } = await connectVisitor(s) // the hello took one token: four remain
    const cids = Array.from({ length: 8 }, (_, i) => `burst-${i}`)
    for (const cid of cids) client.send({ t: 'send', cid, text: cid })

    const refused = await Promise.all(cids.slice(4).map((cid) => client.waitFor('error', (e) => e.ref === cid)))
    expect(refused.map((e) => e.code)).toEqual(['rate_limited', 'rate_limited', 'rate_limited', 'rate_limited'])
    await Promise.all(cids.slice(0, 4).map((cid) => client.waitFor('ack', (a) => a.cid === cid)))
    expect(client.ofType('ack').map((a) => a.cid)).toEqual(cids.slice(0, 4))
    expect(await storedTexts(s, welcome.me.id)).toEqual(cids.slice(0, 4))

    // Pings are free even while throttled: a client must be able to prove it is alive.
    client.send({ t: 'ping' })
    await client.waitFor('pong')

    // Tokens come back at rate-per-second; the connection was never dropped.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    await client.say('after a pause', undefined, 'later')
    expect(await storedTexts(s, welcome.me.id)).toEqual([...cids.slice(0, 4), 'after a pause'])
  })
})

describe('frames for the other role', () => {
  it('refuses agent-only frames from a visitor with forbidden, echoing the ref', async () => {
    const s = await start()
    const agentRecord = await s.addAgent()
    const { client, welcome } = await connectVisitor(s)
    const ack = await client.say('help')
    const frames = [
      { t: 'claim', conv: ack.conv, ref: 'r-claim' },
      { t: 'transfer', conv: ack.conv, to: agentRecord.id, ref: 'r-transfer' },
      { t: 'close', conv: ack.conv, ref: 'r-close' },
      { t: 'status', status: 'online', ref: 'r-status' },
    ]
    for (const frame of frames) {
      client.send(frame)
      const error = await client.waitFor('error', (e) => e.ref === frame.ref)
      expect(error).toEqual({ t: 'error', code: 'forbidden', message: `${frame.t} is for agents`, ref: frame.ref })
    }
    const conversation = await s.server.store.getConversation(ack.conv)
    expect(conversation).toMatchObject({ status: 'queued', visitorId: welcome.me.id })
    expect(conversation?.assigneeId).toBeUndefined()
  })

  it('refuses a page report from an agent with forbidden', async () => {
    const s = await start()
    const agent = await connectAgent(s, await s.addAgent())
    agent.client.send({ t: 'page', url: 'https://shop.test/' })
    expect(await nextError(agent.client)).toMatchObject({ code: 'forbidden', message: 'only visitors report pages' })
  })

  it('refuses a visitor hello without a site key with not_authenticated and closes (4401)', async () => {
    const s = await start()
    const client = await openClient(s)
    client.send({ t: 'hello', as: 'visitor' })
    expect(await nextError(client)).toMatchObject({ code: 'not_authenticated' })
    expect((await client.closed).code).toBe(closeCodeSeen(4401))
  })

  it('refuses an agent send without conv with bad_frame naming the cid', async () => {
    const s = await start()
    const agent = await connectAgent(s, await s.addAgent())
    agent.client.send({ t: 'send', cid: 'no-conv', text: 'to whom?' })
    expect(await agent.client.waitFor('error', (e) => e.ref === 'no-conv')).toMatchObject({ code: 'bad_frame', message: 'send.conv: required for agents' })
  })
})

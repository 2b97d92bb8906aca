import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectAgent, connectVisitor } from '../support/chat-client.js'
import { startTestServer, type TestServer } from '../support/test-server.js'

let server: TestServer
beforeEach(async () => {
  server = await startTestServer()
})
afterEach(async () => {
  await server.stop()
})

/** A visitor chatting with agent Ada, and her colleague Bo watching the same site. */
async function chatWithTwoAgents() {
  const ada = await connectAgent(server, await server.addAgent({ name: 'Ada' }))
  const bo = await connectAgent(server, await server.addAgent({ name: 'Bo', capacity: 1 }))
  const visitor = await connectVisitor(server)
  const first = await visitor.client.say('My parcel is late')
  await visitor.client.waitFor('msg', (m) => m.sys === 'joined')
  return { ada, bo, visitor, conv: first.conv }
}

describe('internal notes', () => {
  it('reach every agent of the site, marked as notes, and never the visitor', async () => {
    const { ada, bo, visitor, conv } = await chatWithTwoAgents()
    const ack = await ada.client.note('Courier says Tuesday; check again tomorrow', conv)
    await bo.client.waitFor('msg', (m) => m.seq === ack.seq && m.note === true && m.author.name === 'Ada')
    await ada.client.say('It should arrive on Tuesday.', conv)
    await visitor.client.waitFor('msg', (m) => m.text === 'It should arrive on Tuesday.')
    expect(visitor.client.events(conv).some((m) => m.seq === ack.seq || m.note)).toBe(false)
    const stored = (await server.server.store.messagesAfter(conv, 0, 100)).find((m) => m.seq === ack.seq)
    expect(stored).toMatchObject({ internal: true, authorRole: 'agent', text: 'Courier says Tuesday; check again tomorrow' })
  })

  it('stay out of a visitor’s replay and history, and stay in an agent’s', async () => {
    const { ada, visitor, conv } = await chatWithTwoAgents()
    const seen = visitor.client.events(conv).at(-1)!.seq
    await visitor.client.close()
    const note = await ada.client.note('VIP customer', conv)
    await ada.client.say('Back with news soon', conv)

    const back = await connectVisitor(server, { token: visitor.token, last: { [conv]: seen } })
    await back.client.waitFor('msg', (m) => m.text === 'Back with news soon')
    back.client.send({ t: 'history', conv, ref: 'all', limit: 100 })
    const history = await back.client.waitFor('history', (h) => h.ref === 'all')
    expect([...back.client.events(conv), ...history.events].some((m) => m.seq === note.seq)).toBe(false)

    ada.client.send({ t: 'history', conv, ref: 'agent', limit: 100 })
    const agentHistory = await ada.client.waitFor('history', (h) => h.ref === 'agent')
    expect(agentHistory.events.find((m) => m.seq === note.seq)).toMatchObject({ note: true, text: 'VIP customer' })
  })

  it('claim nothing, and may annotate a closed conversation', async () => {
    const ada = await connectAgent(server, await server.addAgent({ name: 'Ada' }))
    ada.client.send({ t: 'status', status: 'away', ref: 'away' })
    await ada.client.waitFor('ok', (f) => f.ref === 'away')
    const visitor = await connectVisitor(server)
    const { conv } = await visitor.client.say('Anyone?')
    await ada.client.note('Looks like a refund question', conv)
    expect((await server.server.store.getConversation(conv))?.status).toBe('queued')

    ada.client.send({ t: 'claim', conv, ref: 'claim' })
    await ada.client.waitFor('ok', (f) => f.ref === 'claim')
    ada.client.send({ t: 'close', conv, ref: 'close' })
    await ada.client.waitFor('ok', (f) => f.ref === 'close')
    const late = await ada.client.note('Refunded by phone', conv)
    expect(late.seq).toBeGreaterThan(0)
    expect((await server.server.store.getConversation(conv))?.status).toBe('closed')
  })

  it('are for agents: a visitor’s note is refused and nothing is stored', async () => {
    const visitor = await connectVisitor(server)
    const { conv } = await visitor.client.say('Hello')
    visitor.client.send({ t: 'send', cid: 'sneaky', text: 'pretend note', note: true })
    expect(await visitor.client.waitFor('error', (e) => e.ref === 'sneaky')).toMatchObject({ code: 'forbidden' })
    expect((await server.server.store.messagesAfter(conv, 0, 100)).map((m) => m.text)).not.toContain('pretend note')
  })
})

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

describe('a visitor and an agent chat', () => {
  it('delivers visitor → agent → visitor, each stored before it is acknowledged', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    expect(visitor.token).toMatch(/^pv_/)

    const ack = await visitor.client.say('Hello, is anyone there?')
    expect(ack.seq).toBeGreaterThan(0)
    const stored = await server.server.store.messagesAfter(ack.conv, 0, 10)
    expect(stored.map((m) => m.text)).toContain('Hello, is anyone there?')

    const seen = await agent.client.waitFor('msg', (m) => m.text === 'Hello, is anyone there?')
    expect(seen.author).toMatchObject({ role: 'visitor' })
    const joined = await agent.client.waitFor('conv', (c) => c.conv.id === ack.conv && c.conv.status === 'assigned')
    expect(joined.conv.assignee).toEqual({ id: agentRecord.id, name: 'Ada' })

    await agent.client.say('Yes, Ada here.', ack.conv)
    const reply = await visitor.client.waitFor('msg', (m) => m.text === 'Yes, Ada here.')
    expect(reply.author).toMatchObject({ role: 'agent', id: agentRecord.id, name: 'Ada' })
    await visitor.client.waitFor('msg', (m) => m.sys === 'joined' && m.text === 'Ada joined the conversation')
  })
})

/**
 * Live events of one conversation reach a client in sequence order, each once, even when the
 * bus brings them out of order or late: with several nodes, two nodes publish events of the
 * same conversation, and a node may publish an event after a reconnecting client's replay has
 * already sent it. Here a bus that holds back chosen messages plays the slow node.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../server/ops/logger.js'
import type { Bus, BusMessage } from '../../server/realtime/bus.js'
import { createCluster } from '../../server/realtime/cluster.js'
import { connectAgent, connectVisitor } from '../support/chat-client.js'
import { startTestServer, type TestServer } from '../support/test-server.js'

/** The in-process bus, except that messages `holdIf` picks wait until `release`. */
function slowNodeCluster() {
  let holdIf: (topic: string, message: BusMessage) => boolean = () => false
  const held: Array<{ topic: string; message: BusMessage }> = []
  let inner: Bus | undefined
  return {
    cluster() {
      const base = createCluster({ redisUrl: '', redisPrefix: 'test:', logger: createLogger('silent') })
      inner = base.bus
      const bus: Bus = {
        ...base.bus,
        publish(topic, message) {
          if (holdIf(topic, message)) held.push({ topic, message })
          else base.bus.publish(topic, message)
        },
      }
      return { ...base, bus }
    },
    hold(rule: (topic: string, message: BusMessage) => boolean) {
      holdIf = rule
    },
    release() {
      holdIf = () => false
      for (const { topic, message } of held.splice(0)) inner!.publish(topic, message)
    },
    get heldCount() {
      return held.length
    },
  }
}

let server: TestServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

describe('live events in sequence order', () => {
  it('fills a gap from the store when an event arrives before an earlier one, and drops the late one', async () => {
    const slow = slowNodeCluster()
    server = await startTestServer({}, { cluster: slow.cluster })
    const agent = await connectAgent(server, await server.addAgent({ name: 'Ada' }))
    const visitor = await connectVisitor(server)
    const { conv } = await visitor.client.say('Hello')
    await agent.client.waitFor('msg', (m) => m.conv === conv && m.sys === 'joined')

    // The agent's next message is published late to the visitor, as by a slow node.
    slow.hold((topic, message) => topic.startsWith('visitor:') && message.frame.includes('"first"'))
    await agent.client.say('first', conv)
    expect(slow.heldCount).toBe(1)
    await agent.client.say('second', conv)
    await visitor.client.waitFor('msg', (m) => m.text === 'second')
    // "first" came from the store, before "second".
    expect(visitor.client.events(conv).map((m) => m.text).slice(-2)).toEqual(['first', 'second'])

    slow.release()
    await agent.client.say('third', conv)
    await visitor.client.waitFor('msg', (m) => m.text === 'third')
    await visitor.client.roundTrip()
    const seqs = visitor.client.events(conv).map((m) => m.seq)
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b))
    expect(visitor.client.events(conv).filter((m) => m.text === 'first')).toHaveLength(1)
  })

  it('treats the numbers of internal notes as no gap for a visitor, who never sees notes', async () => {
    server = await startTestServer()
    const agent = await connectAgent(server, await server.addAgent({ name: 'Ada' }))
    const visitor = await connectVisitor(server)
    const { conv } = await visitor.client.say('Hello')
    await agent.client.waitFor('msg', (m) => m.conv === conv && m.sys === 'joined')

    await agent.client.note('Between us agents', conv)
    await agent.client.say('Visible again', conv)
    await visitor.client.waitFor('msg', (m) => m.text === 'Visible again')
    await visitor.client.roundTrip()
    expect(visitor.client.events(conv).map((m) => m.text)).not.toContain('Between us agents')
    expect(visitor.client.events(conv).filter((m) => m.text === 'Visible again')).toHaveLength(1)
  })

  it('does not send a reconnecting client an event its replay sent when the event is published after the replay', async () => {
    const slow = slowNodeCluster()
    server = await startTestServer({}, { cluster: slow.cluster })
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    const { conv } = await visitor.client.say('Hello')
    await agent.client.waitFor('msg', (m) => m.conv === conv && m.sys === 'joined')
    const seen = Math.max(...agent.client.events(conv).map((m) => m.seq))
    await agent.client.close()

    // Committed, not yet published to the agents: the reconnecting agent's replay finds it in the store.
    slow.hold((topic) => topic.startsWith('site:'))
    await visitor.client.say('Committed before the replay', conv)
    slow.hold(() => false)
    const again = await connectAgent(server, agentRecord, { cookie: agent.cookie, last: { [conv]: seen } })
    await again.client.waitFor('msg', (m) => m.text === 'Committed before the replay')
    slow.release()
    await visitor.client.say('After the replay', conv)
    await again.client.waitFor('msg', (m) => m.text === 'After the replay')
    expect(again.client.events(conv).filter((m) => m.text === 'Committed before the replay')).toHaveLength(1)
  })
})

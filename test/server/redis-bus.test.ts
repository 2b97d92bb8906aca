/**
 * The Redis bus against a real Redis (PARLEY_TEST_REDIS_URL, by default the local one). Two
 * buses stand for two nodes. Without a Redis the suite is skipped, loudly, except on CI.
 */
import { randomBytes } from 'node:crypto'
import { createServer, connect, type Socket } from 'node:net'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Bus, BusMessage } from '../../server/realtime/bus.js'
import { createRedisBus } from '../../server/realtime/redis-bus.js'
import { connectAgent, connectVisitor } from '../support/chat-client.js'
import { startTestServer } from '../support/test-server.js'
import { missingServices, REDIS_URL } from '../support/services.js'

const withoutRedis = await missingServices('the Redis bus tests', 'redis')

/** Channels of this run only, so parallel runs and other users of the Redis are not heard. */
const prefix = `parley-test-${randomBytes(6).toString('hex')}:`
/**
 * A byte-for-byte TCP relay to Redis that can be cut and restored. (test/support/tcp-proxy.ts
 * reads an HTTP head before relaying, which Redis's protocol never sends.)
 */
async function redisRelay(target: URL) {
  const sockets = new Set<Socket>()
  let down = false
  const server = createServer((client) => {
    if (down) return void client.destroy()
    const upstream = connect(Number(target.port || 6379), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => {
        sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `redis://127.0.0.1:${(server.address() as { port: number }).port}`,
    cut,
    restore() {
      down = false
    },
    close: () => new Promise<void>((resolve) => {
      cut()
      server.close(() => resolve())
    }),
  }
  function cut() {
    down = true
    for (const socket of sockets) socket.destroy()
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A logger whose lines a test can read. */
function recordingLogger() {
  const lines: Array<{ msg: string }> = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()))
      done()
    },
  })
  return { logger: pino({ level: 'warn' }, sink), lines }
}

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await delay(10)
  }
}

describe.skipIf(withoutRedis)('the Redis bus', () => {
  /** A plain connection that looks at Redis from outside the buses. */
  let observer: Redis
  const buses: Bus[] = []
  let topicCount = 0

  beforeAll(() => {
    observer = new Redis(REDIS_URL)
  })
  afterAll(async () => {
    await observer.quit()
  })
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()))
  })

  function node(logger = pino({ level: 'silent' })) {
    const bus = createRedisBus({ url: REDIS_URL, logger, prefix })
    buses.push(bus)
    return bus
  }

  const freshTopic = () => `site:${++topicCount}`

  /** How many connections listen to the channel of `topic`. */
  async function subscribers(topic: string): Promise<number> {
    const [, count] = (await observer.pubsub('NUMSUB', prefix + topic)) as [string, number]
    return Number(count)
  }

  const subscribersReach = (topic: string, count: number) =>
    until(async () => (await subscribers(topic)) === count, `${count} Redis subscribers of ${topic}`)

  /** Collects what a listener receives. */
  function inbox(bus: Bus, topic: string) {
    const received: BusMessage[] = []
    const { ready, unsubscribe } = bus.subscribe(topic, (message) => received.push(message))
    return { received, ready, unsubscribe }
  }

  it('brings a message published on one node to the listeners of every node, once each and in order', async () => {
    const [a, b] = [node(), node()]
    const topic = freshTopic()
    const onA = inbox(a, topic)
    const onB = inbox(b, topic)
    const elsewhere = inbox(b, freshTopic())
    await subscribersReach(topic, 2)

    const sent = Array.from({ length: 200 }, (_, i) => ({ frame: `{"t":"msg","n":${i}}`, conv: 7, seq: i + 1 }))
    for (const message of sent) a.publish(topic, message)
    // Redis keeps the order of one publisher: once the last has arrived, any duplicate would have too.
    await until(() => onA.received.length >= 200 && onB.received.length >= 200, 'all 200 messages on both nodes')
    await delay(50)

    expect(onA.received).toEqual(sent)
    expect(onB.received).toEqual(sent)
    expect(elsewhere.received).toEqual([])
  })

  it('subscribes a node to a channel only while it has a listener for the topic', async () => {
    const [a, b] = [node(), node()]
    const topic = freshTopic()
    expect(await subscribers(topic)).toBe(0)

    const first = inbox(a, topic)
    const second = inbox(a, topic)
    const onB = inbox(b, topic)
    // Two listeners on node A still make one Redis subscription.
    await subscribersReach(topic, 2)

    first.unsubscribe()
    b.publish(topic, { frame: 'one' })
    await until(() => second.received.length === 1 && onB.received.length === 1, 'the first message')
    expect(first.received).toEqual([])
    expect(await subscribers(topic)).toBe(2)

    second.unsubscribe()
    await subscribersReach(topic, 1)
    b.publish(topic, { frame: 'two' })
    await until(() => onB.received.length === 2, 'the second message on node B')
    expect(second.received.map((m) => m.frame)).toEqual(['one'])

    // Unsubscribing twice does not drop a later listener of the same topic.
    const third = inbox(a, topic)
    await subscribersReach(topic, 2)
    second.unsubscribe()
    b.publish(topic, { frame: 'three' })
    await until(() => third.received.length === 1, 'the third message on node A')
    expect(await subscribers(topic)).toBe(2)
  })

  it('confirms a subscription only once Redis delivers on it', async () => {
    const [a, b] = [node(), node()]
    const topic = freshTopic()
    const onA = inbox(a, topic)
    await onA.ready
    // No waiting: once ready, the channel is subscribed and a message published now arrives.
    expect(await subscribers(topic)).toBe(1)
    b.publish(topic, { frame: 'right after' })
    await until(() => onA.received.length === 1, 'the message published right after ready')

    // A second listener of the same topic shares the subscription and its confirmation.
    const again = inbox(a, topic)
    await again.ready
    expect(await subscribers(topic)).toBe(1)
  })

  it('subscribes again after losing Redis, then reports the gap so that clients catch up', async () => {
    const { logger, lines } = recordingLogger()
    const a = node(logger)
    const topic = freshTopic()
    const onA = inbox(a, topic)
    await onA.ready
    let gaps = 0
    a.onGap(() => gaps++)

    // Redis drops the node's subscribing connection, as a failover or a network cut would.
    const clients = (await observer.client('LIST')) as string
    const ids = clients.split('\n').filter((line) => line.includes(` name=${prefix}subscribe `)).map((line) => /id=(\d+)/.exec(line)![1]!)
    expect(ids).toHaveLength(1)
    await observer.client('KILL', 'ID', ids[0]!)

    await until(() => gaps === 1, 'the gap to be reported')
    // When the gap is reported, the channel is already active again.
    expect(await subscribers(topic)).toBe(1)
    await observer.publish(prefix + topic, JSON.stringify({ frame: 'after the gap' }))
    await until(() => onA.received.some((m) => m.frame === 'after the gap'), 'a message after the gap')
    expect(lines.map((line) => line.msg)).toContain('redis subscription connection is back: subscribing again')
    expect(gaps).toBe(1)
  })

  it('ignores what is not a bus message, and keeps delivering when a listener throws', async () => {
    const { logger, lines } = recordingLogger()
    const a = node(logger)
    const topic = freshTopic()
    a.subscribe(topic, () => {
      throw new Error('a broken listener')
    })
    const healthy = inbox(a, topic)
    await subscribersReach(topic, 1)

    await observer.publish(prefix + topic, 'not json')
    await observer.publish(prefix + topic, '{"conv":1}')
    a.publish(topic, { frame: 'fine' })
    await until(() => healthy.received.length === 1, 'the one real message')
    expect(healthy.received).toEqual([{ frame: 'fine' }])
    expect(lines.map((line) => line.msg)).toEqual([
      'ignored a bus message that is not one',
      'ignored a bus message that is not one',
      'bus listener failed',
    ])
  })

  it('closes cleanly, leaving no subscription behind', async () => {
    const bus = createRedisBus({ url: REDIS_URL, logger: pino({ level: 'silent' }), prefix })
    const topic = freshTopic()
    const { received } = inbox(bus, topic)
    await subscribersReach(topic, 1)

    await bus.close()
    expect(await subscribers(topic)).toBe(0)
    await observer.publish(prefix + topic, JSON.stringify({ frame: 'too late' }))
    await delay(50)
    expect(received).toEqual([])
  })

  it('logs, never throws, when Redis cannot be reached, and still closes', async () => {
    const { logger, lines } = recordingLogger()
    const bus = createRedisBus({ url: 'redis://127.0.0.1:1', logger, prefix })
    const { unsubscribe } = bus.subscribe(freshTopic(), () => {})
    bus.publish(freshTopic(), { frame: 'lost' })
    await until(() => lines.some((line) => line.msg === 'redis connection error'), 'a logged connection error')
    unsubscribe()
    await bus.close()
  })

  it('carries a chat between a visitor and an agent through a Parley server', async () => {
    const server = await startTestServer({ 'redis-url': REDIS_URL })
    // What the server publishes, seen from outside: the chat really travels through Redis.
    const watcher = new Redis(REDIS_URL)
    const seen: string[] = []
    watcher.on('message', (_channel: string, text: string) => seen.push(text))
    await watcher.subscribe(`parley:site:${server.site.id}`)
    try {
      const agentRecord = await server.addAgent({ name: 'Ada' })
      const agent = await connectAgent(server, agentRecord)
      const visitor = await connectVisitor(server)
      // No waiting: a welcome comes only once the connection's subscriptions are active in Redis.

      const ack = await visitor.client.say('Hello over Redis')
      await agent.client.waitFor('msg', (m) => m.text === 'Hello over Redis')
      await agent.client.waitFor('conv', (c) => c.conv.id === ack.conv && c.conv.status === 'assigned')
      await agent.client.say('Ada here, also over Redis', ack.conv)
      await visitor.client.waitFor('msg', (m) => m.text === 'Ada here, also over Redis')
      await agent.client.roundTrip()
      expect(agent.client.events(ack.conv).filter((m) => m.text === 'Hello over Redis')).toHaveLength(1)
      expect(visitor.client.events(ack.conv).filter((m) => m.text === 'Ada here, also over Redis')).toHaveLength(1)
      expect(seen.some((text) => text.includes('Hello over Redis'))).toBe(true)
    } finally {
      await watcher.quit()
      await server.stop()
    }
  })

  it('has clients catch up when the server loses Redis for a moment, with nothing missed or repeated', async () => {
    const serverPrefix = `${prefix}gap-${randomBytes(3).toString('hex')}:`
    const server = await startTestServer({ 'redis-url': REDIS_URL, 'redis-prefix': serverPrefix })
    try {
      const agentRecord = await server.addAgent({ name: 'Ada' })
      const agent = await connectAgent(server, agentRecord)
      const visitor = await connectVisitor(server)
      const first = await visitor.client.say('Before the cut')
      await agent.client.waitFor('msg', (m) => m.text === 'Before the cut')

      const clients = (await observer.client('LIST')) as string
      const subscriberId = /id=(\d+)[^\n]* name=\S*gap-\S*subscribe /.exec(clients)?.[1]
      expect(subscriberId).toBeDefined()
      await observer.client('KILL', 'ID', subscriberId!)
      // Sent while the server may be deaf to Redis: stored, then found by the agent's catch-up if not heard live.
      await visitor.client.say('During the cut', first.conv)

      // The server tells its clients to come back; they do, saying what they have seen.
      await agent.client.waitFor('bye')
      await visitor.client.waitFor('bye')
      const lastSeen = Math.max(...agent.client.events(first.conv).map((m) => m.seq))
      const agentAgain = await connectAgent(server, agentRecord, { cookie: agent.cookie, last: { [first.conv]: lastSeen } })
      const visitorAgain = await connectVisitor(server, { token: visitor.token })
      await visitorAgain.client.say('After the cut', first.conv)
      await agentAgain.client.waitFor('msg', (m) => m.text === 'After the cut')

      const seenByAgent = [...agent.client.events(first.conv), ...agentAgain.client.events(first.conv)].map((m) => m.text)
      expect(seenByAgent.filter((text) => text === 'During the cut')).toHaveLength(1)
      expect(seenByAgent.filter((text) => text === 'After the cut')).toHaveLength(1)
      await agentAgain.client.close()
      await visitorAgain.client.close()
    } finally {
      await server.stop()
    }
  })

  it('takes a node out of rotation while its Redis is unreachable, and back once it answers', async () => {
    const relay = await redisRelay(new URL(REDIS_URL))
    const server = await startTestServer({ 'redis-url': relay.url, 'redis-prefix': `${prefix}health-${randomBytes(3).toString('hex')}:` })
    const health = async () => {
      const response = await fetch(`${server.url}/healthz`)
      return { status: response.status, body: (await response.json()) as { status: string; problem?: string } }
    }
    try {
      expect(await health()).toEqual({ status: 200, body: { status: 'ok' } })
      const visitor = await connectVisitor(server)

      relay.cut()
      await until(async () => (await health()).status === 503, 'the health check to fail')
      expect((await health()).body).toMatchObject({ status: 'unavailable', problem: expect.stringMatching(/redis/) })

      relay.restore()
      await until(async () => (await health()).status === 200, 'the health check to pass again', 10_000)
      // Whatever was published meanwhile is lost to this node: its clients are told to catch up.
      await visitor.client.waitFor('bye', () => true, 10_000)
    } finally {
      await server.stop()
      await relay.close()
    }
  }, 30_000)
})

/**
 * The client connection library against a real server: a visitor made with
 * `createConnection`, as the widget makes it, chatting with an agent who uses the test
 * protocol client. Networks that fail are made by a TCP proxy between the two.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createConnection,
  type Connection,
  type ConnectionOptions,
  type ConnectionState,
  type Transport,
} from '../../client/index.js'
import type { ChatEvent, ServerFrame } from '../../protocol/index.js'
import type { Agent } from '../../server/store/types.js'
import { connectAgent, type TestClient } from '../support/chat-client.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'
import { HOST_ORIGIN, startTestServer, type TestServer } from '../support/test-server.js'
import { delay, transportsWith, waitUntil, type TransportChoice } from '../support/node-transports.js'

const HEARTBEAT_MS = 1000
const SETTINGS = {
  'heartbeat-interval': String(HEARTBEAT_MS),
  'poll-wait': '1000',
  'rate-burst': '1000',
  'rate-per-second': '1000',
}

let server: TestServer
let agentRecord: Agent
let proxy: TcpProxy | undefined
const cleanups: (() => unknown)[] = []

beforeEach(async () => {
  server = await startTestServer(SETTINGS)
  agentRecord = await server.addAgent({ name: 'Ada' })
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await proxy?.close()
  proxy = undefined
  await server.stop()
})

// --- Helpers -------------------------------------------------------------------------------------


/** The transports a browser widget on http://shop.test would use. */
const visitorTransports = (choice: TransportChoice = 'both') => transportsWith({ Origin: HOST_ORIGIN }, choice)

/** A transport that counts the links it opens: how a test sees reconnect attempts. */
function counted(transport: Transport) {
  const counter = {
    links: 0,
    transport: {
      name: transport.name,
      connect(...args: Parameters<Transport['connect']>) {
        counter.links += 1
        return transport.connect(...args)
      },
    } satisfies Transport,
  }
  return counter
}

interface Visitor {
  connection: Connection
  /** Every frame handed to `onFrame`, in order. */
  frames: ServerFrame[]
  /** Every state reported to `onState`, in order. */
  states: ConnectionState[]
  /** The visitor token from the first `welcome`, given again at every reconnect. */
  readonly token?: string
  /** The conversation events handed to `onFrame`, in order. */
  events(conv: number): ChatEvent[]
}

/** A visitor as the widget connects one: site key in the query, token kept from `welcome`. */
function openVisitor(url: string, options: Partial<ConnectionOptions> & { token?: string } = {}): Visitor {
  const { token, ...rest } = options
  const frames: ServerFrame[] = []
  const states: ConnectionState[] = []
  let savedToken = token
  const connection = createConnection({
    url,
    query: `site=${server.site.key}`,
    hello: () => ({ as: 'visitor', ...(savedToken ? { token: savedToken } : {}) }),
    transports: visitorTransports(),
    onFrame(frame) {
      frames.push(frame)
      if (frame.t === 'welcome' && frame.token) savedToken = frame.token
    },
    onState: (state) => states.push(state),
    ...rest,
  })
  cleanups.push(() => connection.close())
  return {
    connection,
    frames,
    states,
    get token() {
      return savedToken
    },
    events: (conv) => frames.filter((frame): frame is ChatEvent => frame.t === 'msg' && frame.conv === conv),
  }
}

async function openAgent(last?: Record<string, number>): Promise<TestClient> {
  const { client } = await connectAgent(server, agentRecord, last ? { last } : {})
  cleanups.push(() => client.close())
  return client
}

/** Sends through the library and resolves with the acknowledgement it hands to `onFrame`. */
async function say(visitor: Visitor, text: string) {
  const cid = visitor.connection.sendMessage(text)
  await waitUntil(`"${text}" is acknowledged`, () => visitor.frames.some((frame) => frame.t === 'ack' && frame.cid === cid))
  return visitor.frames.find((frame): frame is Extract<ServerFrame, { t: 'ack' }> => frame.t === 'ack' && frame.cid === cid)!
}

const stored = async (conv: number) =>
  (await server.server.store.messagesAfter(conv, 0, 10_000)).map(({ seq, text }) => ({ seq, text }))
const seqAndText = (events: ChatEvent[]) => events.map(({ seq, text }) => ({ seq, text }))
const texts = (events: ChatEvent[]) => events.map((event) => event.text)
const lastSeq = (events: ChatEvent[]) => events.at(-1)?.seq ?? 0

/** Waits until the visitor has every event the store has for the conversation. */
async function caughtUp(visitor: Visitor, conv: number, timeoutMs?: number) {
  await waitUntil(
    `the visitor has every stored event of conversation ${conv}`,
    async () => lastSeq(visitor.events(conv)) === (await server.server.store.messagesAfter(conv, 0, 10_000)).length,
    timeoutMs,
  )
}

// --- Tests ---------------------------------------------------------------------------------------

describe('a visitor connection', () => {
  it('connects over WebSocket and chats with an agent both ways', async () => {
    const agent = await openAgent()
    const visitor = openVisitor(server.url)
    expect(visitor.connection.state).toBe('connecting')

    await waitUntil('online', () => visitor.connection.state === 'online')
    expect(visitor.connection.transport).toBe('websocket')
    expect(visitor.frames[0]).toMatchObject({ t: 'welcome', as: 'visitor' })
    expect(visitor.token).toMatch(/^pv_/)

    const ack = await say(visitor, 'Hello, is my order on its way?')
    expect(visitor.connection.pending()).toEqual([])
    const conv = ack.conv
    await agent.waitFor('msg', (msg) => msg.conv === conv && msg.text === 'Hello, is my order on its way?')

    await agent.say('It left the warehouse this morning.', conv)
    await waitUntil('the answer arrives', () => texts(visitor.events(conv)).includes('It left the warehouse this morning.'))

    expect(seqAndText(visitor.events(conv))).toEqual(await stored(conv))
    expect(seqAndText(agent.events(conv))).toEqual(await stored(conv))
    expect(visitor.connection.last()).toEqual({ [conv]: lastSeq(visitor.events(conv)) })
  })

  it('reports connecting, online, reconnecting after a cut, online again, and offline when closed', async () => {
    proxy = await startTcpProxy(server.server.port)
    const visitor = openVisitor(proxy.url)
    expect(visitor.connection.state).toBe('connecting')
    await waitUntil('online', () => visitor.connection.state === 'online')

    proxy.cutAll()
    await waitUntil('online again', () => visitor.states.filter((state) => state === 'online').length === 2)
    visitor.connection.close()

    expect(visitor.states).toEqual(['online', 'reconnecting', 'online', 'offline'])
    expect(visitor.connection.state).toBe('offline')
  })

  it('keeps a message written while the server is unreachable and delivers it once, after reconnecting', async () => {
    const agent = await openAgent()
    proxy = await startTcpProxy(server.server.port)
    const visitor = openVisitor(proxy.url)
    const conv = (await say(visitor, 'First question')).conv

    proxy.goDown()
    proxy.cutAll()
    await waitUntil('reconnecting', () => visitor.connection.state === 'reconnecting')
    const cid = visitor.connection.sendMessage('Written while offline')
    expect(visitor.connection.pending()).toEqual([{ cid, text: 'Written while offline' }])

    await delay(1500) // a few refused attempts
    expect(proxy.stats.resets).toBeGreaterThan(0)
    expect(visitor.connection.state).toBe('reconnecting')
    expect(visitor.connection.pending()).toEqual([{ cid, text: 'Written while offline' }])

    proxy.passThrough()
    await waitUntil('the outbox is empty', () => visitor.connection.pending().length === 0, 15_000)
    await agent.waitFor('msg', (msg) => msg.text === 'Written while offline', 5000)
    await caughtUp(visitor, conv)

    const storedTexts = (await stored(conv)).map((event) => event.text)
    expect(storedTexts.filter((text) => text === 'Written while offline')).toHaveLength(1)
    expect(agent.events(conv).filter((msg) => msg.text === 'Written while offline')).toHaveLength(1)
    expect(visitor.frames.filter((frame) => frame.t === 'ack' && frame.cid === cid)).toHaveLength(1)
    expect(seqAndText(visitor.events(conv))).toEqual(await stored(conv))
  })

  it('resends a message whose acknowledgement was lost with the same client id, and it is stored once', async () => {
    const agent = await openAgent()
    proxy = await startTcpProxy(server.server.port)
    const visitor = openVisitor(proxy.url, { transports: visitorTransports('websocket') })
    const conv = (await say(visitor, 'First question')).conv

    // The server hears the message, stores it and answers, but the answer never arrives.
    proxy.stallAll('to-client')
    const cid = visitor.connection.sendMessage('Did you get this?')
    await agent.waitFor('msg', (msg) => msg.text === 'Did you get this?')
    expect(visitor.connection.pending()).toEqual([{ cid, text: 'Did you get this?' }])

    // Silence ends the stalled connection; the new one resends the outbox.
    await waitUntil('the outbox is empty', () => visitor.connection.pending().length === 0, 4 * HEARTBEAT_MS + 5000)
    await caughtUp(visitor, conv)
    expect((await stored(conv)).filter((event) => event.text === 'Did you get this?')).toHaveLength(1)
    expect(agent.events(conv).filter((msg) => msg.text === 'Did you get this?')).toHaveLength(1)
    expect(visitor.frames.filter((frame) => frame.t === 'ack' && frame.cid === cid)).toHaveLength(1)
    expect(seqAndText(visitor.events(conv))).toEqual(await stored(conv))
  })

  it('resumes from the last sequence number seen: what was missed arrives once, in order', async () => {
    const agent = await openAgent()
    proxy = await startTcpProxy(server.server.port)
    const visitor = openVisitor(proxy.url)
    const conv = (await say(visitor, 'Hi')).conv
    await agent.say('Hello! How can I help?', conv)
    await caughtUp(visitor, conv)
    const seenBefore = visitor.connection.last()[conv]!

    proxy.goDown()
    proxy.cutAll()
    await waitUntil('reconnecting', () => visitor.connection.state === 'reconnecting')
    for (let n = 1; n <= 5; n += 1) await agent.say(`While you were away ${n}`, conv)
    proxy.passThrough()
    await caughtUp(visitor, conv, 15_000)

    const missed = visitor.events(conv).filter((event) => event.seq > seenBefore)
    expect(texts(missed)).toEqual([1, 2, 3, 4, 5].map((n) => `While you were away ${n}`))
    expect(seqAndText(visitor.events(conv))).toEqual(await stored(conv))
  })

  it('resumes a reloaded page from the marks and token it saved: only later events are handed over', async () => {
    const agent = await openAgent()
    const first = openVisitor(server.url)
    const conv = (await say(first, 'Before the reload')).conv
    await agent.say('Answer one', conv)
    await caughtUp(first, conv)
    const saved = { token: first.token!, last: first.connection.last() }
    first.connection.close()

    await agent.say('Answer two, while the page reloads', conv)
    const reloaded = openVisitor(server.url, { token: saved.token, last: saved.last })
    await caughtUp(reloaded, conv)

    expect(reloaded.frames[0]).toMatchObject({ t: 'welcome', as: 'visitor' })
    expect(texts(reloaded.events(conv))).toEqual(['Answer two, while the page reloads'])
    expect(reloaded.events(conv)[0]!.seq).toBe(saved.last[conv]! + 1)
  })

  it.each(['websocket', 'polling'] as const)('reconnects by itself after the server says bye for a restart, and the conversation goes on (%s)', async (choice) => {
    const agent = await openAgent()
    const visitor = openVisitor(server.url, { transports: visitorTransports(choice) })
    const conv = (await say(visitor, 'Before the restart')).conv
    await agent.waitFor('msg', (msg) => msg.text === 'Before the restart')

    await server.restart()
    await waitUntil('a bye', () => visitor.frames.some((frame) => frame.t === 'bye'))
    await waitUntil('online again', () => visitor.states.filter((state) => state === 'online').length === 2, 10_000)
    expect(visitor.states).toEqual(['online', 'reconnecting', 'online'])

    const back = await openAgent({ [conv]: lastSeq(agent.events(conv)) })
    await say(visitor, 'After the restart')
    await back.waitFor('msg', (msg) => msg.text === 'After the restart')
    await back.say('Still here.', conv)
    await caughtUp(visitor, conv)

    expect(seqAndText(visitor.events(conv))).toEqual(await stored(conv))
    expect(texts(visitor.events(conv))).toEqual(expect.arrayContaining(['Before the restart', 'After the restart', 'Still here.']))
  })

  describe.each(['websocket', 'polling'] as const)('over %s only', (choice) => {
    it('notices a connection gone silent within two heartbeats and reconnects', async () => {
      const agent = await openAgent()
      proxy = await startTcpProxy(server.server.port)
      const visitor = openVisitor(proxy.url, { transports: visitorTransports(choice) })
      const conv = (await say(visitor, 'Hello')).conv

      // Nothing is forwarded any more, and nothing is closed: only silence tells.
      const stalledAt = Date.now()
      proxy.stallAll()
      await waitUntil('reconnecting', () => visitor.connection.state === 'reconnecting', 10_000)
      // The last frame came at most one heartbeat before the stall: a connection is given up for
      // silence only, never sooner. (How soon after is timing, not behaviour: not asserted here.)
      expect(Date.now() - stalledAt).toBeGreaterThanOrEqual(HEARTBEAT_MS)

      await waitUntil('online again', () => visitor.connection.state === 'online', 10_000)
      await agent.say('Can you still hear me?', conv)
      await waitUntil('the agent is heard', () => texts(visitor.events(conv)).includes('Can you still hear me?'))
      expect(seqAndText(visitor.events(conv))).toEqual(await stored(conv))
    })
  })

  describe('a reconnect attempt that hears nothing, held by a hung proxy', () => {
    /** Back online within silence (two heartbeats and a second) or fallbackAfterMs (4 s), and a backoff. */
    async function expectBackOnline(visitor: Visitor, agent: TestClient, conv: number) {
      await waitUntil(
        `online again (state ${visitor.connection.state}, ${proxy!.stats.swallowed} swallowed, ${proxy!.stats.accepted} accepted)`,
        () => visitor.connection.state === 'online',
        15_000,
      )
      await agent.say('There you are.', conv)
      await waitUntil('the agent is heard', () => texts(visitor.events(conv)).includes('There you are.'))
      expect(seqAndText(visitor.events(conv))).toEqual(await stored(conv))
    }

    it.each(['websocket', 'both'] as const)('is given up and made again: a WebSocket upgrade, over %s', { timeout: 25_000 }, async (choice) => {
      const agent = await openAgent()
      proxy = await startTcpProxy(server.server.port)
      const visitor = openVisitor(proxy.url, { transports: visitorTransports(choice) })
      const conv = (await say(visitor, 'Hello')).conv

      // The connection is cut, and the new WebSocket is accepted and then never answered.
      proxy.blackHole()
      proxy.cutAll()
      await waitUntil('an attempt is swallowed', () => proxy!.stats.swallowed > 0, 5000)
      // From now on new connections go through; the swallowed one stays swallowed.
      proxy.passThrough()
      await expectBackOnline(visitor, agent, conv)
    })

    it('is given up and made again: the request that opens a poll session, over polling', { timeout: 25_000 }, async () => {
      const agent = await openAgent()
      proxy = await startTcpProxy(server.server.port)
      const visitor = openVisitor(proxy.url, { transports: visitorTransports('polling') })
      const conv = (await say(visitor, 'Hello')).conv

      // The poll session is lost (its requests are refused until it gives up), and the request
      // that opens the next one is accepted and then never answered.
      proxy.goDown()
      proxy.cutAll()
      await waitUntil('reconnecting', () => visitor.connection.state === 'reconnecting', 10_000)
      proxy.blackHole()
      await waitUntil('an attempt is swallowed', () => proxy!.stats.swallowed > 0, 10_000)
      proxy.passThrough()
      await expectBackOnline(visitor, agent, conv)
    })
  })

  it('connects at once, without waiting out the backoff, when its tab comes back into view', { timeout: 20_000 }, async () => {
    const agent = await openAgent()
    const environment = new EventTarget()
    let visible = true
    proxy = await startTcpProxy(server.server.port)
    const visitor = openVisitor(proxy.url, { environment, isVisible: () => visible, transports: visitorTransports('websocket') })
    const conv = (await say(visitor, 'Hello')).conv

    // Refused attempts pile up while the tab is in the background: the backoff grows to seconds.
    visible = false
    proxy.goDown()
    proxy.cutAll()
    // Three refusals take at most 1 + 2 + 4 s; the next wait is drawn from [0, 8) s.
    await waitUntil('three refused attempts', () => proxy!.stats.resets >= 3, 12_000)
    proxy.passThrough()

    visible = true
    const shownAt = Date.now()
    environment.dispatchEvent(new Event('visibilitychange'))
    await waitUntil('online', () => visitor.connection.state === 'online', 5000)
    expect(Date.now() - shownAt).toBeLessThan(500)

    await agent.say('Welcome back.', conv)
    await waitUntil('the agent is heard', () => texts(visitor.events(conv)).includes('Welcome back.'))
  })

  it('goes offline on the environment\'s offline event without retrying, and reconnects on online', async () => {
    const agent = await openAgent()
    const environment = new EventTarget()
    let online = true
    const websocket = counted(visitorTransports('websocket').websocket!)
    const polling = counted(visitorTransports('polling').polling!)
    const visitor = openVisitor(server.url, {
      environment,
      isOnline: () => online,
      transports: { websocket: websocket.transport, polling: polling.transport },
    })
    const conv = (await say(visitor, 'Hello')).conv
    const linksBefore = websocket.links + polling.links

    online = false
    environment.dispatchEvent(new Event('offline'))
    expect(visitor.connection.state).toBe('offline')
    const cid = visitor.connection.sendMessage('Typed on the train')

    // Longer than silence detection and the first backoff steps: nothing is tried meanwhile.
    await delay(2 * HEARTBEAT_MS + 1500)
    expect(websocket.links + polling.links).toBe(linksBefore)
    expect(visitor.connection.state).toBe('offline')
    expect(visitor.connection.pending()).toEqual([{ cid, text: 'Typed on the train' }])
    expect(agent.events(conv).map((msg) => msg.text)).not.toContain('Typed on the train')

    online = true
    environment.dispatchEvent(new Event('online'))
    await waitUntil('online', () => visitor.connection.state === 'online')
    await waitUntil('the outbox is empty', () => visitor.connection.pending().length === 0)
    await agent.waitFor('msg', (msg) => msg.text === 'Typed on the train')
    await caughtUp(visitor, conv)

    expect(visitor.states).toEqual(['online', 'offline', 'reconnecting', 'online'])
    expect(websocket.links).toBe(2)
    expect(seqAndText(visitor.events(conv))).toEqual(await stored(conv))
  })
})

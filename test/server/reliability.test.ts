import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ChatEvent } from '../../protocol/index.js'
import { createAgent, createSite } from '../../server/admin/admin-actions.js'
import { loadConfig } from '../../server/config.js'
import { createLogger } from '../../server/ops/logger.js'
import { startParley } from '../../server/parley-server.js'
import { openStore } from '../../server/store/open-store.js'
import type { Agent, Site } from '../../server/store/types.js'
import { connectAgent, connectVisitor, openSocket, TestClient, TRANSPORT } from '../support/chat-client.js'
import { freshDatabase, type TestDatabase } from '../support/test-database.js'
import { HOST_ORIGIN, TEST_PASSWORD, startTestServer, type TestServer } from '../support/test-server.js'
import { freePort } from '../support/free-port.js'
import { cleanEnv } from '../support/parley-process.js'

let server: TestServer

/** Every test of the enclosing `describe` gets a fresh server started with these settings. */
function serveWith(settings: Record<string, string> = {}) {
  beforeEach(async () => {
    server = await startTestServer(settings)
  })
  afterEach(async () => {
    await server.stop()
  })
}

// --- Helpers -------------------------------------------------------------------------------------

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)

/** Highest sequence number a client has received for a conversation (0 when none). */
const lastSeen = (client: TestClient, conv: number) => Math.max(0, ...client.events(conv).map((m) => m.seq))

/** Stored messages and received `msg` frames, reduced to what both have, for comparing. */
const asReceived = (events: { seq: number; id: number; text: string }[]) => events.map(({ seq, id, text }) => ({ seq, id, text }))

/** Resolves once the client has received the event with this sequence number. */
const received = (client: TestClient, conv: number, seq: number, timeoutMs?: number) =>
  client.waitFor('msg', (m) => m.conv === conv && m.seq === seq, timeoutMs)

/** Sends messages a millisecond apart without waiting for acks, then waits for them all. */
async function stream(client: TestClient, conv: number | undefined, label: string, count: number) {
  const acks = []
  for (let n = 0; n < count; n += 1) {
    acks.push(client.say(`${label} ${n}`, conv, `${label}-${n}`))
    await delay(1)
  }
  return Promise.all(acks)
}

/**
 * An agent streams messages to a visitor who reconnects, four times, at a slightly different
 * point of the stream each time: on every new connection the visitor must get each event
 * after its `last` exactly once and in order, whether replayed or live.
 */
async function reconnectWhileMessagesArrive(target: TestServer, agentRecord: Agent) {
  const agent = await connectAgent(target, agentRecord)
  const visitor = await connectVisitor(target)
  const conv = (await visitor.client.say('Hello')).conv
  let seen = lastSeen(visitor.client, conv)
  let tab = visitor.client

  for (let round = 1; round <= 4; round += 1) {
    await tab.close()
    const sending = stream(agent.client, conv, `round ${round}`, 12)
    await delay(round)
    const back = await connectVisitor(target, { token: visitor.token, last: { [conv]: seen } })
    const acks = await sending
    await received(back.client, conv, acks.at(-1)!.seq)

    const stored = await target.server.store.messagesAfter(conv, seen, 1000)
    expect(back.client.events(conv).map((m) => m.seq)).toEqual(range(seen + 1, acks.at(-1)!.seq))
    expect(asReceived(back.client.events(conv))).toEqual(asReceived(stored))
    tab = back.client
    seen = acks.at(-1)!.seq
  }
}

interface SlowStoreServer {
  /** Enough of a TestServer for the helpers here and in chat-client.ts: server.store, url, wsUrl, site. */
  harness: TestServer
  addAgent(name: string): Promise<Agent>
  stop(): Promise<void>
}

/**
 * A real server on a store that answers each call a millisecond later, as a networked
 * database would. On SQLite every call completes before the next frame is even read, which
 * hides races between a replay and the live events that arrive while it is read.
 */
async function startServerWithSlowStore(): Promise<SlowStoreServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-slow-'))
  const database = freshDatabase(dir)
  const config = loadConfig({}, {
    port: '0', host: '127.0.0.1', 'database-url': database.url, 'log-level': 'silent',
    'agent-grace': '10000', 'rate-burst': '200', 'public-url': 'http://parley.test',
  })
  const direct = await openStore(config.databaseUrl)
  const store = new Proxy(direct, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key)
      if (typeof value !== 'function') return value
      return async function later(...args: unknown[]) {
        await delay(1)
        return (value as (...args: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  const parley = await startParley(config, { store, logger: createLogger('silent') })
  const site = await createSite(direct, { name: 'Shop', allowedOrigins: [HOST_ORIGIN] })
  const harness = { server: parley, url: parley.url, wsUrl: `${parley.url.replace(/^http/, 'ws')}/ws`, site }
  return {
    harness: harness as TestServer,
    addAgent: (name) => createAgent(direct, {
      name, email: `${name.toLowerCase()}@parley.test`, password: TEST_PASSWORD, siteIds: [site.id],
    }),
    async stop() {
      await parley.stop()
      await Promise.all([database.drop(), rm(dir, { recursive: true, force: true })])
    },
  }
}

// --- Reconnecting --------------------------------------------------------------------------------

describe('a client that reconnects with `last`', () => {
  // A long grace period: these tests are about replay, not about agents leaving.
  serveWith({ 'agent-grace': '10000', 'rate-burst': '200' })

  it('gets, as a visitor, exactly the events it missed, in order, after its welcome', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    const question = await visitor.client.say('Where is my order?')
    const conv = question.conv
    const hello = await agent.client.say('Let me look.', conv)
    await received(visitor.client, conv, hello.seq)
    const seen = lastSeen(visitor.client, conv)
    await visitor.client.close()

    await agent.client.say('It left the warehouse today.', conv)
    await agent.client.say('Anything else?', conv)
    agent.client.send({ t: 'close', conv, ref: 'close' })
    await agent.client.waitFor('ok', (ok) => ok.ref === 'close')
    const missed = await server.server.store.messagesAfter(conv, seen, 100)
    expect(missed.map((m) => m.systemEvent ?? m.text)).toEqual(['It left the warehouse today.', 'Anything else?', 'closed'])

    const back = await connectVisitor(server, { token: visitor.token, last: { [conv]: seen } })
    await received(back.client, conv, missed.at(-1)!.seq)
    expect(asReceived(back.client.events(conv))).toEqual(asReceived(missed))
    expect(back.client.frames[0]!.t).toBe('welcome')
    expect(back.welcome.conversations.find((c) => c.id === conv)).toMatchObject({ status: 'closed', lastSeq: missed.at(-1)!.seq })
  })

  it('gets, as an agent, exactly the events it missed, in order', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    const first = await visitor.client.say('Hello')
    const conv = first.conv
    await received(agent.client, conv, first.seq)
    const seen = lastSeen(agent.client, conv)
    await agent.client.close()

    await stream(visitor.client, undefined, 'while you were away', 5)
    const missed = await server.server.store.messagesAfter(conv, seen, 100)
    expect(missed).toHaveLength(5)

    const back = await connectAgent(server, agentRecord, { cookie: agent.cookie, last: { [conv]: seen } })
    await received(back.client, conv, missed.at(-1)!.seq)
    expect(asReceived(back.client.events(conv))).toEqual(asReceived(missed))
    expect(back.welcome.conversations.find((c) => c.id === conv)).toMatchObject({ status: 'assigned', assignee: { id: agentRecord.id } })
  })

  it('gets, as an agent, what happened in a conversation that was closed while it was away', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    const first = await visitor.client.say('Hello')
    const conv = first.conv
    await received(agent.client, conv, first.seq)
    const seen = lastSeen(agent.client, conv)
    await agent.client.close()

    await visitor.client.say('Never mind, found it.')
    const boss = await connectAgent(server, await server.addAgent({ name: 'Boss', role: 'admin' }))
    boss.client.send({ t: 'close', conv, ref: 'close' })
    await boss.client.waitFor('ok', (ok) => ok.ref === 'close')
    const missed = await server.server.store.messagesAfter(conv, seen, 100)
    expect(missed.map((m) => m.systemEvent ?? m.text)).toEqual(['Never mind, found it.', 'closed'])

    const back = await connectAgent(server, agentRecord, { cookie: agent.cookie, last: { [conv]: seen } })
    // The welcome lists open conversations only; the closed one is known from `last`.
    expect(back.welcome.conversations.find((c) => c.id === conv)).toBeUndefined()
    await received(back.client, conv, missed.at(-1)!.seq)
    expect(asReceived(back.client.events(conv))).toEqual(asReceived(missed))
  })

  // On PostgreSQL a message may be committed before the replay reads it and published after the
  // replay is over: the session must not send it a second time.
  it('gets every event once and in order while messages keep arriving during the reconnect', async () => {
    await reconnectWhileMessagesArrive(server, await server.addAgent({ name: 'Ada' }))
  })

  // docs/protocol.md: "every event with a higher seq, in order (up to 1000 per conversation;
  // older ones through history)": what is left out must be older than what is replayed.
  it('replays the newest 1000 events to a client further behind, leaving only older ones to history', async () => {
    const visitor = await connectVisitor(server)
    const first = await visitor.client.say('message 1')
    const conv = first.conv
    await visitor.client.close()
    for (let n = 2; n <= 1010; n += 1) {
      await server.server.store.appendVisitorMessage({
        siteId: server.site.id, visitorId: visitor.welcome.me.id, clientId: `bulk-${n}`, text: `message ${n}`,
        reopenWindowMs: 60_000, now: Date.now(),
      })
    }

    const back = await connectVisitor(server, { token: visitor.token, last: { [conv]: first.seq } })
    expect(back.welcome.conversations.find((c) => c.id === conv)?.lastSeq).toBe(1010)
    // Waits for the last event itself: a ping is answered at once, so on a store that waits
    // for I/O (PostgreSQL) its pong can overtake a replay still being read.
    await received(back.client, conv, 1010, 10_000)
    expect(back.client.events(conv).map((m) => m.seq)).toEqual(range(11, 1010))
  })
})

describe('a client that reconnects with `last` to a server whose store answers later', () => {
  let slow: SlowStoreServer
  beforeEach(async () => {
    slow = await startServerWithSlowStore()
  })
  afterEach(async () => {
    await slow.stop()
  })

  it('gets every event once and in order while messages keep arriving during the reconnect', async () => {
    await reconnectWhileMessagesArrive(slow.harness, await slow.addAgent('Ada'))
  })
})

// --- Resending -----------------------------------------------------------------------------------

describe('a message resent with the same client id', () => {
  serveWith()

  it('is acknowledged again with the same seq and id, and stored once', async () => {
    const visitor = await connectVisitor(server)
    const frame = { t: 'send', cid: 'cid-once', text: 'Only once, please' }
    visitor.client.send(frame)
    visitor.client.send(frame)
    await visitor.client.waitFor('ack', () => visitor.client.ofType('ack').length === 2)
    const [first, second] = visitor.client.ofType('ack')
    expect(second).toEqual(first)

    const stored = await server.server.store.messagesAfter(first!.conv, 0, 100)
    expect(stored.filter((m) => m.clientId === 'cid-once')).toEqual([
      expect.objectContaining({ id: first!.id, seq: first!.seq, text: 'Only once, please' }),
    ])
    expect((await server.server.store.getConversation(first!.conv))!.lastSeq).toBe(first!.seq)
  })

  it('is acknowledged with the original seq and id on another connection of the same visitor, and stored once', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    const original = await visitor.client.say('Sent from a tab that then crashed', undefined, 'cid-retry')
    const lastSeqBefore = (await server.server.store.getConversation(original.conv))!.lastSeq

    const otherTab = await connectVisitor(server, { token: visitor.token })
    const again = await otherTab.client.say('Sent from a tab that then crashed', undefined, 'cid-retry')
    expect(again).toEqual(original)

    const stored = await server.server.store.messagesAfter(original.conv, 0, 100)
    expect(stored.filter((m) => m.clientId === 'cid-retry')).toHaveLength(1)
    expect((await server.server.store.getConversation(original.conv))!.lastSeq).toBe(lastSeqBefore)
    // The resend is published again (its first publication may have died with a node), but
    // nobody is told twice: the agent's connection had it and drops the repeat.
    await otherTab.client.say('and a fresh one')
    await agent.client.waitFor('msg', (m) => m.text === 'and a fresh one')
    expect(agent.client.events(original.conv).filter((m) => m.cid === 'cid-retry')).toHaveLength(1)
    expect(otherTab.client.events(original.conv).filter((m) => m.cid === 'cid-retry').length).toBeLessThanOrEqual(1)
  })

  it('from an agent is acknowledged again with the same seq and id, and stored once', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    const conv = (await visitor.client.say('Hi')).conv

    const original = await agent.client.say('Hello from Ada', conv, 'agent-cid')
    const laptop = await connectAgent(server, agentRecord, { cookie: agent.cookie })
    const again = await laptop.client.say('Hello from Ada', conv, 'agent-cid')
    expect(again).toEqual(original)
    const stored = await server.server.store.messagesAfter(conv, 0, 100)
    expect(stored.filter((m) => m.clientId === 'agent-cid')).toHaveLength(1)
  })

  it('from a visitor after the conversation was closed is acknowledged again and does not reopen it', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    const original = await visitor.client.say('Thanks, bye', undefined, 'last-words')
    agent.client.send({ t: 'close', conv: original.conv, ref: 'close' })
    await agent.client.waitFor('ok', (ok) => ok.ref === 'close')
    const closed = await server.server.store.getConversation(original.conv)

    const again = await visitor.client.say('Thanks, bye', undefined, 'last-words')
    expect(again).toEqual(original)
    expect(await server.server.store.getConversation(original.conv)).toEqual(closed)
  })

  // docs/protocol.md: "Resending a message with a cid already stored (after a lost ack, a
  // reconnect or a reload) is acknowledged again with the original seq and id".
  it('from an agent after the conversation was closed is acknowledged again, not refused', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    const conv = (await visitor.client.say('Hi')).conv
    // The agent says goodbye and closes; say the ack was lost and the console reloads.
    const original = await agent.client.say('Glad I could help, goodbye!', conv, 'goodbye')
    agent.client.send({ t: 'close', conv, ref: 'close' })
    await agent.client.waitFor('ok', (ok) => ok.ref === 'close')
    await agent.client.close()

    const reloaded = await connectAgent(server, agentRecord, { cookie: agent.cookie })
    reloaded.client.send({ t: 'send', cid: 'goodbye', conv, text: 'Glad I could help, goodbye!' })
    // Waits for the ack itself: a ping is answered at once, so on a store that waits for I/O
    // (PostgreSQL) its pong overtakes a frame still being handled.
    await reloaded.client.waitFor('ack', (ack) => ack.cid === 'goodbye', 10_000)
    expect(reloaded.client.ofType('error')).toEqual([])
    expect(reloaded.client.ofType('ack')).toEqual([original])
  })
})

// --- Restarting ----------------------------------------------------------------------------------

describe('a server restart in the middle of a chat', () => {
  serveWith()

  it('loses no acknowledged message, and the visitor comes back to its conversation and what it missed', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    const acks = [await visitor.client.say('My parcel is late')]
    const conv = acks[0]!.conv
    acks.push(await agent.client.say('Sorry! Let me check.', conv))
    acks.push(await visitor.client.say('Order 1234'))
    await received(visitor.client, conv, acks.at(-1)!.seq)
    const seen = lastSeen(visitor.client, conv)

    await server.restart()
    await Promise.all([visitor.client.closed, agent.client.closed])
    // Over long polling a `bye` reaches only a client whose GET is waiting when the server
    // stops; one between two GETs finds the server gone (see polling.test.ts, "a server that stops").
    if (TRANSPORT === 'websocket') expect(visitor.client.ofType('bye')).toHaveLength(1)

    // Everything acknowledged before the restart is in the store after it, as acknowledged.
    const afterRestart = await server.server.store.messagesAfter(conv, 0, 100)
    for (const ack of acks) {
      expect(afterRestart.filter((m) => m.clientId === ack.cid)).toEqual([expect.objectContaining({ id: ack.id, seq: ack.seq })])
    }

    // The agent comes back first and answers while the visitor is still away.
    const agentBack = await connectAgent(server, agentRecord, { cookie: agent.cookie, last: { [conv]: lastSeen(agent.client, conv) } })
    await agentBack.client.say('Found it: it ships tomorrow.', conv)

    const back = await connectVisitor(server, { token: visitor.token, last: { [conv]: seen } })
    expect(back.welcome.me.id).toBe(visitor.welcome.me.id)
    expect(back.welcome.conversations.map((c) => c.id)).toContain(conv)
    const missed = await server.server.store.messagesAfter(conv, seen, 100)
    expect(missed.map((m) => m.text)).toContain('Found it: it ships tomorrow.')
    await received(back.client, conv, missed.at(-1)!.seq)
    expect(asReceived(back.client.events(conv))).toEqual(asReceived(missed))

    const more = await back.client.say('Thanks!')
    expect(more.conv).toBe(conv)
  })

  it('sends the chats of an agent who does not come back after it through the queue, once the grace period is over', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    const conv = (await visitor.client.say('Hello')).conv

    await server.restart()
    await agent.client.closed
    const back = await connectVisitor(server, { token: visitor.token, last: { [conv]: lastSeen(visitor.client, conv) } })
    const left = await back.client.waitFor('msg', (m) => m.conv === conv && m.sys === 'left')
    expect(left.author).toEqual({ role: 'system' })
    expect(await server.server.store.getConversation(conv)).toMatchObject({ status: 'queued' })
    expect(await server.server.store.getAgent(agentRecord.id)).toMatchObject({ status: 'offline' })
  })

  it('lets an agent who reconnects right after it keep their chats', async () => {
    const agentRecord = await server.addAgent({ name: 'Ada' })
    const agent = await connectAgent(server, agentRecord)
    const visitor = await connectVisitor(server)
    const conv = (await visitor.client.say('Hello')).conv

    await server.restart()
    await agent.client.closed
    await connectAgent(server, agentRecord, { cookie: agent.cookie })

    await delay(600) // twice the grace period
    const events = await server.server.store.messagesAfter(conv, 0, 100)
    expect(events.map((m) => m.systemEvent ?? m.text)).toEqual(['Hello', 'joined'])
    expect(await server.server.store.getConversation(conv)).toMatchObject({ status: 'assigned', assigneeId: agentRecord.id })
  })
})

// --- A real process, killed --------------------------------------------------------------------

const root = fileURLToPath(new URL('../..', import.meta.url))
const run = promisify(execFile)

/** Runs `parley <args>` the way an operator would, and parses its --json output. */
async function parley<T>(args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args, '--json'], { cwd: root, env: cleanEnv(), timeout: 20_000 })
  return JSON.parse(stdout) as T
}


interface ParleyProcess {
  child: ChildProcess
  logs: string[]
  exited: Promise<NodeJS.Signals | number | null>
}

/** Starts `parley serve` and resolves once it logs that it is listening. */
function serveProcess(flags: string[]): Promise<ParleyProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'serve', ...flags], { cwd: root, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  const logs: string[] = []
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)))
  child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`parley did not start within 15 s:\n${logs.join('\n')}`)), 15_000)
    void exited.then((how) => reject(new Error(`parley exited (${how}) before listening:\n${logs.join('\n')}`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line)
      try {
        if ((JSON.parse(line) as { msg?: string }).msg === 'parley is listening') {
          clearTimeout(timer)
          resolve({ child, logs, exited })
        }
      } catch {
        // The readable banner is not JSON.
      }
    })
  })
}

// WebSocket only: it reaches into the socket (pause, terminate) to fake a failed link, and
// spawning two server processes twice would only repeat what the in-process restart covers.
describe.skipIf(TRANSPORT !== 'websocket')('a real server process killed in the middle of a burst', () => {
  let dir: string
  let database: TestDatabase
  const started: ChildProcess[] = []
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'parley-kill-'))
    database = freshDatabase(dir)
  })
  afterEach(async () => {
    for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await Promise.all([database.drop(), rm(dir, { recursive: true, force: true })])
  })

  it('keeps every acknowledged message once and in order, and takes the resent rest exactly once', { timeout: 90_000 }, async () => {
    const databaseFlag = ['--database-url', database.url]
    const { site } = await parley<{ site: Site }>(['create-site', '--name', 'Shop', '--origins', HOST_ORIGIN, ...databaseFlag])
    await parley<unknown>(['create-agent', '--name', 'Ada', '--email', 'ada@shop.test', '--password', TEST_PASSWORD, '--sites', site.key, ...databaseFlag])

    const port = await freePort()
    const flags = [
      '--port', String(port), '--host', '127.0.0.1', ...databaseFlag, '--log-level', 'info',
      '--public-url', 'http://parley.test', '--rate-burst', '500', '--rate-per-second', '500',
    ]
    const wsUrl = `ws://127.0.0.1:${port}/ws`
    const connect = async (hello: Record<string, unknown>) => {
      const client = new TestClient(await openSocket(`${wsUrl}?site=${site.key}`, { Origin: HOST_ORIGIN }))
      client.socket.on('error', () => {}) // a killed server resets the connection
      client.send({ t: 'hello', as: 'visitor', ...hello })
      return { client, welcome: await client.waitFor('welcome') }
    }

    const first = await serveProcess(flags)
    started.push(first.child)
    const visitor = await connect({})
    const token = visitor.welcome.token!
    const burst = range(0, 49).map((n) => ({ cid: `burst-${n}`, text: `burst message ${n}` }))

    // The burst goes out 2 ms apart. Once 15 messages are acknowledged the visitor stops
    // reading, as if the link back from the server had failed: acks after that never reach
    // it. It keeps sending, the server keeps storing and 40 ms later, mid-burst, is killed.
    let readBeforeFailure = 0
    const killed = visitor.client.waitFor('ack', () => visitor.client.ofType('ack').length >= 15, 10_000).then(async () => {
      readBeforeFailure = visitor.client.frames.length
      visitor.client.socket.pause()
      await delay(40)
      first.child.kill('SIGKILL')
    })
    for (const message of burst) {
      visitor.client.send({ t: 'send', ...message })
      await delay(2)
    }
    await killed
    expect(await first.exited).toBe('SIGKILL')
    visitor.client.socket.terminate()
    const read = visitor.client.frames.slice(0, readBeforeFailure)
    const acked = new Map(read.filter((f) => f.t === 'ack').map((ack) => [ack.cid, ack]))
    expect(acked.size).toBeGreaterThanOrEqual(15)
    expect(acked.size).toBeLessThan(burst.length)
    const conv = [...acked.values()][0]!.conv
    const seen = Math.max(...read.map((f) => (f.t === 'msg' ? f.seq : 0)))

    const second = await serveProcess(flags)
    started.push(second.child)
    const back = await connect({ token, last: { [conv]: seen } })
    expect(back.welcome.conversations.map((c) => c.id)).toEqual([conv])
    // Some messages were stored but never acknowledged: they come back in the replay.
    const storedUpTo = back.welcome.conversations[0]!.lastSeq
    expect(storedUpTo).toBeGreaterThan(seen)
    await received(back.client, conv, storedUpTo)
    expect(back.client.events(conv).map((m) => m.cid)).toEqual(burst.slice(seen, storedUpTo).map((m) => m.cid))

    const unacknowledged = burst.filter((message) => !acked.has(message.cid))
    for (const message of unacknowledged) back.client.send({ t: 'send', ...message })
    const resent = await Promise.all(unacknowledged.map((message) => back.client.waitFor('ack', (ack) => ack.cid === message.cid, 10_000)))
    expect(back.client.ofType('error')).toEqual([])

    // Nothing was replayed twice or skipped, on the new connection.
    const finalSeq = Math.max(...resent.map((ack) => ack.seq), seen)
    await received(back.client, conv, finalSeq)
    expect(back.client.events(conv).map((m) => m.seq)).toEqual(range(seen + 1, finalSeq))

    // An agent signing in to the restarted server finds the whole burst once, in order.
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ada@shop.test', password: TEST_PASSWORD }),
    })
    expect(login.status).toBe(200)
    const agent = new TestClient(await openSocket(wsUrl, { Cookie: login.headers.get('set-cookie')!.split(';')[0]! }))
    agent.send({ t: 'hello', as: 'agent' })
    await agent.waitFor('welcome')
    agent.send({ t: 'history', conv, limit: 100, ref: 'all' })
    const history = await agent.waitFor('history', (h) => h.ref === 'all')
    const visitorMessages = history.events.filter((e: ChatEvent) => e.author.role === 'visitor')
    expect(visitorMessages.map((e) => e.cid)).toEqual(burst.map((m) => m.cid))
    agent.close()
    back.client.close()

    second.child.kill('SIGTERM')
    await second.exited

    // And the database itself says the same: each message once, in the order sent, as acknowledged.
    const store = await openStore(database.url)
    try {
      const stored = (await store.messagesAfter(conv, 0, 1000)).filter((m) => m.authorRole === 'visitor')
      expect(stored.map((m) => m.text)).toEqual(burst.map((m) => m.text))
      expect(stored.map((m) => m.seq)).toEqual([...stored.map((m) => m.seq)].sort((a, b) => a - b))
      for (const message of stored) {
        const ack = acked.get(message.clientId!) ?? resent.find((r) => r.cid === message.clientId)
        expect(ack, `an ack for ${message.clientId}`).toMatchObject({ seq: message.seq, id: message.id, conv })
      }
    } finally {
      await store.close()
    }
  })
})



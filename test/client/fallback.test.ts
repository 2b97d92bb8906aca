/**
 * The connection library on networks that fight it. A visitor and an agent, both made with
 * `createConnection`, chat through one TCP proxy in front of a real server: first a proxy
 * that refuses WebSocket upgrades and then stops refusing, then a proxy that delays, stalls
 * and cuts at random. Whatever happens on the way, both transcripts must end equal to the
 * store's, and every message written must be stored exactly once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createConnection,
  type Connection,
  type ConnectionOptions,
} from '../../client/index.js'
import type { ChatEvent, ServerFrame } from '../../protocol/index.js'
import type { Message } from '../../server/store/types.js'
import { signIn } from '../support/chat-client.js'
import { seededRandom, startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'
import { HOST_ORIGIN, startTestServer, type TestServer } from '../support/test-server.js'
import { delay, transportsWith, waitUntil, type TransportChoice } from '../support/node-transports.js'

const SETTINGS = {
  'heartbeat-interval': '1000',
  'poll-wait': '1000',
  'rate-burst': '1000',
  'rate-per-second': '1000',
}

let server: TestServer
let proxy: TcpProxy
let cookie: string
const parties: Party[] = []

beforeEach(async () => {
  server = await startTestServer(SETTINGS)
  const agent = await server.addAgent({ name: 'Ada' })
  cookie = await signIn(server, agent.email)
  proxy = await startTcpProxy(server.server.port)
})

afterEach(async () => {
  for (const party of parties.splice(0)) party.connection.close()
  await proxy.close()
  await server.stop()
})

// --- Helpers -------------------------------------------------------------------------------------


interface Party {
  role: 'visitor' | 'agent'
  connection: Connection
  /** Every frame handed to `onFrame`, in order. */
  frames: ServerFrame[]
  /** Every message given to `sendMessage`, in order. */
  sent: { cid: string; text: string }[]
  events(conv: number): ChatEvent[]
  say(text: string, conv?: number): string
}

/** A visitor (site key, Origin of the shop) or an agent (session cookie), through the proxy. */
function openParty(role: Party['role'], choice: TransportChoice, timing: Pick<ConnectionOptions, 'upgradeEveryMs' | 'fallbackAfterMs'> = {}): Party {
  const frames: ServerFrame[] = []
  const sent: Party['sent'] = []
  let token: string | undefined
  const connection = createConnection({
    url: proxy.url,
    ...(role === 'visitor'
      ? {
          query: `site=${server.site.key}`,
          hello: () => ({ as: 'visitor' as const, ...(token ? { token } : {}) }),
          transports: transportsWith({ Origin: HOST_ORIGIN }, choice),
        }
      : {
          hello: () => ({ as: 'agent' as const }),
          transports: transportsWith({ Cookie: cookie }, choice),
        }),
    onFrame(frame) {
      frames.push(frame)
      if (frame.t === 'welcome' && frame.token) token = frame.token
    },
    ...timing,
  })
  const party: Party = {
    role,
    connection,
    frames,
    sent,
    events: (conv) => frames.filter((frame): frame is ChatEvent => frame.t === 'msg' && frame.conv === conv),
    say(text, conv) {
      const cid = connection.sendMessage(text, conv)
      sent.push({ cid, text })
      return cid
    },
  }
  parties.push(party)
  return party
}

const seqAndText = (events: (ChatEvent | Message)[]) => events.map(({ seq, text }) => ({ seq, text }))
const lastSeq = (events: ChatEvent[]) => events.at(-1)?.seq ?? 0
const storedEvents = (conv: number) => server.server.store.messagesAfter(conv, 0, 10_000)

/** Waits for the first message of a new conversation to reach the agent; returns its id. */
async function startConversation(visitor: Party, agent: Party) {
  // Online first, so that the conversation is routed to them and they see it from its first event.
  await waitUntil(() => 'the agent is online', () => agent.connection.state === 'online', 10_000)
  const cid = visitor.say('Hello, anyone there?')
  let conv: number | undefined
  await waitUntil(() => 'the first message is acknowledged and reaches the agent', () => {
    conv ??= visitor.frames.find((frame): frame is Extract<ServerFrame, { t: 'ack' }> => frame.t === 'ack' && frame.cid === cid)?.conv
    return conv !== undefined && agent.events(conv).some((event) => event.text === 'Hello, anyone there?')
  }, 10_000)
  return conv!
}

/** Both outboxes empty and both transcripts as long as the store's. */
async function settled(conv: number, timeoutMs: number) {
  let stored = 0
  await waitUntil(
    () =>
      `both sides settle: ${stored} stored; ` +
      parties.map((p) => `${p.role} ${p.connection.state} on ${p.connection.transport}, ${p.connection.pending().length} pending, seq ${lastSeq(p.events(conv))}`).join('; '),
    async () => {
      stored = (await storedEvents(conv)).length
      return parties.every((party) => party.connection.pending().length === 0 && lastSeq(party.events(conv)) === stored)
    },
    timeoutMs,
  )
}

/** Nothing lost, nothing doubled, on either side, compared with the store. */
async function expectTranscriptsEqualTheStore(conv: number) {
  const stored = await storedEvents(conv)
  for (const party of parties) {
    // Each event once, in sequence order: the library dropped every repeat before onFrame.
    expect(seqAndText(party.events(conv)), `${party.role}'s transcript`).toEqual(seqAndText(stored))
    // Each message acknowledged once to the application.
    const acked = party.frames.flatMap((frame) => (frame.t === 'ack' ? [frame.cid] : []))
    expect(acked.sort(), `${party.role}'s acknowledgements`).toEqual(party.sent.map((item) => item.cid).sort())
    // Every message written stored exactly once, in the order it was written.
    const own = stored.filter((message) => message.authorRole === party.role).map((message) => message.text)
    expect(own, `${party.role}'s stored messages`).toEqual(party.sent.map((item) => item.text))
  }
}

// --- Tests ---------------------------------------------------------------------------------------

describe('behind a proxy that refuses WebSocket upgrades', () => {
  it('falls back to long polling, chats both ways, and moves to WebSocket mid-conversation when upgrades pass', { timeout: 30_000 }, async () => {
    proxy.refuseWebSockets()
    const agent = openParty('agent', 'both', { upgradeEveryMs: 500 })
    const visitor = openParty('visitor', 'both', { upgradeEveryMs: 500 })
    await waitUntil(() => 'both online', () => parties.every((party) => party.connection.state === 'online'), 10_000)
    expect(visitor.connection.transport).toBe('polling')
    expect(agent.connection.transport).toBe('polling')
    expect(proxy.stats.refusedUpgrades).toBeGreaterThanOrEqual(2)

    const conv = await startConversation(visitor, agent)
    agent.say('Hi! Ada here, over long polling.', conv)
    await waitUntil(() => 'the answer reaches the visitor', () => visitor.events(conv).some((event) => event.text === 'Hi! Ada here, over long polling.'), 10_000)

    // Both keep writing while the proxy starts letting upgrades through.
    let round = 0
    const sendRound = () => {
      round += 1
      visitor.say(`visitor ${round}`)
      agent.say(`agent ${round}`, conv)
    }
    for (let n = 0; n < 10; n += 1, await delay(30)) sendRound()
    proxy.passThrough()
    await waitUntil(
      () => `both move to WebSocket (visitor on ${visitor.connection.transport}, agent on ${agent.connection.transport})`,
      () => {
        sendRound()
        return parties.every((party) => party.connection.transport === 'websocket')
      },
      10_000,
    )
    for (let n = 0; n < 10; n += 1, await delay(30)) sendRound()

    await settled(conv, 15_000)
    await expectTranscriptsEqualTheStore(conv)
    // And they stay there: no fallback after the move.
    for (const party of parties) expect(party.connection.transport).toBe('websocket')
  })
})

describe('behind a proxy that holds WebSocket upgrades without answering', () => {
  it('gives the upgrade up after fallbackAfterMs and chats over long polling', { timeout: 20_000 }, async () => {
    proxy.holdWebSockets()
    const startedAt = Date.now()
    const agent = openParty('agent', 'polling')
    const visitor = openParty('visitor', 'both', { fallbackAfterMs: 1500, upgradeEveryMs: 500 })

    await waitUntil(() => 'online', () => visitor.connection.state === 'online', 10_000)
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1500)
    expect(visitor.connection.transport).toBe('polling')
    const conv = await startConversation(visitor, agent)

    // Probes keep being held, and given up, without disturbing the polling connection.
    await delay(2500)
    expect(proxy.stats.swallowed).toBeGreaterThanOrEqual(3)
    expect(visitor.connection.state).toBe('online')
    expect(visitor.connection.transport).toBe('polling')
    expect(visitor.frames.filter((frame) => frame.t === 'welcome')).toHaveLength(1)
    await settled(conv, 5000)
    await expectTranscriptsEqualTheStore(conv)
  })
})

/** Fixed, so a failure can be run again; PARLEY_CHAOS_SEED=N tries other draws. */
const CHAOS_SEED = Number(process.env.PARLEY_CHAOS_SEED ?? 0x5eed_0000)

describe.each([
  { path: 'websocket', seed: CHAOS_SEED + 1, refuseUpgrades: 0 },
  { path: 'polling', seed: CHAOS_SEED + 2, refuseUpgrades: 0 },
  // Both transports, and half the upgrades refused: falls back to polling and moves back, at random.
  { path: 'both', seed: CHAOS_SEED + 3, refuseUpgrades: 0.5 },
] as const)('through a proxy that delays, stalls and cuts at random ($path)', ({ path, seed, refuseUpgrades }) => {
  const BURST = 40

  it('ends with both transcripts equal to the store and every message stored once', { timeout: 30_000 }, async () => {
    const agent = openParty('agent', path, { upgradeEveryMs: 1000 })
    const visitor = openParty('visitor', path, { upgradeEveryMs: 1000 })
    const conv = await startConversation(visitor, agent)

    // Stalls up to 3.5 s: the shorter ones only delay, the longer ones outlast silence detection
    // (two heartbeats and a second: 3 s here).
    proxy.chaos({ seed, maxDelayMs: 40, incidentGapMs: [100, 500], cutShare: 0.5, maxStallMs: 3500, refuseUpgrades })
    const random = seededRandom(seed)
    const burst = async (party: Party) => {
      for (let n = 1; n <= BURST; n += 1) {
        party.say(`${party.role} ${n}`, party.role === 'agent' ? conv : undefined)
        await delay(40 + random() * 160)
      }
    }
    await Promise.all([burst(visitor), burst(agent)])
    await delay(1000)
    // Calm: held bytes go on, nothing is cut any more, the clients catch up.
    proxy.passThrough()

    try {
      await settled(conv, 18_000)
      await expectTranscriptsEqualTheStore(conv)
    } catch (error) {
      throw new Error(`chaos seed ${seed} (${path}), proxy ${JSON.stringify(proxy.stats)}: ${(error as Error).message}`, { cause: error })
    }
    // The chaos did happen: connections were cut and stalled while the bursts were sent.
    expect(proxy.stats.cuts).toBeGreaterThan(0)
    expect(proxy.stats.stalls).toBeGreaterThan(0)
  })
})

/**
 * A Parley process killed outright (SIGKILL: no goodbye, no cleanup) in the middle of a burst
 * between 50 visitors and 5 agents, all on the client connection library, then started again
 * on the same port and database. The clients reconnect on their own; in the end nothing
 * acknowledged is lost, nothing is stored or shown twice, and what was waiting for an
 * acknowledgement when the process died, stored or not, is resent and stored once.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../server/store/open-store.js'
import { openCrowd, type Crowd } from '../support/chat-crowd.js'
import { signIn } from '../support/chat-client.js'
import { freePort } from '../support/free-port.js'
import { delay, waitUntil } from '../support/node-transports.js'
import { startParleyProcess, type ParleyProcess } from '../support/parley-process.js'
import { prepareDatabase, type PreparedDatabase } from '../support/prepared-database.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'

const VISITORS = 50
const AGENTS = 5
const MESSAGES_PER_VISITOR = 8
/** The pauses between a visitor's messages are drawn from it; PARLEY_FAULT_SEED=N tries other draws. */
const SEED = Number(process.env.PARLEY_FAULT_SEED ?? 0x6b11_0000)

let database: PreparedDatabase | undefined
let proxy: TcpProxy | undefined
let crowd: Crowd | undefined
const processes: ParleyProcess[] = []

afterEach(async () => {
  crowd?.close()
  crowd = undefined
  await proxy?.close()
  proxy = undefined
  await Promise.all(processes.splice(0).map((node) => node.kill()))
  await database?.remove()
  database = undefined
})

/** `parley serve` on this port and database, with rate limits out of the way of the burst. */
async function serve(port: number, databaseUrl: string) {
  const node = await startParleyProcess({
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    PUBLIC_URL: 'http://parley.test',
    PARLEY_RATE_BURST: '10000',
    PARLEY_RATE_PER_SECOND: '10000',
    // Agents keep their chats across the restart: this test is about messages, not routing.
    PARLEY_AGENT_GRACE: '60s',
    PARLEY_HEARTBEAT_INTERVAL: '1000',
  })
  processes.push(node)
  return node
}

/** Client ids of the messages a database holds in these conversations. */
async function storedClientIds(databaseUrl: string, conversations: number[]): Promise<Set<string>> {
  const store = await openStore(databaseUrl)
  try {
    const messages = await Promise.all(conversations.map((conv) => store.messagesAfter(conv, 0, 100_000)))
    return new Set(messages.flat().flatMap((message) => (message.clientId === undefined ? [] : [message.clientId])))
  } finally {
    await store.close()
  }
}

describe('a server process killed with SIGKILL in the middle of a burst', () => {
  it('keeps every acknowledged message once; clients reconnect, resend what was unacknowledged, and see every event once, in order', { timeout: 60_000 }, async () => {
    database = await prepareDatabase({ agents: AGENTS, capacity: 10 })
    const port = await freePort()
    const first = await serve(port, database.url)
    // Passes everything through, except for a moment before the kill (below).
    proxy = await startTcpProxy(port)
    const agentCookies = await Promise.all(database.agents.map((agent) => signIn(first, agent.email)))
    crowd = openCrowd({
      url: proxy.url, siteKey: database.site.key, agentCookies, visitors: VISITORS, messagesPerVisitor: MESSAGES_PER_VISITOR,
      seed: SEED, transports: 'websocket',
    })
    await crowd.gather()

    // Killed a third of the way through the burst: the visitors go on writing while it is down.
    const bursting = crowd.burst()
    await waitUntil(() => `a third of the burst is written: ${JSON.stringify(crowd!.progress())}`, () => {
      const { written, expected } = crowd!.progress()
      return written >= expected / 3
    })
    // What the server sends in its last 100 ms is still on the network when it dies, and dies
    // with its connections: messages stored then are never acknowledged.
    proxy.stallAll('to-client')
    await delay(100)
    await first.kill()
    proxy.cutAll()
    const atKill = crowd.progress()
    // Read with no server running: what is waiting now and not in the store was never stored.
    const storedAtKill = await storedClientIds(database.url, crowd.conversations())
    const unacknowledged = crowd.pending()
    const storedUnacknowledged = [...unacknowledged.keys()].filter((cid) => storedAtKill.has(cid)).length
    let settling = 'settled'
    const context = () => `seed ${SEED}; at the kill ${JSON.stringify(atKill)}, ${unacknowledged.size} unacknowledged of which ${storedUnacknowledged} stored; ${settling}`

    // Again on the same port and database, while the visitors go on writing.
    await serve(port, database.url)
    await bursting
    await crowd.settled(30_000).catch((error: Error) => (settling = error.message))
    const reconnects = crowd.reconnects()
    crowd.close()
    await processes.at(-1)!.stop()

    const store = await openStore(database.url)
    try {
      expect(await crowd.problems(store), context()).toEqual([])
    } finally {
      await store.close()
    }
    expect(settling, context()).toBe('settled')
    // The kill did land mid-burst, with messages both stored and not yet stored waiting for
    // their acknowledgement; and every client came back by itself.
    expect(storedUnacknowledged, context()).toBeGreaterThan(0)
    expect(unacknowledged.size - storedUnacknowledged, context()).toBeGreaterThan(0)
    expect(Math.min(...reconnects), context()).toBeGreaterThanOrEqual(1)
  })
})

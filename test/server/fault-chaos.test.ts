/**
 * 50 visitors and 5 agents, all on the client connection library, chat through a proxy that
 * delays, stalls and cuts their connections at random (seeded) during a burst. Whatever
 * happens on the way, in the end nothing acknowledged is lost, nothing is stored or shown
 * twice, and every application was handed every event once, in order.
 *
 * The server's store answers each call a millisecond late, as a database across a network
 * does: connections are then cut while requests wait on it, not only between requests.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/config.js'
import { createLogger } from '../../server/ops/logger.js'
import { startParley, type ParleyServer } from '../../server/parley-server.js'
import { openStore } from '../../server/store/open-store.js'
import { openCrowd, type Crowd } from '../support/chat-crowd.js'
import { signIn } from '../support/chat-client.js'
import { delay } from '../support/node-transports.js'
import { prepareDatabase, type PreparedDatabase } from '../support/prepared-database.js'
import { answeringLater } from '../support/store-answering-later.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'

const VISITORS = 50
const AGENTS = 5
const MESSAGES_PER_VISITOR = 10
/** Fixed, so a failure can be run again; PARLEY_CHAOS_SEED=N tries other draws. */
const SEED = Number(process.env.PARLEY_CHAOS_SEED ?? 0xc4a0_5000)

let database: PreparedDatabase
let server: ParleyServer
let proxy: TcpProxy
let crowd: Crowd | undefined

beforeEach(async () => {
  database = await prepareDatabase({ agents: AGENTS, capacity: 10 })
  const config = loadConfig({}, {
    port: '0',
    host: '127.0.0.1',
    'database-url': database.url,
    'public-url': 'http://parley.test',
    'log-level': 'silent',
    'heartbeat-interval': '1000',
    'poll-wait': '1000',
    'rate-burst': '10000',
    'rate-per-second': '10000',
    // Agents keep their chats while their links come and go: this test is about messages, not routing.
    'agent-grace': '60000',
  })
  server = await startParley(config, { store: answeringLater(await openStore(database.url)), logger: createLogger('silent') })
  proxy = await startTcpProxy(server.port)
})

afterEach(async () => {
  crowd?.close()
  crowd = undefined
  await proxy.close()
  await server.stop()
  await database.remove()
})

describe('a burst through a proxy that delays, stalls and cuts connections at random', () => {
  it('loses nothing acknowledged, stores each message once, and hands every event to each side once, in order', { timeout: 60_000 }, async () => {
    const agentCookies = await Promise.all(database.agents.map((agent) => signIn(server, agent.email)))
    crowd = openCrowd({
      url: proxy.url, siteKey: database.site.key, agentCookies, visitors: VISITORS, messagesPerVisitor: MESSAGES_PER_VISITOR,
      seed: SEED, gapMs: [150, 450], transports: 'both', timing: { upgradeEveryMs: 1000 },
    })
    await crowd.gather()

    // Stalls up to 3.5 s: the shorter ones only delay, the longer ones outlast silence detection
    // (two heartbeats and a second: 3 s here). Half the WebSocket upgrades are refused:
    // those clients fall back to long polling and move back later.
    proxy.chaos({ seed: SEED, maxDelayMs: 40, incidentGapMs: [100, 500], cutShare: 0.5, maxStallMs: 3500, refuseUpgrades: 0.5 })
    await crowd.burst()
    await delay(1000)
    // Calm: held bytes go on, nothing is cut any more, the clients catch up.
    proxy.passThrough()

    let settling = 'settled'
    await crowd.settled(30_000).catch((error: Error) => (settling = error.message))
    const context = () => `chaos seed ${SEED}, proxy ${JSON.stringify(proxy.stats)}; ${settling}`
    expect(await crowd.problems(server.store), context()).toEqual([])
    expect(settling, context()).toBe('settled')
    // The chaos did happen: connections were cut and stalled during the burst.
    expect(proxy.stats.cuts, context()).toBeGreaterThan(0)
    expect(proxy.stats.stalls, context()).toBeGreaterThan(0)
  })
})

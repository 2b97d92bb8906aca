/**
 * A TCP proxy on 127.0.0.1 (port 0) in front of a test server, to put a client behind the
 * networks it meets in the wild. What it does can be switched at any moment:
 *
 * - `passThrough()`: bytes go through untouched (and any held bytes are released);
 * - `refuseWebSockets()`: a connection whose first request asks `Upgrade: websocket` is
 *   answered `403 Forbidden` and closed, as a corporate proxy does; plain HTTP goes through;
 * - `holdWebSockets()`: such a connection is kept open and never answered (a proxy that
 *   holds upgrades); plain HTTP goes through;
 * - `goDown()`: new connections are reset at once, as if the server were gone;
 * - `blackHole()`: new connections are accepted and then ignored: nothing is forwarded,
 *   answered or closed (a backend that hangs). They stay that way after the mode changes,
 *   until `cutAll()`;
 * - `chaos({ seed })`: chunks are delayed (order kept), and every connection meets stalls
 *   (nothing forwarded, nothing closed) and cuts at random moments drawn from a seeded PRNG;
 *   a share of WebSocket upgrades can be refused too;
 * - `stallAll()`: every live connection stops forwarding without closing (a dead link that
 *   does not know it is dead), in both directions or only one; new connections are not
 *   affected; `passThrough()` releases them;
 * - `cutAll()`: every live connection is reset now.
 *
 * Only the first request of a connection is inspected: browsers and `ws` open a fresh
 * connection for every WebSocket, so that is where an upgrade shows up. Writes ignore
 * backpressure: test traffic is small, and held bytes must stay held anyway.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

export interface ChaosOptions {
  /** Seed of the PRNG that draws every delay, stall and cut (print it when a run fails). */
  seed: number
  /** Each chunk waits a random time below this, in each direction, order kept. */
  maxDelayMs?: number
  /** Time between two incidents on one connection, drawn in [min, max). */
  incidentGapMs?: [number, number]
  /** Share of incidents that cut the connection; the others stall it. */
  cutShare?: number
  /** A stall lasts a random time below this, then the held bytes go on. */
  maxStallMs?: number
  /** Share of WebSocket upgrades refused with 403, as in `refuseWebSockets()`. */
  refuseUpgrades?: number
}

export interface ProxyStats {
  /** Connections accepted, whatever happened to them. */
  accepted: number
  refusedUpgrades: number
  /** Connections reset because the proxy was down. */
  resets: number
  /** Connections swallowed by the black hole, or upgrades held. */
  swallowed: number
  cuts: number
  stalls: number
}

/** `to-client` holds what the server sends (an acknowledgement, say), `to-server` what the client sends. */
export type Direction = 'both' | 'to-server' | 'to-client'

type Mode = 'pass' | 'refuse-websocket' | 'hold-websocket' | 'down' | 'black-hole' | 'chaos'

export interface TcpProxy {
  /** `http://127.0.0.1:PORT`: give it to a client as the server's URL. */
  readonly url: string
  readonly port: number
  readonly stats: Readonly<ProxyStats>
  passThrough(): void
  refuseWebSockets(): void
  holdWebSockets(): void
  goDown(): void
  blackHole(): void
  chaos(options: ChaosOptions): void
  stallAll(direction?: Direction): void
  cutAll(): void
  close(): Promise<void>
}

/** mulberry32: a small, fast, seedable PRNG, good enough to draw test incidents. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return function next() {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** The first request's head ends at the blank line; past this many bytes we stop looking. */
const MAX_HEAD_BYTES = 16 * 1024
const FORBIDDEN =
  'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 28\r\nConnection: close\r\n\r\nWebSockets are not allowed.\n'

/** One byte stream of a proxied connection, in one direction. */
interface Lane {
  /** Chunks waiting, each with the time it may leave; `end` or `reset` closes the other side. */
  queue: { due: number; chunk: Buffer | 'end' | 'reset' }[]
  timer?: ReturnType<typeof setTimeout>
  to: Socket
  /** Nothing leaves before this time (Infinity: until released). */
  stalledUntil: number
}

interface Connection {
  client: Socket
  upstream?: Socket
  /** To the server, to the client; empty until the first request's head has been read. */
  lanes: Lane[]
  /** The stall in force, also for lanes made after it was asked. */
  pendingStall?: { direction: Direction; until: number }
  stallTimer?: ReturnType<typeof setTimeout>
  incidentTimer?: ReturnType<typeof setTimeout>
  done: boolean
}

const defaultChaos: Required<Omit<ChaosOptions, 'seed'>> = {
  maxDelayMs: 40,
  incidentGapMs: [300, 1_500],
  cutShare: 0.4,
  maxStallMs: 4_000,
  refuseUpgrades: 0,
}

/**
 * @example
 *   const proxy = await startTcpProxy(server.server.port)
 *   proxy.refuseWebSockets()
 *   createConnection({ url: proxy.url, ... }) // falls back to long polling
 */
/** `listenPort`: where the proxy listens (0: any free port), for a server that must know its public URL first. */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1', listenPort = 0): Promise<TcpProxy> {
  let mode: Mode = 'pass'
  let chaosOptions = { ...defaultChaos, seed: 1 }
  let random = seededRandom(1)
  const live = new Set<Connection>()
  const stats: ProxyStats = { accepted: 0, refusedUpgrades: 0, resets: 0, swallowed: 0, cuts: 0, stalls: 0 }

  const between = (min: number, max: number) => min + random() * (max - min)

  function finish(connection: Connection) {
    if (connection.done) return
    connection.done = true
    live.delete(connection)
    clearTimeout(connection.stallTimer)
    clearTimeout(connection.incidentTimer)
    for (const lane of connection.lanes) clearTimeout(lane.timer)
  }

  /** A network cut: both sides see a reset, nothing held is delivered. */
  function cut(connection: Connection) {
    finish(connection)
    connection.client.resetAndDestroy()
    connection.upstream?.resetAndDestroy()
  }

  function pump(connection: Connection, lane: Lane) {
    clearTimeout(lane.timer)
    lane.timer = undefined
    if (connection.done) return
    const now = Date.now()
    if (lane.stalledUntil > now) return // `release` pumps again
    while (lane.queue.length > 0) {
      const head = lane.queue[0]!
      if (head.due > now) {
        lane.timer = setTimeout(() => pump(connection, lane), head.due - now)
        return
      }
      lane.queue.shift()
      if (head.chunk === 'end') lane.to.end()
      else if (head.chunk === 'reset') lane.to.resetAndDestroy()
      else if (!lane.to.destroyed) lane.to.write(head.chunk)
    }
  }

  function enqueue(connection: Connection, lane: Lane, chunk: Lane['queue'][number]['chunk']) {
    const delay = mode === 'chaos' && chunk !== 'reset' ? random() * chaosOptions.maxDelayMs : 0
    // A chunk never overtakes the one before it: that would corrupt the stream, not delay it.
    const due = Math.max(Date.now() + delay, lane.queue.at(-1)?.due ?? 0)
    lane.queue.push({ due, chunk })
    if (!lane.timer) pump(connection, lane)
  }

  function stall(connection: Connection, ms: number, direction: Direction = 'both') {
    clearTimeout(connection.stallTimer)
    connection.pendingStall = { direction, until: Date.now() + ms }
    holdLanes(connection)
    if (Number.isFinite(ms)) connection.stallTimer = setTimeout(() => release(connection), ms)
  }

  function holdLanes(connection: Connection) {
    const [toServer, toClient] = connection.lanes
    const { direction, until } = connection.pendingStall ?? { direction: 'both', until: 0 }
    if (toServer && direction !== 'to-client') toServer.stalledUntil = until
    if (toClient && direction !== 'to-server') toClient.stalledUntil = until
  }

  function release(connection: Connection) {
    clearTimeout(connection.stallTimer)
    connection.pendingStall = undefined
    for (const lane of connection.lanes) {
      lane.stalledUntil = 0
      pump(connection, lane)
    }
  }

  function scheduleIncident(connection: Connection) {
    clearTimeout(connection.incidentTimer)
    if (mode !== 'chaos' || connection.done) return
    const [min, max] = chaosOptions.incidentGapMs
    connection.incidentTimer = setTimeout(function incident() {
      if (mode !== 'chaos' || connection.done) return
      if (random() < chaosOptions.cutShare) {
        stats.cuts += 1
        return cut(connection)
      }
      stats.stalls += 1
      const ms = between(100, chaosOptions.maxStallMs)
      stall(connection, ms)
      connection.incidentTimer = setTimeout(() => scheduleIncident(connection), ms)
    }, between(min, max))
  }

  /** Forwards both ways once the first request's head has said what this connection is. */
  function bridge(connection: Connection, head: Buffer) {
    const { client } = connection
    const upstream = connect({ port: targetPort, host: targetHost, allowHalfOpen: true })
    connection.upstream = upstream
    upstream.setNoDelay(true)
    const toServer: Lane = { queue: [], to: upstream, stalledUntil: 0 }
    const toClient: Lane = { queue: [], to: client, stalledUntil: 0 }
    connection.lanes = [toServer, toClient]
    holdLanes(connection)
    const wire = (from: Socket, lane: Lane) => {
      let ended = false
      from.on('data', (chunk: Buffer) => enqueue(connection, lane, chunk))
      from.on('end', () => {
        ended = true
        enqueue(connection, lane, 'end')
      })
      from.on('close', () => {
        if (!ended) enqueue(connection, lane, 'reset')
        if (client.destroyed && upstream.destroyed) finish(connection)
      })
    }
    wire(client, toServer)
    wire(upstream, toClient)
    upstream.on('error', () => {}) // reported through 'close'
    enqueue(connection, toServer, head)
    scheduleIncident(connection)
  }

  const server = createServer({ allowHalfOpen: true, noDelay: true }, function accept(client) {
    stats.accepted += 1
    client.on('error', () => {}) // resets are what this proxy is for; 'close' follows
    if (mode === 'down') {
      stats.resets += 1
      client.resetAndDestroy()
      return
    }
    const connection: Connection = { client, lanes: [], done: false }
    live.add(connection)
    client.on('close', () => {
      if (!connection.upstream) finish(connection)
    })
    client.on('end', () => {
      if (!connection.upstream) client.destroy() // gone before saying what it wanted
    })
    const swallow = () => {
      stats.swallowed += 1
      client.on('data', () => {}) // read and drop whatever comes, never answer
    }
    if (mode === 'black-hole') return swallow()

    let head = Buffer.alloc(0)
    const readHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk])
      const complete = head.includes('\r\n\r\n') || head.length >= MAX_HEAD_BYTES
      if (!complete) return
      client.off('data', readHead)
      const text = head.subarray(0, MAX_HEAD_BYTES).toString('latin1')
      const upgrade = /^upgrade:[ \t]*websocket[ \t]*$/im.test(text)
      const refuse = mode === 'refuse-websocket' || (mode === 'chaos' && random() < chaosOptions.refuseUpgrades)
      if (upgrade && refuse) {
        stats.refusedUpgrades += 1
        finish(connection)
        client.end(FORBIDDEN)
        return
      }
      if (upgrade && mode === 'hold-websocket') return swallow()
      bridge(connection, head)
    }
    client.on('data', readHead)
  })

  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    passThrough() {
      mode = 'pass'
      for (const connection of live) {
        clearTimeout(connection.incidentTimer)
        release(connection)
      }
    },
    refuseWebSockets() {
      mode = 'refuse-websocket'
    },
    holdWebSockets() {
      mode = 'hold-websocket'
    },
    goDown() {
      mode = 'down'
    },
    blackHole() {
      mode = 'black-hole'
    },
    chaos(options: ChaosOptions) {
      chaosOptions = { ...defaultChaos, ...options }
      random = seededRandom(options.seed)
      mode = 'chaos'
      for (const connection of live) scheduleIncident(connection)
    },
    stallAll(direction: Direction = 'both') {
      for (const connection of live) stall(connection, Infinity, direction)
    },
    cutAll() {
      for (const connection of [...live]) cut(connection)
    },
    async close() {
      mode = 'down'
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const connection of [...live]) cut(connection)
      await closed
    },
  }
}

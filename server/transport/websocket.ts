/**
 * The WebSocket transport, on @hono/node-ws. That adapter wraps `ws` with its defaults, so
 * four gaps are closed here: the Origin allow-list runs before the upgrade (see
 * http/origin-guard.ts; browsers apply no CORS to WebSockets), the payload cap is lowered
 * from ws's 100 MiB, dead connections are found by ping/pong, and a client that does not
 * read is cut before its unsent frames can grow the server's memory.
 */
import { createNodeWebSocket } from '@hono/node-ws'
import type { Hono, MiddlewareHandler } from 'hono'
import type { WSContext, WSMessageReceive } from 'hono/ws'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import type { Metrics } from '../ops/metrics.js'
import type { ChatSession } from '../chat/chat-session.js'
import { CloseCode, type ConnectionInfo, type Peer } from './peer.js'

export interface WebSocketTransportOptions {
  app: Hono<any>
  /** Frames above this are refused by the chat layer with an error frame. */
  maxFrameBytes: number
  heartbeatMs: number
  sendBufferBytes: number
  metrics: Metrics
  /** Reads what the request tells about the client (site, session cookie, address). */
  describe: (request: Parameters<MiddlewareHandler>[0]) => ConnectionInfo
  openSession: (peer: Peer, info: ConnectionInfo) => ChatSession
}

/** Frames up to this many times the protocol limit are read and answered with an error; larger ones end the connection. */
const HARD_PAYLOAD_FACTOR = 4

export function createWebSocketTransport(options: WebSocketTransportOptions) {
  const { upgradeWebSocket, injectWebSocket, wss } = createNodeWebSocket({ app: options.app })
  // ws buffers a whole message before any handler sees it: this is the memory bound.
  wss.options.maxPayload = options.maxFrameBytes * HARD_PAYLOAD_FACTOR

  const alive = new WeakSet<WebSocket>()
  const heartbeat = setInterval(function pingWebSockets() {
    for (const socket of wss.clients) {
      if (!alive.has(socket)) {
        socket.terminate() // no pong since the last ping: the peer is gone
        continue
      }
      alive.delete(socket)
      socket.ping()
    }
  }, options.heartbeatMs)
  heartbeat.unref()

  // The TCP socket under each WebSocket, as ws announces it with the upgrade request.
  const tcpSockets = new WeakMap<WebSocket, Duplex>()
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => tcpSockets.set(socket, request.socket))

  /** Counts a pong as a sign of life; one function for every socket (`this` is the socket). */
  function markAlive(this: WebSocket) {
    alive.add(this)
  }

  // The two classes below are made once a socket and kept for its life: as classes, their
  // methods are shared rather than made again for every connection.

  /** One client's end of the chat, as the chat layer sees it. */
  class WebSocketPeer implements Peer {
    readonly transport = 'websocket'
    private corked = false

    constructor(private readonly socket: WebSocket, private readonly tcp: Duplex | undefined) {}

    send(frame: string) {
      const socket = this.socket
      if (socket.readyState !== socket.OPEN) return
      if (socket.bufferedAmount > options.sendBufferBytes) {
        // Cutting is safe: the client reconnects and replays from its last sequence number.
        options.metrics.slowClientsCut.inc()
        socket.terminate()
        return
      }
      // The frames for one client in one turn of the event loop (an ack and the event it
      // acknowledges, say) leave in one write: on loopback or a busy server, each write is a
      // system call that costs more than the frame.
      if (this.tcp && !this.corked) {
        this.corked = true
        this.tcp.cork()
        setImmediate(uncorkPeer, this)
      }
      socket.send(frame)
    }

    uncork() {
      this.corked = false
      this.tcp?.uncork()
    }

    close(code: number, reason: string) {
      const socket = this.socket
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason)
    }
  }

  /**
   * What @hono/node-ws calls for one socket. Nothing here refers to the upgrade's Hono context:
   * it (the Request, its headers and AbortSignal, the Node request) is left for the garbage
   * collector once the socket is open, about 4 KB a connection. (patches/@hono+node-ws*.patch
   * does the same inside the adapter, whose own closure held it for the socket's life.)
   */
  class SocketHandlers {
    private session: ChatSession | undefined

    constructor(private readonly info: ConnectionInfo) {}

    onOpen(_event: Event, ws: WSContext<WebSocket>) {
      const socket = ws.raw!
      alive.add(socket)
      socket.on('pong', markAlive)
      this.session = options.openSession(new WebSocketPeer(socket, tcpSockets.get(socket)), this.info)
    }

    onMessage(event: MessageEvent<WSMessageReceive>, ws: WSContext<WebSocket>) {
      alive.add(ws.raw!)
      if (typeof event.data !== 'string') {
        ws.send(JSON.stringify({ t: 'error', code: 'bad_frame', message: 'frames are JSON text; binary frames are not accepted' }))
        return
      }
      this.session?.receive(event.data)
    }

    onClose() {
      this.session?.closed()
    }
  }

  const handler = upgradeWebSocket((c) => new SocketHandlers(options.describe(c)))

  return {
    handler,
    /** Answers upgrades on `server`. */
    injectWebSocket(server: Parameters<typeof injectWebSocket>[0]) {
      // Node hands an upgrading socket over with no 'error' listener, and @hono/node-ws takes it
      // only once the app has answered (the site's Origin check reads the store): a client that
      // resets meanwhile would throw out of the process. The socket is destroyed either way.
      server.on('upgrade', (_request: unknown, socket: NodeJS.EventEmitter) => socket.on('error', function resetWhileUpgrading() {}))
      injectWebSocket(server)
    },
    /** Closes every socket that is still open (after the chat layer said goodbye). */
    close() {
      clearInterval(heartbeat)
      for (const socket of wss.clients) socket.close(CloseCode.restart, 'server restarting')
      wss.close()
    },
  }
}

/** Ends a peer's turn of corked writes; a plain function, so that corking makes no closure. */
function uncorkPeer(peer: { uncork(): void }) {
  peer.uncork()
}

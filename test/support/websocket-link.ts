/**
 * The WebSocket side of a test link: a `ws` socket, as a browser would open it at /ws.
 */
import WebSocket from 'ws'
import type { LinkClosed, WebSocketLink } from './link.js'

/** Opens a WebSocket; rejects with `upgrade refused: STATUS` when the server answers the upgrade with an HTTP error. */
export function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers })
    socket.once('open', () => resolve(socket))
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)))
    socket.once('error', reject)
  })
}

/** Wraps an open socket. The close code and reason are the ones on the wire. */
export function webSocketLink(socket: WebSocket): WebSocketLink {
  const closed = new Promise<LinkClosed>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  })
  return {
    transport: 'websocket',
    socket,
    closed,
    listen(onText) {
      socket.on('message', (data) => onText(data.toString()))
    },
    send(text) {
      socket.send(text)
    },
    // Written to the socket at once, in order: nothing to wait for.
    flushed: () => Promise.resolve(),
    close() {
      socket.close()
      return closed
    },
  }
}

/**
 * Tries a WebSocket upgrade: 'open' when a socket was established (and is closed again at
 * once), or the HTTP status the server refused it with.
 */
export function tryUpgrade(url: string, headers: Record<string, string> = {}): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers })
    socket.once('open', () => {
      socket.close()
      resolve('open')
    })
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0)
      socket.terminate()
    })
    socket.on('error', (error) => reject(error))
  })
}

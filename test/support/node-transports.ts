/**
 * The client library's transports for Node, which has no global WebSocket (Node 20) and no
 * browser to add Origin or cookies: each request carries the given headers, as a browser's would.
 */
import WebSocket from 'ws'
import { pollingTransport, websocketTransport, type ConnectionOptions } from '../../client/index.js'

export type TransportChoice = 'websocket' | 'polling' | 'both'

export function transportsWith(headers: Record<string, string>, choice: TransportChoice = 'both'): ConnectionOptions['transports'] {
  const websocket = websocketTransport(function webSocketWithHeaders(url) {
    return new WebSocket(url, { headers }) as unknown as globalThis.WebSocket
  })
  const polling = pollingTransport(function fetchWithHeaders(input, init) {
    return fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } })
  })
  return choice === 'both' ? { websocket, polling } : choice === 'websocket' ? { websocket } : { polling }
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Checks `condition` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(what: string | (() => string), condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms until ${typeof what === 'string' ? what : what()}`)
    await delay(20)
  }
}

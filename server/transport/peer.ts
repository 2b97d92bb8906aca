/**
 * What a transport gives the chat layer: a way to send encoded frames to one client and to
 * close it. WebSocket and long polling both implement it, so chat logic has one send path.
 */
import type { Site } from '../store/types.js'

export type TransportName = 'websocket' | 'polling'

export interface Peer {
  readonly transport: TransportName
  send(frame: string): void
  /** Ends the connection; `code` follows WebSocket close codes (4000-4999 are Parley's own). */
  close(code: number, reason: string): void
}

/** What the transport learned from the request that opened the connection. */
export interface ConnectionInfo {
  /** The site named by `?site=KEY`, whose allowed origins the request already passed. */
  site?: Site
  /** The agent session cookie, if any. */
  sessionToken?: string
  clientAddress: string
  userAgent?: string
}

export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  tooLarge: 1009,
  restart: 1012,
  slowClient: 4008,
  notAuthenticated: 4401,
  forbidden: 4403,
} as const

/**
 * What a test client talks through: a link that sends text frames, hands over the text frames
 * the server sends, and closes. It is a WebSocket (websocket-link.ts) or a long-polling
 * session (polling-link.ts), so one protocol suite runs over both transports.
 *
 * The transport comes from TEST_TRANSPORT (`websocket`, the default, or `polling`), set per
 * project in vitest.config.ts. (Not PARLEY_TEST_TRANSPORT: the server refuses unknown PARLEY_
 * variables, and the tests that spawn the CLI pass their environment on.)
 */
import type WebSocket from 'ws'
import type { TransportName } from '../../server/transport/peer.js'
import { openPollingLink, PollClose } from './polling-link.js'
import { openSocket, tryUpgrade, webSocketLink } from './websocket-link.js'

export type { TransportName }

/** The transport the protocol suites run over in this test process. */
export const TRANSPORT: TransportName = process.env.TEST_TRANSPORT === 'polling' ? 'polling' : 'websocket'

export interface LinkClosed {
  code: number
  reason: string
}

interface LinkBase {
  /** Called with every text frame the server sends, in order. Call once. */
  listen(onText: (text: string) => void): void
  send(text: string): void
  /** Resolves once everything sent so far has been handed to the server (over polling: its POSTs were answered). */
  flushed(): Promise<void>
  /** Closes from this side; resolves once closed. */
  close(): Promise<LinkClosed>
  /** Resolves when the link has closed, from either side. */
  readonly closed: Promise<LinkClosed>
}

export interface WebSocketLink extends LinkBase {
  readonly transport: 'websocket'
  readonly socket: WebSocket
}

export interface PollingLink extends LinkBase {
  readonly transport: 'polling'
  /** The poll session id. */
  readonly sid: string
}

export type Link = WebSocketLink | PollingLink

/** Where a test server answers. */
export interface LinkTarget {
  url: string
  wsUrl: string
}

/** How a connection presents itself, exactly: nothing is filled in. */
export interface LinkOptions {
  /** `?site=KEY`, as the widget connects; agents connect without. */
  siteKey?: string
  origin?: string
  /** A `Cookie` header, such as the agent session (`name=value`). */
  cookie?: string
  /** Overrides TRANSPORT, for tests about one transport. */
  transport?: TransportName
}

const headersOf = ({ origin, cookie }: LinkOptions) => ({
  ...(origin === undefined ? {} : { Origin: origin }),
  ...(cookie === undefined ? {} : { Cookie: cookie }),
})

/**
 * Opens a link over the chosen transport. Rejects when the server refuses it:
 * `upgrade refused: STATUS` (WebSocket) or `poll session refused: STATUS` (polling).
 */
export async function openLink(target: LinkTarget, options: LinkOptions = {}): Promise<Link> {
  const transport = options.transport ?? TRANSPORT
  const headers = headersOf(options)
  if (transport === 'polling') return openPollingLink({ url: target.url, siteKey: options.siteKey, headers })
  const site = options.siteKey === undefined ? '' : `?site=${encodeURIComponent(options.siteKey)}`
  return webSocketLink(await openSocket(`${target.wsUrl}${site}`, headers))
}

/**
 * Tries to open a connection: 'open' when the server accepted it (it is closed again at
 * once), or the HTTP status it refused it with — on the WebSocket upgrade, or on the POST
 * that opens a poll session.
 */
export async function tryOpenLink(target: LinkTarget, options: LinkOptions = {}): Promise<'open' | number> {
  const transport = options.transport ?? TRANSPORT
  const site = options.siteKey === undefined ? '' : `?site=${encodeURIComponent(options.siteKey)}`
  if (transport === 'websocket') return tryUpgrade(`${target.wsUrl}${site}`, headersOf(options))
  const response = await fetch(`${target.url}/poll${site}`, { method: 'POST', headers: headersOf(options) })
  if (response.status !== 200) return response.status
  const { sid } = (await response.json()) as { sid: string }
  const end = new URLSearchParams({ sid, ...(options.siteKey === undefined ? {} : { site: options.siteKey }) })
  await fetch(`${target.url}/poll?${end}`, { method: 'DELETE', headers: headersOf(options) })
  return 'open'
}

/**
 * The close code a client sees when the server ends its connection with `code`. A WebSocket
 * carries the code; a poll session only ends (PollClose.ended), whatever the reason.
 *
 *   expect((await client.closed).code).toBe(closeCodeSeen(4401))
 */
export function closeCodeSeen(code: number, transport: TransportName = TRANSPORT): number {
  return transport === 'websocket' ? code : PollClose.ended
}

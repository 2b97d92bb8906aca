/**
 * Parley's side of the load generator: its own wire protocol (protocol/), carried by the very
 * transports the widget and the console use (client/), over a `ws` socket or node:http.
 * Agents sign in through POST /api/auth/login and connect with their session cookie.
 */
import WebSocket from 'ws'
import { pollingTransport, websocketTransport, type Transport } from '../../client/index.js'
import type { Link } from '../../client/transport.js'
import { decodeServerFrame, encode, type ClientFrame, type ServerFrame } from '../../protocol/index.js'
import type { AgentEvents, ChatDriver, VisitorEvents, VisitorTransport } from './chat-driver.js'
import { nodeHttpFetch } from './node-http-fetch.js'

export interface ParleyAgentAccount {
  email: string
  password: string
}

export interface ParleyDriverOptions {
  url: string
  /** Visitor i visits site `siteKeys[i % siteKeys.length]`. */
  siteKeys: string[]
  agents: ParleyAgentAccount[]
}

/** A `ws` socket where the client library expects a browser's WebSocket (same events and methods). */
const nodeSocket = (headers: Record<string, string> = {}) => (url: string) =>
  new WebSocket(url, { headers, perMessageDeflate: false }) as unknown as globalThis.WebSocket

/**
 * Opens a link and says hello; resolves with the link once `welcome` arrives. Frames after
 * it go to `onFrame`; `onLost` hears of a link that ends without being closed by us.
 */
function openSession(transport: Transport, url: string, query: string, hello: ClientFrame, onFrame: (frame: ServerFrame) => void, onLost: () => void): Promise<Link> {
  return new Promise((resolve, reject) => {
    let welcomed = false
    const link = transport.connect(url, query, {
      open: () => link.send(encode(hello)),
      frame(text) {
        const frame = decodeServerFrame(text)
        if (!frame) return onFrame({ t: 'error', code: 'bad_json', message: 'undecodable frame from the server' })
        if (!welcomed && frame.t === 'welcome') {
          welcomed = true
          return resolve(link)
        }
        if (!welcomed && frame.t === 'error') return reject(new Error(`hello refused: ${frame.code} ${frame.message}`))
        onFrame(frame)
      },
      closed() {
        if (welcomed) onLost()
        else reject(new Error('the connection ended before welcome'))
      },
    })
  })
}

async function signIn(url: string, account: ParleyAgentAccount): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
    signal: AbortSignal.timeout(10_000),
  })
  if (!response.ok) throw new Error(`sign-in of ${account.email} answered ${response.status}`)
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('parley_session='))
  if (!cookie) throw new Error('sign-in set no session cookie')
  return cookie.slice(0, cookie.indexOf(';'))
}

export function parleyDriver(options: ParleyDriverOptions): ChatDriver {
  const polling = pollingTransport(nodeHttpFetch)
  const visitorWebSocket = websocketTransport(nodeSocket())

  return {
    name: 'Parley',

    async connectAgent(index: number, events: AgentEvents) {
      const account = options.agents[index]
      if (!account) throw new Error(`no agent account number ${index}`)
      const cookie = await signIn(options.url, account)
      let sent = 0
      const link = await openSession(websocketTransport(nodeSocket({ cookie })), options.url, '', { t: 'hello', as: 'agent' }, (frame) => {
        if (frame.t === 'msg' && frame.author.role === 'visitor' && !frame.sys) events.visitorMessage(frame.conv, frame.text)
        else if (frame.t === 'error') events.error(frame.code)
      }, () => events.error('connection lost'))
      return {
        reply(conversation: number, text: string) {
          link.send(encode({ t: 'send', conv: conversation, cid: `a${index}.${++sent}`, text }))
        },
        close: () => link.close(),
      }
    },

    async connectVisitor(index: number, transport: VisitorTransport, events: VisitorEvents) {
      const siteKey = options.siteKeys[index % options.siteKeys.length]!
      let sent = 0
      const link = await openSession(transport === 'polling' ? polling : visitorWebSocket, options.url, `site=${siteKey}`, { t: 'hello', as: 'visitor' }, (frame) => {
        if (frame.t === 'msg' && frame.author.role === 'agent') events.reply(frame.text)
        else if (frame.t === 'error') events.error(frame.code)
      }, () => events.error('connection lost'))
      return {
        send(text: string) {
          link.send(encode({ t: 'send', cid: `v${index}.${++sent}`, text }))
        },
        close: () => link.close(),
      }
    },
  }
}

/**
 * A protocol client for tests: a link to a real server (a WebSocket or a long-polling
 * session, see link.ts), every received frame recorded, and waits that resolve when a
 * matching frame has arrived (before or after the call).
 */
import WebSocket from 'ws'
import { decodeServerFrame, type ServerFrame } from '../../protocol/index.js'
import type { Agent } from '../../server/store/types.js'
import { openLink, type Link, type LinkClosed, type LinkOptions, type LinkTarget } from './link.js'
import { HOST_ORIGIN, TEST_PASSWORD } from './test-server.js'
import { webSocketLink } from './websocket-link.js'

export { closeCodeSeen, openLink, tryOpenLink, TRANSPORT, type Link, type TransportName } from './link.js'
export { PollClose } from './polling-link.js'
export { openSocket } from './websocket-link.js'

type Frame<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>
type Waiter = { match: (frame: ServerFrame) => boolean; resolve: (frame: ServerFrame) => void }

export class TestClient {
  readonly frames: ServerFrame[] = []
  readonly closed: Promise<LinkClosed>
  readonly link: Link
  private waiters: Waiter[] = []

  /** Over a link, or over a WebSocket already open (for tests about WebSocket itself). */
  constructor(link: Link | WebSocket) {
    this.link = link instanceof WebSocket ? webSocketLink(link) : link
    this.link.listen((text) => {
      const frame = decodeServerFrame(text)
      if (!frame) throw new Error(`server sent an undecodable frame: ${text.slice(0, 200)}`)
      this.frames.push(frame)
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.match(frame)) return true
        waiter.resolve(frame)
        return false
      })
    })
    this.closed = this.link.closed
  }

  get transport() {
    return this.link.transport
  }

  /** The WebSocket under this client; only for tests about WebSocket itself. */
  get socket(): WebSocket {
    if (this.link.transport !== 'websocket') {
      throw new Error('client.socket: this client talks over long polling; a test that needs the WebSocket is WebSocket-only (skipIf(TRANSPORT !== \'websocket\'))')
    }
    return this.link.socket
  }

  send(frame: object | string) {
    this.link.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The first frame of this type (received already or later) that passes `where`. */
  waitFor<T extends ServerFrame['t']>(type: T, where: (frame: Frame<T>) => boolean = () => true, timeoutMs = 3000): Promise<Frame<T>> {
    const match = (frame: ServerFrame): frame is Frame<T> => frame.t === type && where(frame as Frame<T>)
    const seen = this.frames.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no "${type}" frame matching ${where.toString()} within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-8))}`))
      }, timeoutMs)
      this.waiters.push({
        match,
        resolve: (frame) => {
          clearTimeout(timer)
          resolve(frame as Frame<T>)
        },
      })
    })
  }

  /** Messages and system events received for a conversation, in arrival order. */
  events(conv?: number) {
    return this.frames.filter((f): f is Frame<'msg'> => f.t === 'msg' && (conv === undefined || f.conv === conv))
  }

  ofType<T extends ServerFrame['t']>(type: T): Frame<T>[] {
    return this.frames.filter((f): f is Frame<T> => f.t === type)
  }

  /** Sends a message and resolves with its acknowledgement. */
  async say(text: string, conv?: number, cid = `c-${Math.random().toString(36).slice(2)}`) {
    this.send({ t: 'send', cid, text, ...(conv === undefined ? {} : { conv }) })
    return this.waitFor('ack', (ack) => ack.cid === cid)
  }

  /** As an agent, writes an internal note and resolves with its acknowledgement. */
  async note(text: string, conv: number, cid = `n-${Math.random().toString(36).slice(2)}`) {
    this.send({ t: 'send', cid, text, conv, note: true })
    return this.waitFor('ack', (ack) => ack.cid === cid)
  }

  /**
   * Resolves once the server has answered a ping sent after everything sent before: what it
   * meant to send this client before then has arrived, so what is missing was not sent.
   *
   * A ping is answered at once, ahead of frames still being handled, and frames that arrive
   * together are read together: so the ping leaves only once the link has handed everything
   * before it to the server (over polling, in a POST of its own). That it comes back after
   * their answers rests on the chat layer finishing a frame before the next request is read,
   * which holds with SQLite, whose calls never wait for I/O.
   */
  async roundTrip(timeoutMs = 3000) {
    await this.link.flushed()
    const earlier = new Set(this.ofType('pong'))
    this.send({ t: 'ping' })
    await this.waitFor('pong', (pong) => !earlier.has(pong), timeoutMs)
  }

  close() {
    return this.link.close()
  }
}

/**
 * A client whose connection is open but who has not said hello, presenting exactly the
 * given site key, Origin and cookie (none by default), over TRANSPORT unless told.
 */
export async function openClient(target: LinkTarget, options: LinkOptions = {}) {
  return new TestClient(await openLink(target, options))
}

export async function connectVisitor(
  server: LinkTarget & { site: { key: string } },
  options: { token?: string; last?: Record<string, number>; origin?: string; siteKey?: string; transport?: LinkOptions['transport'] } = {},
) {
  const client = await openClient(server, {
    siteKey: options.siteKey ?? server.site.key,
    origin: options.origin ?? HOST_ORIGIN,
    transport: options.transport,
  })
  client.send({ t: 'hello', as: 'visitor', ...(options.token ? { token: options.token } : {}), ...(options.last ? { last: options.last } : {}) })
  const welcome = await client.waitFor('welcome')
  return { client, welcome, token: welcome.token ?? options.token! }
}

/** Signs in over HTTP and returns the session cookie (`name=value`). */
export async function signIn(server: { url: string }, email: string, password = TEST_PASSWORD): Promise<string> {
  const response = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`)
  return response.headers.get('set-cookie')!.split(';')[0]!
}

export async function connectAgent(
  server: LinkTarget,
  agent: Agent,
  options: { last?: Record<string, number>; cookie?: string; transport?: LinkOptions['transport'] } = {},
) {
  const cookie = options.cookie ?? (await signIn(server, agent.email))
  const client = await openClient(server, { cookie, transport: options.transport })
  client.send({ t: 'hello', as: 'agent', ...(options.last ? { last: options.last } : {}) })
  const welcome = await client.waitFor('welcome')
  return { client, welcome, cookie }
}

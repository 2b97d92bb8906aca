/**
 * A protocol client for tests: a real WebSocket, every received frame recorded, and waits
 * that resolve when a matching frame has arrived (before or after the call).
 */
import WebSocket from 'ws'
import { decodeServerFrame, type ServerFrame } from '../../protocol/index.js'
import { HOST_ORIGIN, TEST_PASSWORD, type TestServer } from './test-server.js'
import type { Agent } from '../../server/store/types.js'

type Frame<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>
type Waiter = { match: (frame: ServerFrame) => boolean; resolve: (frame: ServerFrame) => void }

export class TestClient {
  readonly frames: ServerFrame[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  private waiters: Waiter[] = []

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = decodeServerFrame(data.toString())
      if (!frame) throw new Error(`server sent an undecodable frame: ${data.toString().slice(0, 200)}`)
      this.frames.push(frame)
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.match(frame)) return true
        waiter.resolve(frame)
        return false
      })
    })
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  }

  send(frame: object | string) {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
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

  close() {
    this.socket.close()
    return this.closed
  }
}

export function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers })
    socket.once('open', () => resolve(socket))
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)))
    socket.once('error', reject)
  })
}

export async function connectVisitor(
  server: TestServer,
  options: { token?: string; last?: Record<string, number>; origin?: string; siteKey?: string } = {},
) {
  const url = `${server.wsUrl}?site=${encodeURIComponent(options.siteKey ?? server.site.key)}`
  const client = new TestClient(await openSocket(url, { Origin: options.origin ?? HOST_ORIGIN }))
  client.send({ t: 'hello', as: 'visitor', ...(options.token ? { token: options.token } : {}), ...(options.last ? { last: options.last } : {}) })
  const welcome = await client.waitFor('welcome')
  return { client, welcome, token: welcome.token ?? options.token! }
}

/** Signs in over HTTP and returns the session cookie (`name=value`). */
export async function signIn(server: TestServer, email: string, password = TEST_PASSWORD): Promise<string> {
  const response = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`)
  return response.headers.get('set-cookie')!.split(';')[0]!
}

export async function connectAgent(server: TestServer, agent: Agent, options: { last?: Record<string, number>; cookie?: string } = {}) {
  const cookie = options.cookie ?? (await signIn(server, agent.email))
  const client = new TestClient(await openSocket(server.wsUrl, { Cookie: cookie }))
  client.send({ t: 'hello', as: 'agent', ...(options.last ? { last: options.last } : {}) })
  const welcome = await client.waitFor('welcome')
  return { client, welcome, cookie }
}

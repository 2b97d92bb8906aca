/**
 * The HTTP long-polling transport, for networks that break WebSockets (corporate proxies,
 * antivirus filters, old load balancers). It carries the very same frames as the WebSocket
 * transport into the same chat session, so acknowledgements, replay, idempotency, limits and
 * validation are shared, not copied.
 *
 *   POST   /poll?site=KEY            open a poll session          → {"sid": "...", "wait": 25000}
 *   POST   /poll?sid=SID&n=N         frames, one JSON text a line → 204
 *   GET    /poll?sid=SID&ack=B       wait for frames              → "B'\nframe\nframe..."
 *   DELETE /poll?sid=SID             end the session              → 204
 *
 * Delivery is exactly-once per session: every response carries a batch number on its first
 * line, and a batch is kept until the next GET acknowledges it (`ack`), so a response lost
 * on the way is sent again. Client POSTs carry a running number `n`, so a retried POST whose
 * answer was lost is not applied twice.
 *
 * A session lives on the node that opened it; its id starts with that node's id, and requests
 * reaching another node are handed to it (poll-relay.ts).
 */
import { randomBytes } from 'node:crypto'
import type { Context } from 'hono'
import type { ChatSession } from '../chat/chat-session.js'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Metrics } from '../ops/metrics.js'
import type { ConnectionInfo, Peer } from './peer.js'
import type { PollAnswer, PollRelay, PollRequest } from './poll-relay.js'

export interface PollingTransportOptions {
  /** How long a GET is held when nothing is waiting. */
  waitMs: number
  /** Most bytes a POST body may carry. */
  maxBodyBytes: number
  sendBufferBytes: number
  metrics: Metrics
  describe: (c: Context) => ConnectionInfo
  openSession: (peer: Peer, info: ConnectionInfo) => ChatSession
  /** With several nodes: how requests reach the node that owns their session. */
  relay?: PollRelay
}

interface Batch {
  id: number
  frames: string[]
}

interface PollSession {
  sid: string
  siteKey?: string
  agentSessionToken?: string
  chat: ChatSession
  pending: string[]
  pendingBytes: number
  inflight?: Batch
  nextBatchId: number
  lastPost: number
  waiting?: { ack: number; respond: (body: string) => void }
  flushScheduled: boolean
  lastSeen: number
  closed: boolean
}

/** Closed sessions linger this long so their last frames (a `bye`, an error) can be fetched. */
const LINGER_MS = 5_000
/** How long past its own wait a request handed to another node may take to be answered. */
const RELAY_SLACK_MS = 5_000

export function createPollingTransport(options: PollingTransportOptions) {
  const sessions = new Map<string, PollSession>()
  const { relay } = options
  // With several nodes, session ids start with the node's id so that any node can tell whose a session is.
  const nodeId = relay?.nodeId
  const idleMs = options.waitMs + 20_000

  const sweeper = setInterval(function expireIdlePollSessions() {
    const now = Date.now()
    for (const session of sessions.values()) {
      const limit = session.closed ? LINGER_MS : idleMs
      if (!session.waiting && now - session.lastSeen > limit) end(session)
    }
  }, 2_000)
  sweeper.unref()

  function end(session: PollSession) {
    sessions.delete(session.sid)
    session.waiting?.respond(String(session.inflight?.id ?? session.nextBatchId - 1))
    session.waiting = undefined
    if (!session.closed) {
      session.closed = true
      session.chat.closed()
    }
  }

  function takeBatch(session: PollSession): Batch | undefined {
    if (session.inflight) return session.inflight
    if (session.pending.length === 0) return undefined
    session.inflight = { id: session.nextBatchId++, frames: session.pending }
    session.pending = []
    session.pendingBytes = 0
    return session.inflight
  }

  const render = (batch: Batch) => `${batch.id}\n${batch.frames.join('\n')}`

  function flush(session: PollSession) {
    session.flushScheduled = false
    const waiting = session.waiting
    if (!waiting) return
    const batch = takeBatch(session)
    if (!batch) return
    session.waiting = undefined
    waiting.respond(render(batch))
  }

  function peerFor(session: PollSession): Peer {
    return {
      transport: 'polling',
      send(frame: string) {
        if (session.closed) return
        session.pending.push(frame)
        session.pendingBytes += frame.length
        if (session.pendingBytes > options.sendBufferBytes) {
          // A client that stopped polling: cut it; it replays from its last sequence number.
          options.metrics.slowClientsCut.inc()
          end(session)
          return
        }
        // Frames sent in one tick leave in one response.
        if (session.waiting && !session.flushScheduled) {
          session.flushScheduled = true
          queueMicrotask(() => flush(session))
        }
      },
      close() {
        if (session.closed) return
        session.closed = true
        session.chat.closed()
        flush(session)
        session.lastSeen = Date.now() // linger from now
      },
    }
  }

  const errorAnswer = (status: number, code: string, message: string): PollAnswer =>
    ({ status, type: 'json', body: JSON.stringify({ error: { code, message } }) })
  const unknownSession = () => errorAnswer(404, 'unknown_session', 'no such poll session: open a new one')
  const noContent: PollAnswer = { status: 204, type: 'none', body: '' }
  const text = (body: string): PollAnswer => ({ status: 200, type: 'text', body })

  /** The session a request names, if the request may use it. */
  function sessionOf(request: PollRequest): PollSession | PollAnswer {
    const session = sessions.get(request.sid)
    if (!session) return unknownSession()
    // A session id is a bearer secret, but it also stays with the site it was opened for.
    if (session.siteKey !== request.site) return errorAnswer(403, 'wrong_site', 'this poll session belongs to another site')
    session.lastSeen = Date.now()
    return session
  }

  function post(request: PollRequest): PollAnswer {
    const session = sessionOf(request)
    if (!('chat' in session)) return session
    if (session.closed) return errorAnswer(410, 'session_closed', 'this poll session has ended')
    const n = Number(request.n)
    if (!Number.isSafeInteger(n) || n < 1) return errorAnswer(422, 'invalid_request', 'n: must be the running number of this POST, from 1')
    if (n <= session.lastPost) return noContent // a retry of a POST already applied
    session.lastPost = n
    for (const line of (request.body ?? '').split('\n')) if (line.trim() !== '') session.chat.receive(line)
    return noContent
  }

  async function get(request: PollRequest, aborted?: AbortSignal): Promise<PollAnswer> {
    const session = sessionOf(request)
    if (!('chat' in session)) return session
    const ack = Number(request.ack ?? 0)
    if (session.inflight && session.inflight.id === ack) session.inflight = undefined
    const ready = takeBatch(session)
    if (ready) return text(render(ready))
    if (session.closed) {
      sessions.delete(session.sid)
      return errorAnswer(410, 'session_closed', 'this poll session has ended')
    }
    // One GET waits at a time: an older one is answered empty so the client is not left hanging.
    session.waiting?.respond(String(ack))
    const body = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => {
        if (session.waiting?.respond === respond) session.waiting = undefined
        resolve(String(ack))
      }, options.waitMs)
      const respond = (frames: string) => {
        clearTimeout(timer)
        resolve(frames)
      }
      session.waiting = { ack, respond }
      aborted?.addEventListener('abort', () => {
        // The client went away: unsent frames stay in the batch until acknowledged.
        if (session.waiting?.respond === respond) session.waiting = undefined
        respond(String(ack))
      })
    })
    session.lastSeen = Date.now()
    return text(body)
  }

  function remove(request: PollRequest): PollAnswer {
    const session = sessionOf(request)
    if (!('chat' in session)) return session
    end(session)
    return noContent
  }

  /** A request for a session of this node. */
  function answerLocally(request: PollRequest, aborted?: AbortSignal): Promise<PollAnswer> {
    if (request.method === 'POST') return Promise.resolve(post(request))
    if (request.method === 'GET') return get(request, aborted)
    return Promise.resolve(remove(request))
  }

  const ownerOf = (sid: string) => sid.slice(0, Math.max(0, sid.indexOf('.')))

  function respond(c: Context, answer: PollAnswer): Response {
    if (answer.type === 'none') return c.body(null, 204)
    c.header('Cache-Control', 'no-store')
    c.header('Content-Type', answer.type === 'json' ? 'application/json' : 'text/plain; charset=utf-8')
    return c.body(answer.body, answer.status as ContentfulStatusCode)
  }

  /**
   * A POST's body, or undefined when it arrived cut short. A request whose connection is reset
   * before its body is read yields what had arrived (often nothing) rather than an error; applied,
   * it would use up its number `n`, and the client's retry with the whole body would be dropped
   * as already applied.
   */
  async function wholeBody(c: Context): Promise<string | undefined> {
    const body = await c.req.text()
    const declared = c.req.header('content-length')
    return declared !== undefined && Buffer.byteLength(body) < Number(declared) ? undefined : body
  }

  /** A request of an open session, answered here or by the node that owns the session. */
  async function handle(c: Context, method: PollRequest['method']): Promise<Response> {
    const body = method === 'POST' ? await wholeBody(c) : undefined
    if (method === 'POST' && body === undefined) return respond(c, errorAnswer(400, 'incomplete_body', 'the request body is shorter than its Content-Length'))
    const request: PollRequest = {
      method,
      sid: c.req.query('sid') ?? '',
      site: c.req.query('site'),
      n: c.req.query('n'),
      ack: c.req.query('ack'),
      body,
    }
    const owner = ownerOf(request.sid)
    if (!relay || owner === nodeId || owner === '') return respond(c, await answerLocally(request, c.req.raw.signal))
    // A GET may be held for the whole wait at the owner. A dead owner answers nothing: the client opens a new session.
    const answer = await relay.forward(owner, request, (method === 'GET' ? options.waitMs : 0) + RELAY_SLACK_MS)
    return respond(c, answer ?? unknownSession())
  }

  return {
    /** Starts answering requests for this node's sessions that reach other nodes. */
    async listen() {
      await relay?.serve((request) => answerLocally(request))
    },

    async open(c: Context) {
      const info = options.describe(c)
      const session = {
        sid: (nodeId ? `${nodeId}.` : '') + randomBytes(18).toString('base64url'),
        siteKey: c.req.query('site'),
        pending: [],
        pendingBytes: 0,
        nextBatchId: 1,
        lastPost: 0,
        flushScheduled: false,
        lastSeen: Date.now(),
        closed: false,
      } as unknown as PollSession
      sessions.set(session.sid, session)
      session.chat = options.openSession(peerFor(session), info)
      return c.json({ sid: session.sid, wait: options.waitMs })
    },

    post: (c: Context) => handle(c, 'POST'),
    get: (c: Context) => handle(c, 'GET'),
    remove: (c: Context) => handle(c, 'DELETE'),

    get sessionCount() {
      return sessions.size
    },

    /**
     * Waits until every ended session has handed out its last frames (the `bye`) or
     * `timeoutMs` passes: a client between two GETs collects its goodbye with the next one.
     */
    async drain(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs
      const undelivered = () => [...sessions.values()].some((session) => session.pending.length > 0)
      while (undelivered() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25))
    },

    close() {
      relay?.close()
      clearInterval(sweeper)
      for (const session of sessions.values()) end(session)
    },
  }
}

export type PollingTransport = ReturnType<typeof createPollingTransport>

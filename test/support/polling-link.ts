/**
 * The long-polling side of a test link: what a browser widget behind a WebSocket-hostile
 * proxy does at /poll (see server/transport/polling.ts), with fetch.
 *
 * - One GET is always waiting. Each GET acknowledges the batch the previous one brought
 *   (`ack`), so the server can drop it; a batch whose number is not above the last one
 *   delivered (an empty answer, or a batch sent again) brings nothing new.
 * - Frames sent in one tick leave in one POST, one JSON text a line. POSTs go one at a time,
 *   in order, numbered 1, 2, 3... (`n`), so frames keep their order and a retry is harmless.
 * - Every request carries the same headers (Origin for visitors, Cookie for agents) and, for
 *   visitors, `site=KEY`, as the server asks.
 *
 * HTTP has no close codes, so this link reports its own (see `PollClose`).
 */
import type { LinkClosed, PollingLink } from './link.js'

/** The close codes a polling link reports. */
export const PollClose = {
  /** The test closed the link: DELETE /poll was sent. */
  byClient: 1000,
  /** The request failed below HTTP (the server went away): as a WebSocket reports an abnormal end. */
  network: 1006,
  /** The server ended the session: it sent `bye`, or answered 410 (ended) or 404 (unknown session). */
  ended: 4410,
  /** Any other refusal ends the link with 4000 + the HTTP status (4413: body too large, 4403: wrong site). */
  refusedBase: 4000,
} as const

export interface PollingLinkOptions {
  /** The server's base URL, `http://host:port`. */
  url: string
  /** A visitor's site key; agents have none. */
  siteKey?: string
  headers?: Record<string, string>
  /** The base URL each request after the opening one goes to, as a load balancer would choose it (default: `url`). */
  nextUrl?: () => string
}

/** Opens a poll session; rejects with `poll session refused: STATUS` when the server refuses it. */
export async function openPollingLink({ url, siteKey, headers = {}, nextUrl = () => url }: PollingLinkOptions): Promise<PollingLink> {
  const response = await fetch(`${url}/poll${siteKey === undefined ? '' : `?site=${encodeURIComponent(siteKey)}`}`, { method: 'POST', headers: { ...headers, Connection: 'close' } })
  if (response.status !== 200) throw new Error(`poll session refused: ${response.status} ${await response.text()}`)
  const { sid } = (await response.json()) as { sid: string; wait: number }
  return pollingLink(nextUrl, sid, siteKey, headers)
}

/** How a refused request ends the link. */
async function refusal(response: Response): Promise<LinkClosed> {
  const text = await response.text().catch(() => '')
  let message = text
  try {
    message = (JSON.parse(text) as { error: { message: string } }).error.message
  } catch {
    // not a JSON error: keep the text
  }
  if (response.status === 404 || response.status === 410) return { code: PollClose.ended, reason: message }
  return { code: PollClose.refusedBase + response.status, reason: `${response.status}: ${message}` }
}

const byeReason = (frame: string) => {
  try {
    const parsed = JSON.parse(frame) as { t?: unknown; reason?: unknown }
    return parsed.t === 'bye' ? String(parsed.reason) : undefined
  } catch {
    return undefined
  }
}

function pollingLink(baseUrl: () => string, sid: string, siteKey: string | undefined, given: Record<string, string>): PollingLink {
  // Each request on a connection of its own. Browsers keep connections alive, but a server
  // that stops closes only the connections idle at that moment: one that answered a waiting
  // poll with `bye` a moment later stays open until the server's 2 s forced close, which
  // would add 2 s to every test. (polling.test.ts shows that delay with a keep-alive client.)
  const headers = { ...given, Connection: 'close' }
  const address = (params: Record<string, string | number>) => {
    const search = new URLSearchParams({ sid })
    for (const [key, value] of Object.entries(params)) search.set(key, String(value))
    if (siteKey !== undefined) search.set('site', siteKey)
    return `${baseUrl()}/poll?${search}`
  }
  let state: 'open' | 'closing' | 'closed' = 'open'
  let onText: ((text: string) => void) | undefined
  let outbox: string[] = []
  let posted = 0
  let posting: Promise<void> | undefined
  const polls = new AbortController()
  let resolveClosed!: (closed: LinkClosed) => void
  const closed = new Promise<LinkClosed>((resolve) => (resolveClosed = resolve))

  function finish({ code, reason }: LinkClosed) {
    if (state === 'closed') return
    state = 'closed'
    polls.abort()
    resolveClosed({ code, reason })
  }

  async function poll() {
    let ack = 0
    while (state === 'open') {
      let body: string
      try {
        const response = await fetch(address({ ack }), { headers, signal: polls.signal })
        if (response.status !== 200) {
          if (state === 'open') finish(await refusal(response))
          return
        }
        body = await response.text()
      } catch (error) {
        if (state === 'open') finish({ code: PollClose.network, reason: String(error) })
        return
      }
      const [first = '', ...frames] = body.split('\n')
      const batch = Number(first)
      if (!/^\d+$/.test(first)) throw new Error(`a poll answer that does not start with a batch number: ${body.slice(0, 200)}`)
      if (batch <= ack) continue // an empty answer, or a batch already delivered
      ack = batch
      let bye: string | undefined
      for (const frame of frames) {
        onText?.(frame)
        bye ??= byeReason(frame)
      }
      // A server that says goodbye has ended the session: polling on would only find it gone.
      if (bye !== undefined) finish({ code: PollClose.ended, reason: bye })
    }
  }

  async function postOutbox() {
    await Promise.resolve() // frames sent in this tick join this POST
    while (outbox.length > 0 && state !== 'closed') {
      const body = outbox.join('\n')
      outbox = []
      posted += 1
      try {
        const response = await fetch(address({ n: posted }), {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'text/plain;charset=UTF-8' },
          body,
        })
        if (response.status !== 204) {
          finish(await refusal(response))
          break
        }
      } catch (error) {
        finish({ code: PollClose.network, reason: String(error) })
        break
      }
    }
    posting = undefined
  }

  return {
    transport: 'polling',
    sid,
    closed,
    listen(listener) {
      onText = listener
      void poll()
    },
    send(text) {
      if (state !== 'open') return // as a closing WebSocket: what is sent after close() is lost
      outbox.push(text)
      posting ??= postOutbox()
    },
    async flushed() {
      while (posting) await posting
    },
    async close() {
      if (state !== 'open') return closed
      state = 'closing'
      await posting // what was sent before close() still goes out, as on a WebSocket
      await fetch(address({}), { method: 'DELETE', headers }).catch(() => undefined) // a server already gone has ended it anyway
      finish({ code: PollClose.byClient, reason: '' })
      return closed
    },
  }
}

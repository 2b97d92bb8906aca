import { backoffDelay } from './backoff.js'
import type { Link, LinkHandlers, Transport } from './transport.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Network failures retried inside one poll session before the link is given up. */
const RETRIES = 4

/**
 * Long-polling links (see server/transport/polling.ts for the exchange). A failed request is
 * retried within the session first: the server keeps an unacknowledged batch and ignores a
 * POST number it has seen, so retries neither lose nor repeat frames.
 */
export function pollingTransport(fetchImpl: typeof fetch = (input, init) => fetch(input, init)): Transport {
  return {
    name: 'polling',
    connect(baseUrl: string, query: string, handlers: LinkHandlers): Link {
      const abort = new AbortController()
      const outgoing: string[] = []
      let sid: string | undefined
      let ack = 0
      let postNumber = 0
      let posting = false
      let done = false

      const url = (params: string) => `${baseUrl}/poll?${[query, params].filter(Boolean).join('&')}`
      const finish = () => {
        if (done) return
        done = true
        abort.abort()
        handlers.closed()
      }

      async function request(method: string, params: string, body?: string): Promise<Response> {
        for (let attempt = 0; ; attempt++) {
          try {
            const response = await fetchImpl(url(params), {
              method,
              signal: abort.signal,
              cache: 'no-store',
              ...(body === undefined ? {} : { body, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } }),
            })
            // An HTTP error is final (unknown or ended session); a network failure is retried.
            if (!response.ok) throw response.status
            return response
          } catch (error) {
            if (done || typeof error === 'number' || attempt >= RETRIES) throw error
            await sleep(backoffDelay(attempt, 250, 4000))
          }
        }
      }

      async function flush() {
        if (posting || sid === undefined || outgoing.length === 0 || done) return
        posting = true
        try {
          const body = outgoing.splice(0).join('\n')
          await request('POST', `sid=${sid}&n=${++postNumber}`, body)
          posting = false
          void flush()
        } catch {
          finish()
        }
      }

      async function run() {
        try {
          const opened = (await (await request('POST', '')).json()) as { sid: string }
          sid = opened.sid
          handlers.open()
          void flush()
          while (!done) {
            const text = await (await request('GET', `sid=${sid}&ack=${ack}`)).text()
            const [batch, ...frames] = text.split('\n')
            for (const frame of frames) if (!done && frame) handlers.frame(frame)
            const id = Number(batch)
            if (Number.isInteger(id)) ack = id
          }
        } catch {
          finish()
        }
      }
      void run()

      return {
        send(frame: string) {
          outgoing.push(frame)
          void flush()
        },
        close() {
          if (done) return
          done = true
          abort.abort()
          if (sid !== undefined) fetchImpl(url(`sid=${sid}`), { method: 'DELETE' }).catch(() => {})
        },
      }
    },
  }
}

/**
 * One attempt at one delivery: a signed POST to the receiver, which has `timeoutMs` to answer.
 * Any 2xx is success. Redirects are not followed: a signed body must reach the URL its owner
 * registered, not wherever an answer points.
 */
import type { DueDelivery } from '../store/store.js'
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js'

export const EVENT_HEADER = 'Parley-Event'
export const DELIVERY_HEADER = 'Parley-Delivery'

/** Enough of a refusal's body to show in the delivery log why the receiver said no. */
const ERROR_BODY_CHARS = 200

export type AttemptOutcome =
  | { delivered: true; responseStatus: number }
  | { delivered: false; responseStatus?: number; error: string }

export interface SendOptions {
  timeoutMs: number
  /** Aborts the attempt, as when the server stops; the caller then records nothing. */
  signal: AbortSignal
}

/** The start of a body, read no further than needed (a receiver's error page may be large). */
async function beginningOf(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  try {
    while (text.length < ERROR_BODY_CHARS) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } catch {
    // The body was cut short (the time ran out): what arrived will do.
  } finally {
    void reader.cancel().catch(() => {})
  }
  return text.slice(0, ERROR_BODY_CHARS).replace(/\s+/g, ' ').trim()
}

/** Why a request failed to get an answer, in a line an integrator can act on. */
function describeFailure(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`
  // fetch wraps the network error ("fetch failed"); its cause names it (ECONNREFUSED, ENOTFOUND…).
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  const reason = cause?.code ?? cause?.message ?? (error as Error).message
  return `could not reach the receiver: ${reason}`
}

export async function sendDelivery(delivery: DueDelivery, { timeoutMs, signal }: SendOptions): Promise<AttemptOutcome> {
  const timeout = AbortSignal.timeout(timeoutMs)
  try {
    const response = await fetch(delivery.url, {
      method: 'POST',
      body: delivery.payload,
      redirect: 'manual',
      signal: AbortSignal.any([signal, timeout]),
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Parley-Webhooks/1',
        [SIGNATURE_HEADER]: signatureHeader(delivery.secret, delivery.payload, Math.floor(Date.now() / 1000)),
        [EVENT_HEADER]: delivery.event,
        [DELIVERY_HEADER]: String(delivery.id),
      },
    })
    if (response.status >= 200 && response.status < 300) {
      // The body is not wanted; cancelling it frees the connection for the next delivery.
      void response.body?.cancel().catch(() => {})
      return { delivered: true, responseStatus: response.status }
    }
    const said = await beginningOf(response)
    const error = response.status >= 300 && response.status < 400
      ? `redirects are not followed: answer 2xx at the registered URL${response.headers.get('location') ? ` (pointed to ${response.headers.get('location')})` : ''}`
      : `answered ${response.status}${said ? `: ${said}` : ''}`
    return { delivered: false, responseStatus: response.status, error }
  } catch (error) {
    return { delivered: false, error: describeFailure(error, timeout.aborted, timeoutMs) }
  }
}

/**
 * How a receiver knows a delivery came from this Parley server and was not replayed later:
 * `Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the
 * webhook's secret. The time is signed with the body, so an old delivery cannot be re-sent
 * with a fresh time. Only node:crypto is used, so receivers can copy this file as it is.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'Parley-Signature'

/** Five minutes: room for clock drift between servers, too short to be worth replaying. */
export const DEFAULT_TOLERANCE_SECONDS = 300

function hmacHex(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')
}

/** The `Parley-Signature` value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, body: string | Uint8Array, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`
}

/**
 * Whether `header` signs `body` with `secret`, at a time no further than `toleranceSeconds`
 * from now. `body` must be the raw bytes received, before any JSON parsing. Never throws: a
 * missing or malformed header is simply not valid.
 *
 * @example
 * if (!verifyWebhookSignature(process.env.PARLEY_WEBHOOK_SECRET, req.headers['parley-signature'], rawBody)) return res.writeHead(400).end()
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  body: string | Uint8Array,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false
  let timestamp: number | undefined
  const signatures: string[] = []
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2)
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value)
    // Several v1 values are allowed, so that a sender may sign with two secrets at once.
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value)
  }
  if (timestamp === undefined || signatures.length === 0) return false
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex')
  // Constant-time comparison: the time taken must not tell an attacker how much of a guess was right.
  return signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected))
}

/**
 * How a dispatcher holds the deliveries it claimed, so that several nodes sharing one store
 * never send the same delivery at once: who it is, and for how long it holds a claim.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'

/**
 * Added to the receiver's time to answer: the store reads and writes around the request, a
 * busy event loop, and clocks of different nodes that disagree by a few seconds.
 */
const LEASE_MARGIN_MS = 30_000

/**
 * How long a claim lasts. It must outlast any attempt, or another node would send a delivery
 * still under way; it only runs out when the node holding it stopped without recording.
 *
 * @example deliveryLeaseMs(10_000) // 40 000
 */
export function deliveryLeaseMs(timeoutMs: number): number {
  return timeoutMs + LEASE_MARGIN_MS
}

/**
 * A name for one running dispatcher, unique even for two in one process: the host and process
 * say where to look when a lease stays behind, the random part tells restarts apart.
 *
 * @example newClaimant() // 'web-1/4242/9f3c1a2b'
 */
export function newClaimant(): string {
  return `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`
}

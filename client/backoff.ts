/**
 * Reconnect delays: exponential, capped, with full jitter, so that a server restart is not
 * met by every client at the same instant.
 *
 * @example backoffDelay(3) // somewhere in [0, 4000) ms
 */
export function backoffDelay(attempt: number, baseMs = 500, capMs = 30_000, random = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt))
}

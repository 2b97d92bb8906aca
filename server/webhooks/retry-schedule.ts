/**
 * When a failed delivery is tried again. The waits grow so that a receiver that is down for a
 * deploy gets its events within seconds, and one down for a day is not hammered meanwhile.
 */

/** Waits after the 1st, 2nd… failed attempt: 10 s, 30 s, 2 min, 10 min, 1 h, 6 h; then the delivery has failed. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [10_000, 30_000, 120_000, 600_000, 3_600_000, 21_600_000]

/** Each wait is stretched or shrunk by up to this fraction, so retries after an outage do not all arrive at once. */
const JITTER = 0.2

/**
 * The wait after attempt number `attempts` (from 1) failed, or `undefined` when it was the last.
 *
 * @example retryDelay(1, DEFAULT_RETRY_DELAYS_MS) // about 10 000
 */
export function retryDelay(attempts: number, delaysMs: readonly number[], random: () => number = Math.random): number | undefined {
  const base = delaysMs[attempts - 1]
  if (base === undefined) return undefined
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()))
}

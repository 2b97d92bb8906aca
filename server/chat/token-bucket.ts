/**
 * A per-connection token bucket. Written here rather than taken from a library because it
 * runs for every frame and must be synchronous and allocation-free; rate-limiter-flexible
 * (used for sign-in throttling) is promise-based and counts fixed windows.
 */
export function createTokenBucket(burst: number, perSecond: number, now: () => number = Date.now) {
  let tokens = burst
  let last = now()
  return function take(): boolean {
    const t = now()
    tokens = Math.min(burst, tokens + ((t - last) / 1000) * perSecond)
    last = t
    if (tokens < 1) return false
    tokens -= 1
    return true
  }
}

import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../client/backoff.js'

describe('reconnect backoff', () => {
  it('draws from [0, base·2^attempt): the random source picks where', () => {
    expect(backoffDelay(0, 500, 30_000, () => 0)).toBe(0)
    expect(backoffDelay(0, 500, 30_000, () => 0.5)).toBe(250)
    expect(backoffDelay(3, 500, 30_000, () => 0.5)).toBe(2000)
    // The top of the range is never reached: full jitter is [0, bound).
    expect(backoffDelay(3, 500, 30_000, () => 0.999_999)).toBe(3999)
  })

  it('doubles its bound with every attempt until the cap', () => {
    const highest = (attempt: number) => backoffDelay(attempt, 500, 30_000, () => 0.999_999) + 1
    expect([0, 1, 2, 3, 4, 5, 6].map(highest)).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000])
  })

  it('stays under the cap however many attempts have failed', () => {
    for (const attempt of [6, 10, 50, 1100, 5000]) {
      expect(backoffDelay(attempt, 500, 30_000, () => 0.999_999)).toBe(29_999)
    }
  })

  it('uses 500 ms doubling, capped at 30 s, and Math.random by default', () => {
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const bound = Math.min(30_000, 500 * 2 ** attempt)
      const draws = Array.from({ length: 200 }, () => backoffDelay(attempt))
      for (const delay of draws) {
        expect(Number.isInteger(delay)).toBe(true)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThan(bound)
      }
      // Jitter: two hundred draws from a range of 500 or more values are not all the same.
      expect(new Set(draws).size).toBeGreaterThan(1)
    }
  })
})

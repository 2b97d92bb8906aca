/**
 * Where request budgets are counted: in this process, or, with several nodes, in the shared
 * Redis, so that a client spreading its requests over the nodes gets one budget, not one each.
 */
import type { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible'

export interface RateLimitOptions {
  /** Names the budget's keys in Redis. */
  name: string
  points: number
  durationSeconds: number
}

export type RateLimiterFactory = (options: RateLimitOptions) => RateLimiterAbstract

export const localRateLimiters: RateLimiterFactory = ({ points, durationSeconds }) =>
  new RateLimiterMemory({ points, duration: durationSeconds })

export function redisRateLimiters(redis: Redis, prefix: string): RateLimiterFactory {
  return ({ name, points, durationSeconds }) =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}limit:${name}`,
      points,
      duration: durationSeconds,
      // While Redis is away, each node counts on its own rather than refusing everyone.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points, duration: durationSeconds }),
    })
}

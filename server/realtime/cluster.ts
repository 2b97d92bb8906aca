/**
 * What Parley nodes share, chosen once from the configuration: with `REDIS_URL`, a Redis that
 * carries events and keeps presence for every node; without it, this process's memory. The
 * chat logic and transports receive the parts and never learn which it is.
 */
import { Redis } from 'ioredis'
import type { Logger } from '../ops/logger.js'
import { localRateLimiters, redisRateLimiters, type RateLimiterFactory } from '../ops/rate-limits.js'
import type { AgentPresenceFactory } from './agent-presence.js'
import type { Bus } from './bus.js'
import { createLocalBus } from './local-bus.js'
import { createRedisAgentPresence } from './redis-agent-presence.js'
import { createRedisBus } from './redis-bus.js'
import { closeRedis } from './redis-connection.js'
import { createRedisVisitorPresence } from './redis-visitor-presence.js'
import type { VisitorPresenceFactory } from './visitor-presence.js'

export interface Cluster {
  bus: Bus
  /** A connection for commands to the shared Redis (keys, scripts, rate limits); none on a single node. */
  redis?: Redis
  /** Put before every Redis key of this deployment. */
  prefix: string
  /** Why this node cannot work with the others right now (Redis does not answer), if so. */
  problem(): Promise<string | undefined>
  /** Where request budgets (sign-in attempts, API calls) are counted. */
  rateLimiters: RateLimiterFactory
  /** Where presence is kept, for the chat service; what is left out stays in this process's memory. */
  presence: { createAgentPresence?: AgentPresenceFactory; createVisitorPresence?: VisitorPresenceFactory }
  close(): Promise<void>
}

export interface ClusterOptions {
  redisUrl: string
  redisPrefix: string
  logger: Logger
}

export function createCluster({ redisUrl, redisPrefix, logger }: ClusterOptions): Cluster {
  if (!redisUrl) {
    const bus = createLocalBus()
    return { bus, prefix: redisPrefix, presence: {}, rateLimiters: localRateLimiters, problem: async () => undefined, close: () => bus.close() }
  }
  const bus = createRedisBus({ url: redisUrl, logger, prefix: redisPrefix })
  const redis = new Redis(redisUrl, { connectionName: `${redisPrefix}commands` })
  redis.on('error', (error: Error) => logger.error({ err: error, component: 'cluster' }, 'redis connection error'))
  return {
    bus,
    redis,
    prefix: redisPrefix,
    rateLimiters: redisRateLimiters(redis, redisPrefix),
    async problem() {
      if (redis.status !== 'ready') return `redis connection is ${redis.status}`
      // ioredis would queue the PING until Redis is back: a health check must not wait that long.
      const late = new Promise<string>((resolve) => setTimeout(resolve, 1000, 'timed out').unref())
      const answer = await Promise.race([redis.ping().catch(() => 'failed'), late])
      return answer === 'PONG' ? undefined : `redis ping ${answer}`
    },
    // Every node sees the same agents and visitors (kept on the command connection: closed after the chat service).
    presence: {
      createAgentPresence: (options) => createRedisAgentPresence({ ...options, redis, prefix: redisPrefix, logger }),
      createVisitorPresence: (options) => createRedisVisitorPresence({ ...options, redis, prefix: redisPrefix, logger }),
    },
    async close() {
      await bus.close()
      await closeRedis(redis)
    },
  }
}

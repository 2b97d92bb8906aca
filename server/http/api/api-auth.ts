/**
 * REST API callers present an API token as `Authorization: Bearer pat_…`. Only its hash is
 * stored; a revoked or unknown token gets the same 401. Each token has its own request budget
 * per minute, so one busy integration cannot starve the others.
 */
import { createMiddleware } from 'hono/factory'
import { RateLimiterRes } from 'rate-limiter-flexible'
import { hashToken } from '../../auth/tokens.js'
import { localRateLimiters, type RateLimiterFactory } from '../../ops/rate-limits.js'
import type { Store } from '../../store/store.js'
import type { ApiToken } from '../../store/types.js'
import { apiError } from '../errors.js'

export interface ApiEnv {
  Variables: {
    token: ApiToken
    /** Sites the token may read and write (a token without sites: every site). */
    siteIds: number[]
  }
}

export function requireApiToken(store: Store, requestsPerMinute: number, rateLimiters: RateLimiterFactory = localRateLimiters) {
  const limiter = rateLimiters({ name: 'api-token', points: requestsPerMinute, durationSeconds: 60 })
  return createMiddleware<ApiEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    const token = match ? await store.getApiTokenByHash(hashToken(match[1]!)) : undefined
    if (!token) {
      c.header('WWW-Authenticate', 'Bearer realm="parley"')
      return apiError(c, 401, 'invalid_token', match ? 'the API token is unknown or revoked' : 'send an API token: Authorization: Bearer <token>')
    }
    try {
      const left = await limiter.consume(String(token.id))
      c.header('RateLimit-Limit', String(requestsPerMinute))
      c.header('RateLimit-Remaining', String(left.remainingPoints))
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal
      c.header('Retry-After', String(Math.ceil(refusal.msBeforeNext / 1000)))
      return apiError(c, 429, 'rate_limited', `more than ${requestsPerMinute} requests in a minute with this token; retry later`)
    }
    c.set('token', token)
    c.set('siteIds', token.siteIds.length > 0 ? token.siteIds : (await store.listSites()).map((site) => site.id))
    await next()
  })
}

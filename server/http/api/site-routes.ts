/** Sites the token may use, and their retention period. */
import { Hono } from 'hono'
import type { ApiDeps } from './api-deps.js'
import type { ApiEnv } from './api-auth.js'

export function siteRoutes(_deps: ApiDeps) {
  return new Hono<ApiEnv>()
}

/** Webhooks per site: create, change, delete, and their delivery log. */
import { Hono } from 'hono'
import type { ApiDeps } from './api-deps.js'
import type { ApiEnv } from './api-auth.js'

export function webhookRoutes(_deps: ApiDeps) {
  return new Hono<ApiEnv>()
}

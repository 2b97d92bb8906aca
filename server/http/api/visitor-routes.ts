/** Visitors: read one, erase one with everything of theirs (recorded in the audit log); the audit log itself. */
import { Hono } from 'hono'
import type { ApiDeps } from './api-deps.js'
import type { ApiEnv } from './api-auth.js'

export function visitorRoutes(_deps: ApiDeps) {
  return new Hono<ApiEnv>()
}

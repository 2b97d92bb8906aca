/** Administration: agents, sites, canned responses and API tokens (admins only). */
import { Hono } from 'hono'
import type { ConsoleEnv } from './console-auth.js'
import type { ConsoleApiDeps } from './console-deps.js'

export function adminRoutes(_deps: ConsoleApiDeps) {
  return new Hono<ConsoleEnv>()
}

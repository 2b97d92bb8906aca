/** Who a visitor is: their profile, where they are and their earlier conversations. */
import { Hono } from 'hono'
import type { ConsoleEnv } from './console-auth.js'
import type { ConsoleApiDeps } from './console-deps.js'

export function visitorRoutes(_deps: ConsoleApiDeps) {
  return new Hono<ConsoleEnv>()
}

/** The console's JSON API under /api/console: every route needs a signed-in agent. */
import { Hono } from 'hono'
import { adminRoutes } from './admin-routes.js'
import { requireAdmin, requireAgent, type ConsoleEnv } from './console-auth.js'
import type { ConsoleApiDeps } from './console-deps.js'
import { searchRoutes } from './search-routes.js'
import { visitorRoutes } from './visitor-routes.js'

export function consoleApi(deps: ConsoleApiDeps) {
  const api = new Hono<ConsoleEnv>()
  api.use('*', requireAgent(deps.auth, deps.service.siteIdsOf))
  api.use('/admin/*', requireAdmin)
  api.route('/admin', adminRoutes(deps))
  api.route('/', searchRoutes(deps))
  api.route('/', visitorRoutes(deps))
  return api
}

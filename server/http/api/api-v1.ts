/**
 * The public REST API, versioned under /api/v1. Every route takes a bearer API token; the
 * OpenAPI 3.1 document at /api/v1/openapi.json is generated from the routes' own schemas.
 */
import { Hono } from 'hono'
import { openAPIRouteHandler } from 'hono-openapi'
import { requireApiToken, type ApiEnv } from './api-auth.js'
import type { ApiDeps } from './api-deps.js'
import { conversationRoutes } from './conversation-routes.js'
import { exportRoutes } from './export-routes.js'
import { siteRoutes } from './site-routes.js'
import { visitorRoutes } from './visitor-routes.js'
import { webhookRoutes } from './webhook-routes.js'

export function apiV1(deps: ApiDeps) {
  const routes = new Hono<ApiEnv>()
  routes.use('*', requireApiToken(deps.store, deps.config.apiRatePerMinute, deps.rateLimiters))
  routes.route('/', conversationRoutes(deps))
  routes.route('/', exportRoutes(deps))
  routes.route('/', visitorRoutes(deps))
  routes.route('/', webhookRoutes(deps))
  routes.route('/', siteRoutes(deps))

  const api = new Hono()
  api.get('/openapi.json', openAPIRouteHandler(routes, {
    // Our validation failures are 422s, described on each route; not the library's generic 400.
    defaultValidationErrorResponse: false,
    documentation: {
      openapi: '3.1.0',
      info: {
        title: 'Parley REST API',
        version: '1',
        description: 'Conversations, transcripts, exports, visitors and webhooks of a Parley server. See docs/api.md.',
      },
      servers: [{ url: `${deps.config.publicUrl}/api/v1` }],
      components: { securitySchemes: { apiToken: { type: 'http', scheme: 'bearer', description: 'An API token (pat_…) made in the console or with `parley create-token`' } } },
      security: [{ apiToken: [] }],
    },
  }))
  api.route('/', routes)
  return api
}

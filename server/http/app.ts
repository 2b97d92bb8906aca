/** The HTTP surface of Parley, as a Hono app built from what it needs. */
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AgentAuth } from '../auth/agent-auth.js'
import type { Logger } from '../ops/logger.js'
import type { Metrics } from '../ops/metrics.js'
import type { Store } from '../store/store.js'
import { authRoutes } from './auth-routes.js'
import { apiError } from './errors.js'

export interface AppOptions {
  store: Store
  auth: AgentAuth
  metrics: Metrics
  logger: Logger
  publicUrl: string
  /** Flipped on shutdown so that load balancers stop sending traffic. */
  isShuttingDown: () => boolean
  /** What keeps this node from serving with the others (its Redis is unreachable), if anything. */
  sharedStateProblem?: () => Promise<string | undefined>
}

export function createApp({ store, auth, metrics, logger, publicUrl, isShuttingDown, sharedStateProblem }: AppOptions) {
  const app = new Hono()

  app.onError((error, c) => {
    if (error instanceof HTTPException && error.status < 500) {
      return apiError(c, error.status as 400, 'bad_request', error.message)
    }
    logger.error({ err: error, path: c.req.path }, 'request failed')
    return apiError(c, 500, 'internal', 'the server failed to answer this request')
  })
  app.notFound((c) => apiError(c, 404, 'not_found', `nothing at ${c.req.method} ${c.req.path}`))

  app.get('/healthz', async (c) => {
    if (isShuttingDown()) return c.json({ status: 'shutting_down' }, 503)
    await store.countAgents() // proves the database answers
    const problem = await sharedStateProblem?.()
    // A node cut off from the others would take chats its agents never hear of: out of rotation.
    if (problem) return c.json({ status: 'unavailable', problem }, 503)
    return c.json({ status: 'ok' })
  })

  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType)
    return c.body(await metrics.registry.metrics())
  })

  app.route('/api/auth', authRoutes(auth, { secureCookies: publicUrl.startsWith('https:') }))
  return app
}

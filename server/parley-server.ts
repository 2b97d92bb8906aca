/**
 * Puts a Parley process together: store, bus, chat service, HTTP app, transports. The one
 * place that opens ports; everything it builds receives what it needs as arguments.
 */
import { serve, type ServerType } from '@hono/node-server'
import type { Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { getCookie } from 'hono/cookie'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createClientDecoder, type Limits } from '../protocol/index.js'
import { SESSION_COOKIE, createAgentAuth } from './auth/agent-auth.js'
import { createChatService } from './chat/chat-service.js'
import { openChatSession } from './chat/chat-session.js'
import type { Config } from './config.js'
import { createApp } from './http/app.js'
import { clientAddress } from './http/client-address.js'
import { apiError } from './http/errors.js'
import { apiV1 } from './http/api/api-v1.js'
import { consoleApi } from './http/console/console-api.js'
import { consoleRoutes } from './http/console-routes.js'
import { widgetRoutes } from './http/widget-routes.js'
import { siteOriginGuard, widgetCors, type SiteVariables } from './http/origin-guard.js'
import type { Logger } from './ops/logger.js'
import { createMetrics } from './ops/metrics.js'
import { startRetention } from './ops/retention.js'
import { startWebhooks } from './webhooks/index.js'
import { createConnectionRegistry } from './realtime/connections.js'
import { createCluster, type Cluster } from './realtime/cluster.js'
import type { Store } from './store/store.js'
import { CloseCode, type ConnectionInfo, type Peer } from './transport/peer.js'
import { createPollingTransport } from './transport/polling.js'
import { createPollRelay } from './transport/poll-relay.js'
import { createWebSocketTransport } from './transport/websocket.js'

/** Longest a stop waits for polling clients to collect their goodbye. */
const POLL_DRAIN_MS = 1_500

export interface ParleyServer {
  url: string
  port: number
  store: Store
  /** Stops accepting, tells clients to reconnect, and closes the store. */
  stop(): Promise<void>
}

export interface ParleyDeps {
  store: Store
  logger: Logger
  /** What nodes share; by default chosen from the configuration (tests bring their own bus). */
  cluster?: Cluster
}

export async function startParley(config: Config, { store, logger, cluster: given }: ParleyDeps): Promise<ParleyServer> {
  const metrics = createMetrics()
  metrics.countQueuedWith(async () => (await store.listQueued((await store.listSites()).map((site) => site.id), 100_000)).length)
  const cluster = given ?? createCluster({ redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, logger })
  const { bus } = cluster
  const auth = createAgentAuth({ store, sessionTtlMs: config.sessionTtlMs, loginAttempts: config.loginAttempts, rateLimiters: cluster.rateLimiters })
  const service = createChatService({
    store, bus, logger, metrics, agentGraceMs: config.agentGraceMs, visitorGraceMs: config.visitorGraceMs, reopenWindowMs: config.reopenWindowMs,
    ...cluster.presence,
  })
  const connections = createConnectionRegistry(config.heartbeatMs)
  // Events published while this node was cut off from the others are lost to its connections.
  bus.onGap(() => {
    logger.warn({ connections: connections.size }, 'events may have been missed: every client reconnects and catches up')
    connections.reconnectAll('catching up after a network problem', CloseCode.restart)
  })
  const limits: Limits = { maxTextLength: config.maxTextLength, maxFrameBytes: config.maxFrameBytes, heartbeatMs: config.heartbeatMs }
  const decode = createClientDecoder(limits)
  let shuttingDown = false

  const app = createApp({ store, auth, metrics, logger, publicUrl: config.publicUrl, isShuttingDown: () => shuttingDown, sharedStateProblem: cluster.problem })
  function describeConnection(c: Context): ConnectionInfo {
    const site = (c as Context<{ Variables: SiteVariables }>).get('site')
    return {
      site,
      // Widget connections never carry an agent's session, whatever cookies the browser adds.
      sessionToken: site ? undefined : getCookie(c, SESSION_COOKIE),
      clientAddress: clientAddress(c),
      userAgent: c.req.header('user-agent'),
    }
  }
  const openSession = (peer: Peer, info: ConnectionInfo) => openChatSession(peer, info, sessionDeps)
  const sessionDeps = {
    service, store, bus, auth, connections, decode, limits, logger, metrics,
    rate: { burst: config.rateBurst, perSecond: config.ratePerSecond },
  }
  const websocket = createWebSocketTransport({
    app,
    maxFrameBytes: config.maxFrameBytes,
    heartbeatMs: config.heartbeatMs,
    sendBufferBytes: config.sendBufferBytes,
    metrics,
    describe: describeConnection,
    openSession,
  })
  const polling = createPollingTransport({
    waitMs: config.pollWaitMs,
    maxBodyBytes: config.maxFrameBytes * 4,
    sendBufferBytes: config.sendBufferBytes,
    metrics,
    describe: describeConnection,
    openSession,
    // Several nodes: a poll request may land on any of them.
    relay: config.redisUrl ? createPollRelay(bus) : undefined,
  })
  await polling.listen()
  app.route('/', widgetRoutes({ store, publicUrl: config.publicUrl }))
  app.route('/', consoleRoutes())
  app.route('/api/v1', apiV1({ store, service, logger, config, rateLimiters: cluster.rateLimiters }))
  app.route('/api/console', consoleApi({ store, auth, service, bus, connections, logger, publicUrl: config.publicUrl }))
  const guard = siteOriginGuard(store, config.publicUrl)
  app.get('/ws', guard, async (c, next) => {
    if (shuttingDown) return apiError(c, 503, 'shutting_down', 'the server is restarting: try again shortly')
    await next()
  }, websocket.handler)
  app.use('/poll', guard, widgetCors(), bodyLimit({
    maxSize: config.maxFrameBytes * 4,
    onError: (c) => apiError(c, 413, 'too_large', `request body is larger than ${config.maxFrameBytes * 4} bytes`),
  }))
  app.post('/poll', (c) => {
    if (c.req.query('sid') !== undefined) return polling.post(c)
    if (shuttingDown) return apiError(c, 503, 'shutting_down', 'the server is restarting: try again shortly')
    return polling.open(c)
  })
  app.get('/poll', (c) => polling.get(c))
  app.delete('/poll', (c) => polling.remove(c))

  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(started))
  })
  websocket.injectWebSocket(server)
  await service.resumePresence()

  const port = (server.address() as AddressInfo).port
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  logger.info({ url, publicUrl: config.publicUrl }, 'parley is listening')
  const retention = startRetention({ store, logger, intervalMs: config.retentionIntervalMs })
  const webhooks = startWebhooks({ store, service, logger, timeoutMs: config.webhookTimeoutMs, retryDelaysMs: config.webhookRetryDelaysMs })

  let stopping: Promise<void> | undefined
  return {
    url,
    port,
    store,
    stop() {
      stopping ??= (async () => {
        shuttingDown = true
        connections.sayGoodbye('server restarting', CloseCode.restart)
        websocket.close()
        // Polling clients fetch their goodbye with their next request: keep listening for it.
        await polling.drain(POLL_DRAIN_MS)
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        polling.close()
        await service.shutdown()
        await cluster.close()
        // Answers just sent leave kept-alive connections idle: close them now, not in 2 s.
        await new Promise((resolve) => setImmediate(resolve))
        ;(server as Server).closeIdleConnections()
        const forced = setTimeout(() => (server as Server).closeAllConnections(), 2000)
        await closed
        clearTimeout(forced)
        // Once no request can commit anything more: every event committed has been queued.
        await webhooks.stop()
        await retention.stop()
        await store.close()
        logger.info('parley stopped')
      })()
      return stopping
    },
  }
}

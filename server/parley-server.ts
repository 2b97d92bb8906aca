/**
 * Puts a Parley process together: store, bus, chat service, HTTP app, transports. The one
 * place that opens ports; everything it builds receives what it needs as arguments.
 */
import { serve, type ServerType } from '@hono/node-server'
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
import { siteOriginGuard, type SiteVariables } from './http/origin-guard.js'
import type { Logger } from './ops/logger.js'
import { createMetrics } from './ops/metrics.js'
import { createConnectionRegistry } from './realtime/connections.js'
import { createLocalBus } from './realtime/local-bus.js'
import type { Store } from './store/store.js'
import { CloseCode, type ConnectionInfo } from './transport/peer.js'
import { createWebSocketTransport } from './transport/websocket.js'

export interface ParleyServer {
  url: string
  port: number
  store: Store
  /** Stops accepting, tells clients to reconnect, and closes the store. */
  stop(): Promise<void>
}

export async function startParley(config: Config, { store, logger }: { store: Store; logger: Logger }): Promise<ParleyServer> {
  const metrics = createMetrics()
  const bus = createLocalBus()
  const auth = createAgentAuth({ store, sessionTtlMs: config.sessionTtlMs, loginAttempts: config.loginAttempts })
  const service = createChatService({
    store, bus, logger, metrics, agentGraceMs: config.agentGraceMs, reopenWindowMs: config.reopenWindowMs,
  })
  const connections = createConnectionRegistry(config.heartbeatMs)
  const limits: Limits = { maxTextLength: config.maxTextLength, maxFrameBytes: config.maxFrameBytes, heartbeatMs: config.heartbeatMs }
  const decode = createClientDecoder(limits)
  let shuttingDown = false

  const app = createApp({ store, auth, metrics, logger, publicUrl: config.publicUrl, isShuttingDown: () => shuttingDown })
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
    describe: (c): ConnectionInfo => ({
      site: (c as unknown as { get(key: 'site'): SiteVariables['site'] }).get('site'),
      sessionToken: getCookie(c, SESSION_COOKIE),
      clientAddress: clientAddress(c),
      userAgent: c.req.header('user-agent'),
    }),
    openSession: (peer, info) => openChatSession(peer, info, sessionDeps),
  })
  app.get('/ws', siteOriginGuard(store, config.publicUrl), websocket.handler)

  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(started))
  })
  websocket.injectWebSocket(server)
  await service.resumePresence()

  const port = (server.address() as AddressInfo).port
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  logger.info({ url, publicUrl: config.publicUrl }, 'parley is listening')

  let stopping: Promise<void> | undefined
  return {
    url,
    port,
    store,
    stop() {
      stopping ??= (async () => {
        shuttingDown = true
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        connections.sayGoodbye('server restarting', CloseCode.restart)
        websocket.close()
        await service.shutdown()
        await bus.close()
        ;(server as Server).closeIdleConnections()
        const forced = setTimeout(() => (server as Server).closeAllConnections(), 2000)
        await closed
        clearTimeout(forced)
        await store.close()
        logger.info('parley stopped')
      })()
      return stopping
    },
  }
}

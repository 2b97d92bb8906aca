/**
 * Browsers send `Origin` on WebSocket upgrades and cross-origin requests but apply no CORS to
 * WebSockets, so without this check any web page could open a chat connection as its visitor
 * (cross-site WebSocket hijacking). Clients that are not browsers send no Origin; they could
 * claim any, so the check would not stop them, and they are let through.
 */
import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import type { Store } from '../store/store.js'
import type { Site } from '../store/types.js'
import { apiError } from './errors.js'

export function normalizeOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin)
    return url.origin === 'null' ? undefined : url.origin
  } catch {
    return undefined
  }
}

export function isOriginAllowed(site: Site, origin: string): boolean {
  if (site.allowedOrigins.includes('*')) return true
  const normalized = normalizeOrigin(origin)
  return normalized !== undefined && site.allowedOrigins.some((allowed) => normalizeOrigin(allowed) === normalized)
}

export type SiteVariables = { site?: Site }

/**
 * `?site=KEY` requests come from the widget on a customer's page: their Origin must be one of
 * the site's allowed origins. Requests without a site key are the console's: their Origin
 * must be Parley's own.
 */
export function siteOriginGuard(store: Store, publicUrl: string): MiddlewareHandler<{ Variables: SiteVariables }> {
  const ownOrigin = normalizeOrigin(publicUrl)
  return async function checkSiteOrigin(c, next) {
    const origin = c.req.header('origin')
    const key = c.req.query('site')
    if (key !== undefined) {
      const site = await store.getSiteByKey(key)
      if (!site) return apiError(c, 404, 'unknown_site', `no site has the key "${key.slice(0, 64)}"`)
      if (origin !== undefined && !isOriginAllowed(site, origin)) {
        return apiError(c, 403, 'origin_not_allowed', `origin ${origin.slice(0, 200)} is not allowed for this site`)
      }
      c.set('site', site)
    } else if (origin !== undefined && normalizeOrigin(origin) !== ownOrigin) {
      return apiError(c, 403, 'origin_not_allowed', `origin ${origin.slice(0, 200)} may not open agent connections`)
    }
    await next()
  }
}

/**
 * CORS for the widget's HTTP calls. It runs after `siteOriginGuard`, so an origin that
 * reaches it is allowed: it is echoed back (never `*`, which would also serve other sites).
 * Agents' requests come from Parley's own origin and need none.
 */
export function widgetCors(): MiddlewareHandler<{ Variables: SiteVariables }> {
  const allow = cors({
    origin: (origin) => origin,
    allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Content-Type'],
    maxAge: 600,
  })
  return async function corsForWidget(c, next) {
    if (c.get('site') && c.req.header('origin')) return allow(c, next)
    await next()
  }
}

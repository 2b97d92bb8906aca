/** Sites the token may use, and their retention period. */
import { Hono } from 'hono'
import { describeRoute, resolver } from 'hono-openapi'
import * as v from 'valibot'
import type { Site } from '../../store/types.js'
import { apiError } from '../errors.js'
import type { ApiDeps } from './api-deps.js'
import type { ApiEnv } from './api-auth.js'
import { apiValidator } from './api-validator.js'

/** Ten years: longer is "for good", which is `null`. */
const MAX_RETENTION_DAYS = 3650

const retentionDays = v.nullable(v.pipe(
  v.number('must be a number of days or null'),
  v.integer('must be a whole number of days'),
  v.minValue(1, 'must be at least 1 day'),
  v.maxValue(MAX_RETENTION_DAYS, `must be at most ${MAX_RETENTION_DAYS} days`),
  v.description(`Closed conversations closed more than this many days ago are erased on schedule; null keeps them for good`),
))

/** Only the retention period is changed through the API; the rest belongs to the console. */
const retentionPatch = v.strictObject({ retentionDays }, 'must be { "retentionDays": days or null } and nothing else')

/** A site as an integration sees it: never its identity secret. */
const siteSchema = v.object({
  id: v.number(),
  name: v.string(),
  key: v.pipe(v.string(), v.description('The public key the embed snippet names')),
  allowedOrigins: v.pipe(v.array(v.string()), v.description('Origins allowed to embed the widget, or "*"')),
  retentionDays,
  createdAt: v.pipe(v.string(), v.description('ISO 8601, UTC')),
})

const siteView = (site: Site): v.InferOutput<typeof siteSchema> => ({
  id: site.id,
  name: site.name,
  key: site.key,
  allowedOrigins: site.allowedOrigins,
  retentionDays: site.retentionDays ?? null,
  createdAt: new Date(site.createdAt).toISOString(),
})

/** Ids in paths are digits; anything else is no site at all (404). */
const ID = ':id{[0-9]{1,15}}'

export function siteRoutes({ store, logger }: ApiDeps) {
  const app = new Hono<ApiEnv>()

  app.get('/sites', describeRoute({
    tags: ['Sites'],
    summary: 'The sites this token may use',
    responses: {
      200: { description: 'The sites, by id', content: { 'application/json': { schema: resolver(v.object({ sites: v.array(siteSchema) })) } } },
      401: { description: 'No API token, or an unknown or revoked one' },
      429: { description: 'Too many requests with this token this minute' },
    },
  }), async (c) => {
    const sites = (await store.listSites()).filter((site) => c.var.siteIds.includes(site.id))
    return c.json({ sites: sites.map(siteView) })
  })

  app.patch(`/sites/${ID}`, describeRoute({
    tags: ['Sites'],
    summary: 'Set how long a site keeps closed conversations',
    description: 'The change is recorded in the audit log. Conversations past the new period are erased at the next scheduled run.',
    responses: {
      200: { description: 'The site as changed', content: { 'application/json': { schema: resolver(v.object({ site: siteSchema })) } } },
      401: { description: 'No API token, or an unknown or revoked one' },
      404: { description: 'No site with that id among the token\'s sites' },
      422: { description: 'retentionDays is not a whole number from 1 to 3650 or null, or another field was sent' },
      429: { description: 'Too many requests with this token this minute' },
    },
  }), apiValidator('json', retentionPatch), async (c) => {
    const id = Number(c.req.param('id'))
    // Another site's id gets the same answer as a missing one, so ids cannot be probed.
    const site = c.var.siteIds.includes(id) ? await store.getSite(id) : undefined
    if (!site) return apiError(c, 404, 'not_found', `no site has the id ${id}`)
    const { retentionDays: days } = c.req.valid('json')
    const updated = await store.updateSite(id, { retentionDays: days })
    if (!updated) return apiError(c, 404, 'not_found', `no site has the id ${id}`)
    const before = site.retentionDays ?? null
    if (before !== days) {
      // Shortening the period erases data at the next run: who did it should be on record.
      await store.recordAudit({
        at: Date.now(), actor: `token:${c.var.token.id}`, action: 'retention.changed', siteId: id, subject: `site:${id}`,
        details: { retentionDays: days, previous: before },
      })
      logger.info({ siteId: id, retentionDays: days, previous: before, tokenId: c.var.token.id }, 'retention period changed')
    }
    return c.json({ site: siteView(updated) })
  })

  return app
}

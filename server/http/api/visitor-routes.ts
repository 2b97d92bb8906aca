/**
 * Visitors: read one, erase one with everything of theirs (recorded in the audit log); the
 * audit log itself. Another site's visitor gets the same 404 as a missing one, so that ids
 * cannot be probed.
 */
import { Hono, type Context } from 'hono'
import { describeRoute, resolver } from 'hono-openapi'
import * as v from 'valibot'
import type { Store } from '../../store/store.js'
import type { Visitor } from '../../store/types.js'
import { apiError } from '../errors.js'
import type { ApiDeps } from './api-deps.js'
import type { ApiEnv } from './api-auth.js'
import { apiValidator } from './api-validator.js'
import { countParam } from './conversation-params.js'
import {
  auditEntrySchema, toAuditEntryView, toVisitorConversationView, toVisitorView, visitorConversationSchema, visitorSchema,
} from './visitor-views.js'

/** Ids in paths are digits; anything else is no visitor at all (404). */
const ID = ':id{[0-9]{1,15}}'

/** Conversations shown with a visitor; GET /conversations?visitor= pages through any number. */
const VISITOR_CONVERSATIONS = 100

/** Conversations counted per store call before an erasure. */
const COUNT_PAGE = 1000

const auditQuery = v.object({
  limit: countParam(1, 200, 50, 'Entries per page'),
  before: v.optional(v.pipe(
    v.string(),
    v.regex(/^\d{1,15}$/, 'must be an entry id'),
    v.transform(Number),
    v.description('Only entries older than this one: the previous page\'s `next`'),
  )),
})

const errorResponses = {
  401: { description: 'No API token, or an unknown or revoked one' },
  429: { description: 'Too many requests with this token this minute (see Retry-After)' },
}

/** How many conversations a visitor has, counted page by page. */
async function countConversationsOf(store: Store, visitor: Visitor): Promise<number> {
  let count = 0
  let before: { createdAt: number; id: number } | undefined
  for (;;) {
    const page = await store.listConversations({ siteIds: [visitor.siteId], visitorId: visitor.id, ...(before ? { before } : {}) }, COUNT_PAGE)
    count += page.length
    const last = page.at(-1)
    if (page.length < COUNT_PAGE || !last) return count
    before = { createdAt: last.createdAt, id: last.id }
  }
}

export function visitorRoutes({ store, service, logger }: ApiDeps) {
  const app = new Hono<ApiEnv>()

  /** The visitor of the path, if they are on one of the token's sites. */
  async function visibleVisitor(c: Context<ApiEnv>): Promise<Visitor | undefined> {
    const visitor = await store.getVisitor(Number(c.req.param('id')))
    return visitor && c.var.siteIds.includes(visitor.siteId) ? visitor : undefined
  }
  const notFound = (c: Context<ApiEnv>) => apiError(c, 404, 'not_found', `no visitor has the id ${c.req.param('id')}`)

  app.get(`/visitors/${ID}`, describeRoute({
    tags: ['Visitors'],
    summary: 'A visitor\'s profile and conversations',
    description: `The profile as Parley knows it and the visitor's latest ${VISITOR_CONVERSATIONS} conversations, newest first (GET /conversations?visitor={id} lists them all).`,
    responses: {
      200: {
        description: 'The visitor',
        content: { 'application/json': { schema: resolver(v.object({ visitor: visitorSchema, conversations: v.array(visitorConversationSchema) })) } },
      },
      ...errorResponses,
      404: { description: 'No visitor with that id among the token\'s sites' },
    },
  }), async (c) => {
    const visitor = await visibleVisitor(c)
    if (!visitor) return notFound(c)
    const conversations = await store.listConversations({ siteIds: [visitor.siteId], visitorId: visitor.id }, VISITOR_CONVERSATIONS)
    return c.json({ visitor: toVisitorView(visitor), conversations: conversations.map(toVisitorConversationView) })
  })

  app.delete(`/visitors/${ID}`, describeRoute({
    tags: ['Visitors'],
    summary: 'Erase a visitor and everything of theirs',
    description: [
      'For a data-protection request: the visitor, their conversations and messages and the search index',
      'entries of those messages are deleted for good. The erasure is recorded in the audit log under this',
      'token, with the number of conversations and none of the erased data. A widget of theirs still open',
      'is told to reconnect, and starts afresh as a new visitor.',
    ].join('\n'),
    responses: {
      204: { description: 'Erased' },
      ...errorResponses,
      404: { description: 'No visitor with that id among the token\'s sites (or erased already)' },
    },
  }), async (c) => {
    const visitor = await visibleVisitor(c)
    if (!visitor) return notFound(c)
    const conversations = await countConversationsOf(store, visitor)
    // Someone else's erasure may have won the race: then this one did nothing to record.
    if (!(await store.deleteVisitor(visitor.id))) return notFound(c)
    await store.recordAudit({
      at: Date.now(),
      actor: `token:${c.var.token.id}`,
      action: 'visitor.erased',
      siteId: visitor.siteId,
      subject: `visitor:${visitor.id}`,
      details: { conversations },
    })
    service.visitorErased(visitor)
    logger.info({ tokenId: c.var.token.id, visitorId: visitor.id, siteId: visitor.siteId, conversations }, 'visitor erased')
    return c.body(null, 204)
  })

  app.get('/audit', describeRoute({
    tags: ['Audit'],
    summary: 'The audit log, newest first',
    description: 'Erasures, retention changes and scheduled purges on the token\'s sites (a token for every site also sees entries of no site).',
    responses: {
      200: {
        description: 'A page of entries',
        content: {
          'application/json': {
            schema: resolver(v.object({
              entries: v.array(auditEntrySchema),
              next: v.pipe(v.nullable(v.number()), v.description('Pass it as `before` for older entries; null on the last page')),
            })),
          },
        },
      },
      ...errorResponses,
      422: { description: 'limit or before is invalid' },
    },
  }), apiValidator('query', auditQuery), async (c) => {
    const { limit, before } = c.req.valid('query')
    // A token for every site sees every entry, those of no site included.
    const siteIds = c.var.token.siteIds.length > 0 ? c.var.siteIds : undefined
    const page = await store.listAudit({ ...(siteIds ? { siteIds } : {}), limit: limit + 1, ...(before === undefined ? {} : { beforeId: before }) })
    const shown = page.slice(0, limit)
    const last = shown.at(-1)
    return c.json({ entries: shown.map(toAuditEntryView), next: page.length > limit && last ? last.id : null })
  })

  return app
}

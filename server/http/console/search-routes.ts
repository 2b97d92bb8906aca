/**
 * Transcript search, canned responses for the composer, transcripts to download and older
 * conversations, for the sites the signed-in agent serves (`c.var.siteIds`). Another site's
 * conversation gets the same 404 as a missing one, so that ids cannot be probed.
 */
import { Hono, type Context } from 'hono'
import * as v from 'valibot'
import { toChatEvent } from '../../chat/views.js'
import { decodeCursor, encodeCursor } from '../../export/conversation-cursor.js'
import { isTimeZone } from '../../export/iso-time.js'
import { renderTranscript, TRANSCRIPT_FORMATS } from '../../export/transcript.js'
import { transcriptSourceOf } from '../../export/transcript-source.js'
import type { Conversation } from '../../store/types.js'
import { apiError } from '../errors.js'
import { validate } from '../validate.js'
import type { ConsoleEnv } from './console-auth.js'
import type { ConsoleApiDeps } from './console-deps.js'

/** A whole number in a query string, between `min` and `max`, `fallback` when absent. */
const countParam = (min: number, max: number, fallback: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/, `must be a whole number from ${min} to ${max}`),
      v.transform(Number),
      v.minValue(min, `must be at least ${min}`),
      v.maxValue(max, `must be at most ${max}`),
    ),
    String(fallback),
  )

const flagParam = (fallback: '0' | '1') =>
  v.pipe(v.optional(v.picklist(['0', '1'], 'must be 0 or 1'), fallback), v.transform((flag) => flag === '1'))

const searchQuery = v.object({
  // Longer than any message can be is no search anyone typed.
  q: v.pipe(v.optional(v.string('must be given once'), ''), v.trim(), v.maxLength(200, 'must be at most 200 characters')),
  limit: countParam(1, 50, 20),
})

const transcriptQuery = v.object({
  format: v.optional(v.picklist(TRANSCRIPT_FORMATS, `must be one of ${TRANSCRIPT_FORMATS.join(', ')}`), 'txt'),
  bom: flagParam('0'),
  // The console is for agents, whose notes belong in their copy; the REST API leaves them out.
  notes: flagParam('1'),
  tz: v.optional(v.pipe(v.string(), v.check(isTimeZone, 'must be an IANA time zone such as Europe/Paris')), 'UTC'),
})

const conversationsQuery = v.object({
  status: v.optional(v.picklist(['queued', 'assigned', 'closed'], 'must be queued, assigned or closed')),
  before: v.optional(v.pipe(
    v.string(),
    v.transform(decodeCursor),
    v.check((cursor) => cursor !== undefined, 'must be the next cursor of an earlier page'),
  )),
  limit: countParam(1, 100, 25),
})

/** Ids in paths are digits; anything else is no conversation at all (404). */
const ID = ':id{[0-9]{1,15}}'

const notFound = (c: Context) => apiError(c, 404, 'not_found', `no conversation has the id ${c.req.param('id')}`)

export function searchRoutes({ store, service }: ConsoleApiDeps) {
  /** The conversation, if the agent's sites include it. */
  async function visibleConversation(c: Context<ConsoleEnv>): Promise<Conversation | undefined> {
    const conversation = await store.getConversation(Number(c.req.param('id')))
    return conversation && c.var.siteIds.includes(conversation.siteId) ? conversation : undefined
  }

  const app = new Hono<ConsoleEnv>()

  app.get('/search', validate('query', searchQuery), async (c) => {
    const { q, limit } = c.req.valid('query')
    const found = await store.searchMessages({ siteIds: c.var.siteIds, text: q, limit })
    const siteNames = new Map((await store.listSites()).map((site) => [site.id, site.name]))
    // Several hits often share a conversation: each summary is built once.
    const summaries = new Map<number, ReturnType<typeof service.summaryOf>>()
    const summaryOf = (conversation: Conversation) => {
      if (!summaries.has(conversation.id)) summaries.set(conversation.id, service.summaryOf(conversation))
      return summaries.get(conversation.id)!
    }
    const hits = []
    for (const hit of found) {
      const conversation = await store.getConversation(hit.message.conversationId)
      if (!conversation) continue
      hits.push({
        conversation: await summaryOf(conversation),
        site: { id: hit.siteId, name: siteNames.get(hit.siteId) ?? `Site #${hit.siteId}` },
        message: toChatEvent(hit.message),
        snippet: hit.snippet,
      })
    }
    return c.json({ hits })
  })

  app.get('/canned', async (c) => {
    return c.json({ canned: await store.listCannedResponses(c.var.siteIds) })
  })

  app.get(`/conversations/${ID}/transcript`, validate('query', transcriptQuery), async (c) => {
    const conversation = await visibleConversation(c)
    const source = conversation && (await transcriptSourceOf(store, conversation))
    if (!source) return notFound(c)
    const { format, bom, notes, tz } = c.req.valid('query')
    const file = renderTranscript(source, format, { includeNotes: notes, timeZone: tz, bom })
    c.header('Content-Type', file.contentType)
    c.header('Content-Disposition', `attachment; filename="${file.fileName}"`)
    c.header('X-Content-Type-Options', 'nosniff')
    return c.body(file.body)
  })

  app.get('/conversations', validate('query', conversationsQuery), async (c) => {
    const { status, before, limit } = c.req.valid('query')
    // One more than asked says whether another page follows.
    const page = await store.listConversations({
      siteIds: c.var.siteIds,
      ...(status ? { statuses: [status] } : {}),
      ...(before ? { before } : {}),
    }, limit + 1)
    const shown = page.slice(0, limit)
    const last = shown[shown.length - 1]
    return c.json({
      conversations: await Promise.all(shown.map((conversation) => service.summaryOf(conversation))),
      ...(page.length > limit && last ? { next: encodeCursor(last) } : {}),
    })
  })

  return app
}

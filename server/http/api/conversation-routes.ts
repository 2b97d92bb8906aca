/**
 * Conversations and their messages: list, read, transcripts, and writing into them from a
 * business's own backend. Another site's conversation gets the same 404 as a missing one, so
 * that ids cannot be probed.
 */
import { Hono, type Context } from 'hono'
import { describeRoute, resolver } from 'hono-openapi'
import * as v from 'valibot'
import type { ApiAuthor } from '../../chat/chat-service.js'
import { encodeCursor } from '../../export/conversation-cursor.js'
import { isTimeZone } from '../../export/iso-time.js'
import { renderTranscript, TRANSCRIPT_FORMATS } from '../../export/transcript.js'
import { transcriptSourceOf } from '../../export/transcript-source.js'
import type { ApiIdempotency, ConversationFilter, Store } from '../../store/store.js'
import type { Agent, Conversation, Visitor } from '../../store/types.js'
import { apiError } from '../errors.js'
import type { ApiDeps } from './api-deps.js'
import type { ApiEnv } from './api-auth.js'
import { apiValidator } from './api-validator.js'
import {
  conversationCursorParam, countParam, flagParam, idParam, instantParam, statusesParam,
} from './conversation-params.js'
import { conversationSchema, messageSchema, toConversationView, toMessageView } from './conversation-views.js'

/** Ids in paths are digits; anything else is no conversation at all (404). */
const ID = ':id{[0-9]{1,15}}'

const listQuery = v.object({
  site: v.optional(idParam('a site', 'Only this site (one the token may use)')),
  status: v.optional(statusesParam),
  agent: v.optional(idParam('an agent', 'Only conversations assigned to this agent (closed ones keep their last assignee)')),
  visitor: v.optional(idParam('a visitor', 'Only this visitor\'s conversations')),
  created_from: v.optional(instantParam('Opened at or after this instant')),
  created_to: v.optional(instantParam('Opened before this instant')),
  updated_from: v.optional(instantParam('Last event at or after this instant')),
  updated_to: v.optional(instantParam('Last event before this instant')),
  q: v.optional(v.pipe(
    v.string('must be given once'),
    v.trim(),
    v.minLength(1, 'must not be empty'),
    v.maxLength(200, 'must be at most 200 characters'),
    v.description('Only conversations with a message (not a system event) containing every word, each as a word or the start of one'),
  )),
  limit: countParam(1, 200, 50, 'Conversations per page'),
  cursor: v.optional(conversationCursorParam),
})

const messagesQuery = v.object({
  after_seq: v.pipe(
    v.optional(v.string(), '0'),
    v.regex(/^\d{1,15}$/, 'must be a sequence number (0 for the start)'),
    v.transform(Number),
    v.description('Only events after this sequence number: 0 (the default) for the start, or the previous page\'s nextAfterSeq'),
  ),
  limit: countParam(1, 500, 100, 'Events per page'),
  notes: flagParam('1 includes internal notes (kind "note"); left out by default'),
})

const transcriptQuery = v.object({
  format: v.pipe(
    v.optional(v.picklist(TRANSCRIPT_FORMATS, `must be one of ${TRANSCRIPT_FORMATS.join(', ')}`), 'json'),
    v.description('json (the default): the transcript as data; csv: one row per event; txt: to read'),
  ),
  bom: flagParam('CSV only: 1 starts the file with a UTF-8 byte order mark (for Excel)'),
  notes: flagParam('1 includes internal notes, marked as such; left out by default'),
  tz: v.pipe(
    v.optional(v.pipe(v.string(), v.check(isTimeZone, 'must be an IANA time zone such as Europe/Paris')), 'UTC'),
    v.description('IANA time zone the times are written in (UTC by default); every time carries its offset'),
  ),
})

/** An Idempotency-Key: printable ASCII, as the IETF draft and every payment API use it. */
const idempotencyHeader = v.object({
  'idempotency-key': v.optional(v.pipe(
    v.string(),
    v.regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters without spaces'),
    v.description('Makes the write safe to retry: the message is stored once per token and key, and a retry with the same key and body answers 200 with the original'),
  )),
})

const authorSchema = v.pipe(
  v.strictObject({
    agent: v.optional(v.pipe(v.number('must be an agent id'), v.integer('must be an agent id'), v.minValue(1, 'must be an agent id'))),
    bot: v.optional(v.pipe(v.string('must be a name'), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(80, 'must be at most 80 characters'))),
  }, 'must be { "agent": <agent id> } or { "bot": "<name>" }'),
  v.check((as) => (as.agent === undefined) !== (as.bot === undefined), 'must name an agent or a bot: { "agent": <agent id> } or { "bot": "<name>" }'),
  v.description('Who writes: an active agent serving the site ({ "agent": 7 }), or a bot under a name ({ "bot": "Order bot" }), shown as an agent without an id'),
  v.transform((as): ApiAuthor => (as.agent !== undefined ? { agentId: as.agent } : { bot: as.bot! })),
)

const textSchema = (maxLength: number) => v.pipe(
  v.string('must be text'),
  v.check((text) => text.trim().length > 0, 'must not be empty'),
  v.maxLength(maxLength, `must be at most ${maxLength} characters`),
)

const errorResponses = {
  401: { description: 'No API token, or an unknown or revoked one' },
  429: { description: 'Too many requests with this token this minute (see Retry-After)' },
}

const json = <T extends v.GenericSchema>(description: string, schema: T) =>
  ({ description, content: { 'application/json': { schema: resolver(schema) } } })

const messagesPage = v.object({
  messages: v.array(messageSchema),
  more: v.pipe(v.boolean(), v.description('Whether more events follow now: ask again with after_seq=nextAfterSeq')),
  nextAfterSeq: v.pipe(v.number(), v.description('The after_seq of the next page (also the way to poll for new events)')),
})

/** Views of a page of conversations, reading each visitor and agent once. */
function conversationViewer(store: Store) {
  const visitors = new Map<number, Promise<Visitor | undefined>>()
  const agents = new Map<number, Promise<Agent | undefined>>()
  const once = <T>(cache: Map<number, Promise<T>>, id: number, read: (id: number) => Promise<T>) => {
    if (!cache.has(id)) cache.set(id, read(id))
    return cache.get(id)!
  }
  return async (conversation: Conversation) => toConversationView(
    conversation,
    await once(visitors, conversation.visitorId, (id) => store.getVisitor(id)),
    conversation.assigneeId === undefined ? undefined : await once(agents, conversation.assigneeId, (id) => store.getAgent(id)),
  )
}

export function conversationRoutes({ store, service, logger, config }: ApiDeps) {
  const app = new Hono<ApiEnv>()
  /** One conversation's view; a page shares one viewer, which reads each visitor and agent once. */
  const view = (conversation: Conversation) => conversationViewer(store)(conversation)

  /** The conversation of the path, if it is one of the token's sites'. */
  async function visibleConversation(c: Context<ApiEnv>): Promise<Conversation | undefined> {
    const conversation = await store.getConversation(Number(c.req.param('id')))
    return conversation && c.var.siteIds.includes(conversation.siteId) ? conversation : undefined
  }
  const notFound = (c: Context<ApiEnv>) => apiError(c, 404, 'not_found', `no conversation has the id ${c.req.param('id')}`)

  /** One page of events above `afterSeq`, and whether more follow. */
  async function messagePage(conversationId: number, afterSeq: number, limit: number, notes: boolean) {
    // One more than asked says whether another page follows.
    const page = await store.messagesAfter(conversationId, afterSeq, limit + 1, { publicOnly: !notes })
    const shown = page.slice(0, limit)
    return { messages: shown.map(toMessageView), more: page.length > limit, nextAfterSeq: shown.at(-1)?.seq ?? afterSeq }
  }

  const idempotencyOf = (c: Context<ApiEnv>): ApiIdempotency | undefined => {
    const key = c.req.header('idempotency-key')
    return key === undefined ? undefined : { tokenId: c.var.token.id, key }
  }

  app.get('/conversations', describeRoute({
    tags: ['Conversations'],
    summary: 'List conversations, newest first',
    description: [
      'Conversations of the token\'s sites, newest first by when they opened, filtered as asked.',
      '',
      'Paging: while `next` is not null, ask again with `cursor` set to it (and the same filters).',
      'Pages are cut by when a conversation opened, which never changes: conversations opened meanwhile',
      'come before the first page and never shift later ones, so nothing is repeated or skipped.',
    ].join('\n'),
    responses: {
      200: json('A page of conversations', v.object({
        conversations: v.array(conversationSchema),
        next: v.pipe(v.nullable(v.string()), v.description('Opaque: pass it as `cursor` for the next page; null on the last page')),
      })),
      ...errorResponses,
      404: { description: 'No site with that id among the token\'s sites' },
      422: { description: 'A parameter is invalid (the message names it), or a range ends before it starts' },
    },
  }), apiValidator('query', listQuery), async (c) => {
    const query = c.req.valid('query')
    if (query.site !== undefined && !c.var.siteIds.includes(query.site)) return apiError(c, 404, 'not_found', `no site has the id ${query.site}`)
    for (const [from, to] of [['created_from', 'created_to'], ['updated_from', 'updated_to']] as const) {
      const start = query[from]
      const end = query[to]
      if (start !== undefined && end !== undefined && end <= start) return apiError(c, 422, 'invalid_request', `${to}: must be later than ${from}`)
    }
    const filter: ConversationFilter = {
      siteIds: query.site === undefined ? c.var.siteIds : [query.site],
      ...(query.status ? { statuses: query.status } : {}),
      ...(query.agent === undefined ? {} : { assigneeId: query.agent }),
      ...(query.visitor === undefined ? {} : { visitorId: query.visitor }),
      ...(query.cursor ? { before: query.cursor } : {}),
      ...(query.created_from === undefined ? {} : { createdFrom: query.created_from }),
      ...(query.created_to === undefined ? {} : { createdTo: query.created_to }),
      ...(query.updated_from === undefined ? {} : { updatedFrom: query.updated_from }),
      ...(query.updated_to === undefined ? {} : { updatedTo: query.updated_to }),
      ...(query.q === undefined ? {} : { text: query.q }),
    }
    // One more than asked says whether another page follows.
    const page = await store.listConversations(filter, query.limit + 1)
    const shown = page.slice(0, query.limit)
    const last = shown.at(-1)
    const viewOfPage = conversationViewer(store)
    return c.json({
      conversations: await Promise.all(shown.map(viewOfPage)),
      next: page.length > query.limit && last ? encodeCursor(last) : null,
    })
  })

  app.get(`/conversations/${ID}`, describeRoute({
    tags: ['Conversations'],
    summary: 'A conversation with its first page of events',
    description: 'The events come in order of sequence number; fetch the rest with GET /conversations/{id}/messages?after_seq=nextAfterSeq.',
    responses: {
      200: json('The conversation and its first events', v.object({ conversation: conversationSchema, ...messagesPage.entries })),
      ...errorResponses,
      404: { description: 'No conversation with that id among the token\'s sites' },
      422: { description: 'limit or notes is invalid' },
    },
  }), apiValidator('query', v.pick(messagesQuery, ['limit', 'notes'])), async (c) => {
    const conversation = await visibleConversation(c)
    if (!conversation) return notFound(c)
    const { limit, notes } = c.req.valid('query')
    return c.json({ conversation: await view(conversation), ...(await messagePage(conversation.id, 0, limit, notes)) })
  })

  app.get(`/conversations/${ID}/messages`, describeRoute({
    tags: ['Conversations'],
    summary: 'A page of a conversation\'s events, oldest first',
    description: 'Messages, system events (joined, closed…) and, on request, internal notes, by ascending sequence number.',
    responses: {
      200: json('A page of events', messagesPage),
      ...errorResponses,
      404: { description: 'No conversation with that id among the token\'s sites' },
      422: { description: 'after_seq, limit or notes is invalid' },
    },
  }), apiValidator('query', messagesQuery), async (c) => {
    const conversation = await visibleConversation(c)
    if (!conversation) return notFound(c)
    const { after_seq: afterSeq, limit, notes } = c.req.valid('query')
    return c.json(await messagePage(conversation.id, afterSeq, limit, notes))
  })

  app.get(`/conversations/${ID}/transcript`, describeRoute({
    tags: ['Conversations'],
    summary: 'Download a conversation\'s transcript',
    description: 'The same file as the console\'s download, except that internal notes are left out unless notes=1.',
    responses: {
      200: {
        description: 'The transcript, as a file to save (Content-Disposition: attachment)',
        content: {
          'application/json': { schema: { type: 'object', description: 'conversation (id, status, site, visitor, agents, createdAt, closedAt), timeZone, notesIncluded, events' } },
          'text/csv': { schema: { type: 'string', description: 'Columns: conversation, site, visitor, visitor_email, time, seq, type, author_role, author, text' } },
          'text/plain': { schema: { type: 'string', description: 'A header, then one event per line' } },
        },
      },
      ...errorResponses,
      404: { description: 'No conversation with that id among the token\'s sites' },
      422: { description: 'format, bom, notes or tz is invalid' },
    },
  }), apiValidator('query', transcriptQuery), async (c) => {
    const conversation = await visibleConversation(c)
    const source = conversation && (await transcriptSourceOf(store, conversation))
    if (!source) return notFound(c)
    const { format, bom, notes, tz } = c.req.valid('query')
    const file = renderTranscript(source, format, { includeNotes: notes, timeZone: tz, bom })
    return c.body(file.body, 200, {
      'Content-Type': file.contentType,
      'Content-Disposition': `attachment; filename="${file.fileName}"`,
      'X-Content-Type-Options': 'nosniff',
      // Transcripts are personal data: no cache on the way may keep a copy.
      'Cache-Control': 'no-store',
    })
  })

  app.post(`/conversations/${ID}/messages`, describeRoute({
    tags: ['Conversations'],
    summary: 'Write into a conversation as an agent or a bot',
    description: [
      'The message reaches the visitor and the agents live, exactly like one written in the console, and',
      'fires the message.created webhook. An agent answering a waiting conversation takes it; a bot\'s',
      'message leaves it waiting. With note: true it is an internal note, which only agents see and which',
      'may be added to a closed conversation.',
    ].join('\n'),
    responses: {
      201: json('Written', v.object({ message: messageSchema, conversation: conversationSchema })),
      200: json('A retry with the same Idempotency-Key: the message stored the first time', v.object({ message: messageSchema, conversation: conversationSchema })),
      400: { description: 'The body is not JSON' },
      ...errorResponses,
      404: { description: 'No conversation with that id among the token\'s sites' },
      409: { description: 'The conversation is closed (a note may still be added)' },
      422: { description: 'The body is invalid, the agent may not write on this site, or the Idempotency-Key was used for another write' },
    },
  }), apiValidator('header', idempotencyHeader), apiValidator('json', v.object({
    text: textSchema(config.maxTextLength),
    as: authorSchema,
    note: v.pipe(v.optional(v.boolean('must be true or false'), false), v.description('An internal note, seen by agents only')),
  })), async (c) => {
    const conversation = await visibleConversation(c)
    if (!conversation) return notFound(c)
    const { text, as, note } = c.req.valid('json')
    const apiKey = idempotencyOf(c)
    const result = await service.apiSend(conversation, as, text, { note, ...(apiKey ? { apiKey } : {}) })
    switch (result.outcome) {
      case 'closed':
        return apiError(c, 409, 'conversation_closed', `conversation ${conversation.id} is closed: only a note (note: true) can be added`)
      case 'author_refused':
        return apiError(c, 422, 'invalid_request', `as.agent: ${result.reason}`)
      case 'key_reused':
        return apiError(c, 422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different write; use a new key for a new message')
    }
    if (result.outcome === 'sent') logger.info({ tokenId: c.var.token.id, conversationId: conversation.id, messageId: result.message.id, note }, 'message written through the API')
    return c.json({ message: toMessageView(result.message), conversation: await view(result.conversation) }, result.outcome === 'sent' ? 201 : 200)
  })

  app.post('/conversations', describeRoute({
    tags: ['Conversations'],
    summary: 'Open a conversation with a visitor',
    description: [
      'Writes first to a visitor of one of the token\'s sites, who reads it live if they are on the site, or on their',
      'next visit. As an agent, the conversation opens assigned to them with a "joined" event; as a bot, it waits in',
      'the queue and is routed to an agent like any new chat. A visitor has one open conversation at a time: when',
      'they already have one, nothing is written and the answer is 409 with its id (write into it instead).',
    ].join('\n'),
    responses: {
      201: json('Opened', v.object({ conversation: conversationSchema, message: messageSchema })),
      200: json('A retry with the same Idempotency-Key: the conversation opened the first time', v.object({ conversation: conversationSchema, message: messageSchema })),
      400: { description: 'The body is not JSON' },
      ...errorResponses,
      404: { description: 'No visitor with that id among the token\'s sites' },
      409: json('The visitor already has an open conversation', v.object({
        error: v.object({ code: v.literal('conversation_open'), message: v.string(), conversationId: v.number() }),
      })),
      422: { description: 'The body is invalid, the agent may not write on this site, or the Idempotency-Key was used for another write' },
    },
  }), apiValidator('header', idempotencyHeader), apiValidator('json', v.object({
    visitor: v.pipe(v.number('must be a visitor id'), v.integer('must be a visitor id'), v.minValue(1, 'must be a visitor id')),
    text: textSchema(config.maxTextLength),
    as: authorSchema,
  })), async (c) => {
    const { visitor: visitorId, text, as } = c.req.valid('json')
    const visitor = await store.getVisitor(visitorId)
    // One answer for "missing" and "another site's", so that ids cannot be probed.
    if (!visitor || !c.var.siteIds.includes(visitor.siteId)) return apiError(c, 404, 'not_found', `no visitor has the id ${visitorId}`)
    const result = await service.apiStart(visitor, as, text, idempotencyOf(c))
    switch (result.outcome) {
      case 'open':
        return c.json({
          error: {
            code: 'conversation_open',
            message: `visitor ${visitor.id} already has an open conversation (${result.conversation.id}): write into it instead`,
            conversationId: result.conversation.id,
          },
        }, 409)
      case 'author_refused':
        return apiError(c, 422, 'invalid_request', `as.agent: ${result.reason}`)
      case 'key_reused':
        return apiError(c, 422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different write; use a new key for a new conversation')
    }
    if (result.outcome === 'started') logger.info({ tokenId: c.var.token.id, conversationId: result.conversation.id }, 'conversation opened through the API')
    return c.json({ conversation: await view(result.conversation), message: toMessageView(result.message) }, result.outcome === 'started' ? 201 : 200)
  })

  return app
}

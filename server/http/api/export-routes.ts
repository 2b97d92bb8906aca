/**
 * Bulk export of messages over a time range, streamed as NDJSON or CSV and resumable by a cursor.
 * The body is written page by page as the client reads it (server/export/message-export.ts), so
 * exporting years of chats costs the server one page of memory.
 */
import { Hono } from 'hono'
import { describeRoute, resolver } from 'hono-openapi'
import * as v from 'valibot'
import {
  decodeMessageCursor, MESSAGE_EXPORT_FORMATS, messageExportChunks, type MessageExportFormat,
} from '../../export/message-export.js'
import { pullStream } from '../../export/pull-stream.js'
import { apiError } from '../errors.js'
import type { ApiDeps } from './api-deps.js'
import type { ApiEnv } from './api-auth.js'
import { apiValidator } from './api-validator.js'
import { flagParam, instantParam } from './conversation-params.js'

const exportQuery = v.object({
  site: v.optional(v.pipe(
    v.string(),
    v.regex(/^\d{1,15}$/, 'must be a site id'),
    v.description('Only this site (one the token may use); every site of the token when absent'),
    v.transform(Number),
  )),
  from: v.optional(instantParam('Messages created at or after this instant; from the first message when absent')),
  to: v.optional(instantParam('Messages created before this instant; up to the latest message when absent')),
  cursor: v.optional(v.pipe(
    v.string(),
    v.description('The `cursor` of the last record received: continue the same export after it (pass the same from, to, site and notes)'),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const cursor = decodeMessageCursor(dataset.value)
      if (!cursor) {
        addIssue({ message: 'must be the cursor of a record of an earlier export' })
        return NEVER
      }
      return cursor
    }),
  )),
  format: v.pipe(
    v.optional(v.picklist(MESSAGE_EXPORT_FORMATS, `must be one of ${MESSAGE_EXPORT_FORMATS.join(', ')}`), 'ndjson'),
    v.description('ndjson: one JSON object a line; csv: RFC 4180 with a header row, formulas defused'),
  ),
  bom: flagParam('CSV only: 1 starts the file with a UTF-8 byte order mark (for Excel)'),
  notes: flagParam('1 includes internal notes (kind "note"); left out by default'),
})

/** What each NDJSON line holds; the CSV columns are the same in snake_case. */
const exportRecord = v.object({
  id: v.number(),
  conversationId: v.number(),
  siteId: v.number(),
  visitorId: v.number(),
  seq: v.pipe(v.number(), v.description('Position of the event in its conversation, from 1')),
  createdAt: v.pipe(v.string(), v.description('ISO 8601, UTC, to the millisecond')),
  kind: v.picklist(['message', 'note', 'system']),
  systemEvent: v.nullable(v.pipe(v.string(), v.description('For kind "system": joined, closed, reopened…'))),
  authorRole: v.picklist(['visitor', 'agent', 'system']),
  authorId: v.nullable(v.number()),
  authorName: v.nullable(v.pipe(v.string(), v.description('The name the author wrote under at the time'))),
  text: v.string(),
  cursor: v.pipe(v.string(), v.description('Opaque: pass it as `cursor` to continue after this record')),
})

const FILES: Record<MessageExportFormat, { extension: string; contentType: string }> = {
  ndjson: { extension: 'ndjson', contentType: 'application/x-ndjson; charset=utf-8' },
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8; header=present' },
}

/** `20260301T093000Z`: sortable, and safe in a file name on every system. */
const fileTime = (at: number) => new Date(at).toISOString().replace(/[-:]|\.\d{3}/g, '')

export function exportRoutes({ store, logger }: ApiDeps) {
  const app = new Hono<ApiEnv>()

  app.get('/export/messages', describeRoute({
    tags: ['Export'],
    summary: 'Export every message of a time range',
    description: [
      'Every message, internal note (on request) and system event of the token\'s sites created in [from, to),',
      'in order of creation, streamed as it is read: any size of export is one request.',
      '',
      'Resuming: every record carries a `cursor`. When a transfer stops short, send the same request with',
      '`cursor` set to the last complete record\'s cursor: the export continues after that record,',
      'with nothing missed or repeated, even if messages were written in between.',
      'A transfer that failed on the server ends without its final chunk, never as a shorter file.',
    ].join('\n'),
    responses: {
      200: {
        description: 'The export, as a file to save (Content-Disposition: attachment)',
        content: {
          'application/x-ndjson': { schema: resolver(exportRecord) },
          'text/csv': { schema: { type: 'string', description: 'A header row, then one record a message: the NDJSON keys in snake_case, in the same order' } },
        },
      },
      401: { description: 'No API token, or an unknown or revoked one' },
      404: { description: 'No site with that id among the token\'s sites' },
      422: { description: 'A parameter is invalid: a time, the cursor, the format, or to not after from' },
      429: { description: 'Too many requests with this token this minute' },
    },
  }), apiValidator('query', exportQuery), async (c) => {
    const { site, from, to, cursor, format, bom, notes } = c.req.valid('query')
    if (site !== undefined && !c.var.siteIds.includes(site)) return apiError(c, 404, 'not_found', `no site has the id ${site}`)
    if (from !== undefined && to !== undefined && to <= from) return apiError(c, 422, 'invalid_request', 'to: must be later than from')

    const file = FILES[format]
    const name = `parley-messages-${from === undefined ? 'beginning' : fileTime(from)}-${to === undefined ? 'now' : fileTime(to)}.${file.extension}`
    const chunks = messageExportChunks(store, {
      siteIds: site === undefined ? c.var.siteIds : [site],
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(cursor ? { after: cursor } : {}),
      includeNotes: notes,
      format,
      bom,
    })
    logger.info({ tokenId: c.var.token.id, site, from, to, resumed: cursor !== undefined, format, notes }, 'message export started')
    const failed = (error: unknown) => logger.error({ err: error, tokenId: c.var.token.id }, 'message export failed midway: the transfer was cut')
    return c.body(pullStream(chunks, failed), 200, {
      'Content-Type': file.contentType,
      'Content-Disposition': `attachment; filename="${name}"`,
      'X-Content-Type-Options': 'nosniff',
      // Transcripts are personal data: no cache on the way may keep a copy.
      'Cache-Control': 'no-store',
    })
  })

  return app
}

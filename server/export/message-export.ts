/**
 * Every message of some sites over a time range, as one long file for another system: NDJSON
 * (one JSON object a line) or CSV (one record a row). The store is read a page at a time and
 * each page is written out before the next is read, so an export of any size holds one page in
 * memory.
 *
 * Each record carries a cursor: an export that stopped (a dropped connection, a crash on the
 * reading side) continues after the last record received, with nothing missed or repeated.
 * Messages are ordered by creation time, then id, which a message never changes.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Store } from '../store/store.js'
import type { ExportedMessage } from '../store/types.js'
import { decodeCursor, encodeCursor, type ConversationCursor } from './conversation-cursor.js'
import { csvRecords } from './csv-records.js'
import { messageFields, type MessageFields } from './message-fields.js'

export const MESSAGE_EXPORT_FORMATS = ['ndjson', 'csv'] as const
export type MessageExportFormat = (typeof MESSAGE_EXPORT_FORMATS)[number]

/** Messages read per store call. */
export const EXPORT_PAGE_SIZE = 1000

/** One exported message, as an NDJSON line has it. Absent values are `null`, so every line has every key. */
export type ExportRecord = MessageFields & {
  siteId: number
  visitorId: number
  /** Pass it back as `cursor` to continue the export after this message. */
  cursor: string
}

export function exportRecordOf(message: ExportedMessage): ExportRecord {
  const { id, conversationId, ...rest } = messageFields(message)
  // The key order is the documented one (and the CSV's columns): where the message belongs first.
  return { id, conversationId, siteId: message.siteId, visitorId: message.visitorId, ...rest, cursor: encodeMessageCursor(message) }
}

/** The CSV header: the NDJSON keys in snake_case, in the same order. */
export const EXPORT_CSV_COLUMNS = [
  'id', 'conversation_id', 'site_id', 'visitor_id', 'seq', 'created_at', 'kind', 'system_event',
  'author_role', 'author_id', 'author_name', 'text', 'cursor',
] as const

/** A message's place in the export: (creation time, id), like a conversation's, and the same opaque token. */
export type MessageCursor = ConversationCursor
export const encodeMessageCursor = (message: Pick<ExportedMessage, 'createdAt' | 'id'>) => encodeCursor(message)
/** Undefined for anything this server did not hand out. */
export const decodeMessageCursor = (token: string): MessageCursor | undefined => decodeCursor(token)

export interface MessageExportRequest {
  siteIds: number[]
  /** Messages created in [from, to). */
  from?: number
  to?: number
  /** Continue after this message. */
  after?: MessageCursor
  includeNotes: boolean
  format: MessageExportFormat
  /** CSV only: start with a UTF-8 byte order mark. */
  bom: boolean
}

/**
 * The export as text chunks, one per page of messages. The next page is read only when the
 * consumer asks for the next chunk; stopping early (`return()`) reads nothing more.
 *
 * @example for await (const chunk of messageExportChunks(store, { siteIds: [1], includeNotes: false, format: 'csv', bom: false })) out.write(chunk)
 */
export async function* messageExportChunks(store: Store, request: MessageExportRequest): AsyncGenerator<string, void, undefined> {
  let after = request.after
  for (let first = true; ; first = false) {
    // A synchronous store answers at once, and a fast client takes each chunk at once: without
    // a turn of the event loop between pages, one export would hold up every chat until it ends.
    if (!first) await nextTurn()
    const page = await store.exportMessages({
      siteIds: request.siteIds,
      ...(request.from === undefined ? {} : { from: request.from }),
      ...(request.to === undefined ? {} : { to: request.to }),
      ...(after ? { after } : {}),
      limit: EXPORT_PAGE_SIZE,
      publicOnly: !request.includeNotes,
    })
    const records = page.map(exportRecordOf)
    if (request.format === 'csv') {
      // The header goes out even when nothing matched: an empty export is still a valid file.
      if (first) yield csvRecords(records.map(csvRow), { columns: EXPORT_CSV_COLUMNS, bom: request.bom })
      else if (records.length > 0) yield csvRecords(records.map(csvRow))
    } else if (records.length > 0) {
      yield records.map((record) => `${JSON.stringify(record)}\n`).join('')
    }
    const last = page[page.length - 1]
    if (!last || page.length < EXPORT_PAGE_SIZE) return
    after = { createdAt: last.createdAt, id: last.id }
  }
}

const csvRow = (record: ExportRecord) => [
  record.id, record.conversationId, record.siteId, record.visitorId, record.seq, record.createdAt, record.kind,
  record.systemEvent ?? '', record.authorRole, record.authorId ?? '', record.authorName ?? '', record.text, record.cursor,
]

/**
 * A conversation written out for people and programs: plain text to read, CSV for spreadsheets,
 * JSON for code. Pure functions of stored records, shared by the console's download and the
 * REST API, so both give the same file for the same conversation.
 *
 * Internal notes are agents' talk about the visitor: a transcript leaves them out unless the
 * caller asks for them, and then marks each one.
 */
import type { AuthorRole, ConversationStatus, SystemEvent } from '../../protocol/index.js'
import type { Agent, Conversation, Message, Site, Visitor } from '../store/types.js'
import { csvRecords } from './csv-records.js'
import { isoTime } from './iso-time.js'

export const TRANSCRIPT_FORMATS = ['txt', 'csv', 'json'] as const
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number]

/** What a transcript is made from: records as the store keeps them. */
export interface TranscriptSource {
  conversation: Conversation
  /** The conversation's events, ascending by sequence number. */
  messages: Message[]
  site: Pick<Site, 'id' | 'name'>
  visitor?: Pick<Visitor, 'id' | 'name' | 'email'>
  /** Agents who wrote in it or hold it: their names as they are now. */
  agents: Pick<Agent, 'id' | 'name'>[]
}

export interface TranscriptOptions {
  /** Include internal notes, marked as such. */
  includeNotes?: boolean
  /** IANA time zone the times are written in (UTC unless told); every time carries its offset. */
  timeZone?: string
}

export interface TranscriptEvent {
  seq: number
  at: string
  type: 'message' | 'note' | 'system'
  /** What a system event records (`joined`, `closed`…). */
  event?: SystemEvent
  author: { role: AuthorRole; id?: number; name?: string }
  text: string
}

/** A transcript as data: what every format writes, and the JSON format as it is. */
export interface Transcript {
  conversation: {
    id: number
    status: ConversationStatus
    site: { id: number; name: string }
    visitor: { id: number; name?: string; email?: string }
    /** Agents who wrote in what the transcript shows, then the assignee, each once. */
    agents: { id: number; name: string }[]
    createdAt: string
    /** Only while the conversation is closed. */
    closedAt?: string
  }
  timeZone: string
  notesIncluded: boolean
  events: TranscriptEvent[]
}

export function buildTranscript(source: TranscriptSource, options: TranscriptOptions = {}): Transcript {
  const { conversation, site, visitor } = source
  const timeZone = options.timeZone ?? 'UTC'
  const includeNotes = options.includeNotes ?? false
  const shown = source.messages.filter((message) => includeNotes || !message.internal)
  const visitorName = visitor?.name || `Visitor #${conversation.visitorId}`
  const agentNames = new Map(source.agents.map((agent) => [agent.id, agent.name]))

  const involved = new Map<number, string>()
  const involve = (id: number, fallback?: string) => {
    if (!involved.has(id)) involved.set(id, agentNames.get(id) ?? fallback ?? `Agent #${id}`)
  }
  for (const message of shown) if (message.authorRole === 'agent' && message.authorId !== undefined) involve(message.authorId, message.authorName)
  if (conversation.assigneeId !== undefined) involve(conversation.assigneeId)

  return {
    conversation: {
      id: conversation.id,
      status: conversation.status,
      site: { id: site.id, name: site.name },
      visitor: {
        id: conversation.visitorId,
        ...(visitor?.name ? { name: visitor.name } : {}),
        ...(visitor?.email ? { email: visitor.email } : {}),
      },
      agents: [...involved].map(([id, name]) => ({ id, name })),
      createdAt: isoTime(conversation.createdAt, timeZone),
      ...(conversation.status === 'closed' && conversation.closedAt !== undefined ? { closedAt: isoTime(conversation.closedAt, timeZone) } : {}),
    },
    timeZone,
    notesIncluded: includeNotes,
    events: shown.map((message) => ({
      seq: message.seq,
      at: isoTime(message.createdAt, timeZone),
      type: message.kind === 'system' ? 'system' : message.internal ? 'note' : 'message',
      ...(message.systemEvent ? { event: message.systemEvent } : {}),
      author: authorOf(message, visitorName),
      text: message.text,
    })),
  }
}

/** Visitors under their current name (they often give it midway); agents under the name they wrote with. */
function authorOf(message: Message, visitorName: string): TranscriptEvent['author'] {
  const author: TranscriptEvent['author'] = { role: message.authorRole }
  if (message.authorId !== undefined) author.id = message.authorId
  if (message.authorRole === 'visitor') author.name = visitorName
  else if (message.authorRole === 'agent') author.name = message.authorName ?? `Agent #${message.authorId}`
  return author
}

const visitorLine = ({ visitor }: Transcript['conversation']) =>
  `${visitor.name ?? `Visitor #${visitor.id}`}${visitor.email ? ` <${visitor.email}>` : ''}`

/**
 * A header to read, then one event per line. A message's further lines are indented under it,
 * so no text can pass for an event of its own.
 */
export function transcriptText(transcript: Transcript): string {
  const { conversation } = transcript
  const header = [
    `Parley conversation #${conversation.id}`,
    `Site: ${conversation.site.name}`,
    `Visitor: ${visitorLine(conversation)}`,
    `Agents: ${conversation.agents.map((agent) => agent.name).join(', ') || 'none'}`,
    `Status: ${conversation.status}`,
    `Started: ${conversation.createdAt}`,
    ...(conversation.closedAt ? [`Closed: ${conversation.closedAt}`] : []),
    `Time zone: ${transcript.timeZone}`,
    `Internal notes: ${transcript.notesIncluded ? 'included, marked (internal note)' : 'not included'}`,
  ]
  const lines = transcript.events.map((event) => {
    const text = event.text.replace(/\r\n|\r|\n/g, '\n    ')
    if (event.type === 'system') return `[${event.at}] * ${text}`
    return `[${event.at}] ${event.author.name}${event.type === 'note' ? ' (internal note)' : ''}: ${text}`
  })
  return `${[...header, '', ...lines].join('\n')}\n`
}

/** The columns of a CSV transcript: every row names its conversation, so files can be joined. */
export const CSV_COLUMNS = ['conversation', 'site', 'visitor', 'visitor_email', 'time', 'seq', 'type', 'author_role', 'author', 'text'] as const

/**
 * RFC 4180 CSV, one row per event, with spreadsheet formulas defused (see csv-records.ts).
 * `bom` helps Excel see UTF-8.
 */
export function transcriptCsv(transcript: Transcript, options: { bom?: boolean } = {}): string {
  const { conversation } = transcript
  const rows = transcript.events.map((event) => [
    conversation.id, conversation.site.name, conversation.visitor.name ?? '', conversation.visitor.email ?? '',
    event.at, event.seq, event.type, event.author.role, event.author.name ?? '', event.text,
  ])
  return csvRecords(rows, { columns: CSV_COLUMNS, bom: options.bom ?? false })
}

export const transcriptJson = (transcript: Transcript) => `${JSON.stringify(transcript, null, 2)}\n`

/** How each format is served. */
export const TRANSCRIPT_FILES: Record<TranscriptFormat, { extension: string; contentType: string }> = {
  txt: { extension: 'txt', contentType: 'text/plain; charset=utf-8' },
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8; header=present' },
  json: { extension: 'json', contentType: 'application/json; charset=utf-8' },
}

export const transcriptFileName = (conversationId: number, format: TranscriptFormat) =>
  `parley-conversation-${conversationId}.${TRANSCRIPT_FILES[format].extension}`

/**
 * The transcript in one format, ready to serve.
 *
 * @example const { body, contentType } = renderTranscript(source, 'csv', { bom: true })
 */
export function renderTranscript(source: TranscriptSource, format: TranscriptFormat, options: TranscriptOptions & { bom?: boolean } = {}) {
  const transcript = buildTranscript(source, options)
  const body = format === 'csv' ? transcriptCsv(transcript, options) : format === 'json' ? transcriptJson(transcript) : transcriptText(transcript)
  return { body, contentType: TRANSCRIPT_FILES[format].contentType, fileName: transcriptFileName(source.conversation.id, format) }
}

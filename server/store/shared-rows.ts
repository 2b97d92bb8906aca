/**
 * Rows both stores read back in the same shape, and how they become records: the column names
 * and types match in SQLite and PostgreSQL (times as integer milliseconds), so the mapping is
 * written once. Rows whose shapes differ (JSON kept as text in SQLite, booleans as 0/1) are
 * mapped in each store.
 */
import type { AuthorRole, ConversationStatus, SystemEvent } from '../../protocol/index.js'
import type { TransitionInput, VisitorProfile } from './store.js'
import type { CannedResponse, Conversation, DeliveryStatus, Message, MessageKind, Session, WebhookDelivery, WebhookEvent } from './types.js'

export interface ConversationRow {
  id: number
  site_id: number
  visitor_id: number
  status: ConversationStatus
  assignee_id: number | null
  last_seq: number
  visitor_read_seq: number
  agent_read_seq: number
  created_at: number
  updated_at: number
  closed_at: number | null
}

export interface MessageRow {
  id: number
  conversation_id: number
  seq: number
  kind: MessageKind
  author_role: AuthorRole
  author_id: number | null
  author_name: string | null
  text: string
  client_id: string | null
  system_event: SystemEvent | null
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  internal: number | boolean
  created_at: number
}

export interface SessionRow {
  token_hash: string
  agent_id: number
  created_at: number
  expires_at: number
}

export interface CannedRow {
  id: number
  site_id: number | null
  shortcut: string
  text: string
  created_at: number
  updated_at: number
}

export interface DeliveryRow {
  id: number
  webhook_id: number
  event: WebhookEvent
  payload: string
  status: DeliveryStatus
  attempts: number
  next_attempt_at: number
  response_status: number | null
  error: string | null
  created_at: number
  delivered_at: number | null
}

/** Copies the non-NULL values onto the record, so an optional field is absent rather than null. */
export function withPresent<T extends object>(record: T, values: { [K in keyof T]?: T[K] | null }): T {
  for (const [key, value] of Object.entries(values)) {
    if (value !== null && value !== undefined) (record as Record<string, unknown>)[key] = value
  }
  return record
}

export function toConversation(row: ConversationRow): Conversation {
  return withPresent<Conversation>({
    id: row.id,
    siteId: row.site_id,
    visitorId: row.visitor_id,
    status: row.status,
    lastSeq: row.last_seq,
    visitorReadSeq: row.visitor_read_seq,
    agentReadSeq: row.agent_read_seq,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }, { assigneeId: row.assignee_id, closedAt: row.closed_at })
}

export function toMessage(row: MessageRow): Message {
  return withPresent<Message>({
    id: row.id,
    conversationId: row.conversation_id,
    seq: row.seq,
    kind: row.kind,
    authorRole: row.author_role,
    text: row.text,
    createdAt: row.created_at,
  }, {
    authorId: row.author_id,
    authorName: row.author_name,
    clientId: row.client_id,
    systemEvent: row.system_event,
    internal: row.internal ? true : null,
  })
}

export function toSession(row: SessionRow): Session {
  return { tokenHash: row.token_hash, agentId: row.agent_id, createdAt: row.created_at, expiresAt: row.expires_at }
}

export function toCannedResponse(row: CannedRow): CannedResponse {
  return withPresent<CannedResponse>(
    { id: row.id, shortcut: row.shortcut, text: row.text, createdAt: row.created_at, updatedAt: row.updated_at },
    { siteId: row.site_id },
  )
}

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return withPresent<WebhookDelivery>({
    id: row.id, webhookId: row.webhook_id, event: row.event, payload: row.payload, status: row.status, attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at, createdAt: row.created_at,
  }, { responseStatus: row.response_status, error: row.error, deliveredAt: row.delivered_at })
}

/** Oldest due first, as deliveries are sent: UPDATE … RETURNING hands rows back in no promised order. */
export function byDueTime(a: DeliveryRow, b: DeliveryRow): number {
  return a.next_attempt_at - b.next_attempt_at || a.id - b.id
}

export function matchesFrom(row: ConversationRow, from: TransitionInput['from']): boolean {
  if (!from.statuses.includes(row.status)) return false
  return from.assigneeId === undefined || from.assigneeId === row.assignee_id
}

/** Profile fields as statement parameters; an absent field is NULL. */
export function profileParams(profile: VisitorProfile) {
  return {
    externalId: profile.externalId ?? null,
    name: profile.name ?? null,
    email: profile.email ?? null,
    attributes: profile.attributes === undefined ? null : JSON.stringify(profile.attributes),
    pageUrl: profile.pageUrl ?? null,
    pageTitle: profile.pageTitle ?? null,
    referrer: profile.referrer ?? null,
    userAgent: profile.userAgent ?? null,
    locale: profile.locale ?? null,
    timeZone: profile.timeZone ?? null,
  }
}

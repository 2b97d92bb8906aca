/**
 * The records Parley keeps. Times are milliseconds since the epoch; ids are integers assigned
 * by the store. These are storage shapes: what goes on the wire is built from them in
 * server/chat/views.ts.
 */
import type { AgentStatus, AuthorRole, ConversationStatus, SystemEvent } from '../../protocol/index.js'

export interface WidgetSettings {
  color: string
  greeting: string
  position: 'left' | 'right'
  /** Ask visitors for a name and email before the first message. */
  prechat?: boolean
}

export interface Site {
  id: number
  name: string
  /** Public key the embed snippet names; not a secret. */
  key: string
  /** Exact origins (`https://shop.example`) allowed to embed the widget, or `*` for any. */
  allowedOrigins: string[]
  widget: WidgetSettings
  /** Signs visitor identities on the site's own server (HMAC-SHA256 of the user id). Never sent to browsers. */
  identitySecret?: string
  /** Refuse visitors without a verified identity. */
  verifiedOnly: boolean
  /** Closed conversations older than this many days are erased on schedule; absent: kept. */
  retentionDays?: number
  createdAt: number
}

export type AgentRole = 'admin' | 'agent'

export interface Agent {
  id: number
  name: string
  email: string
  passwordHash: string
  role: AgentRole
  /** What the agent chose; whether they are connected is known to the presence tracker. */
  status: AgentStatus
  capacity: number
  siteIds: number[]
  active: boolean
  createdAt: number
}

export interface Visitor {
  id: number
  siteId: number
  /** The site's own user id, once verified. */
  externalId?: string
  name?: string
  email?: string
  attributes: Record<string, string | number | boolean>
  pageUrl?: string
  pageTitle?: string
  referrer?: string
  userAgent?: string
  locale?: string
  /** IANA time zone the browser reported (`Europe/Paris`), for the visitor's local time. */
  timeZone?: string
  firstSeenAt: number
  lastSeenAt: number
}

export interface Conversation {
  id: number
  siteId: number
  visitorId: number
  status: ConversationStatus
  assigneeId?: number
  lastSeq: number
  visitorReadSeq: number
  agentReadSeq: number
  createdAt: number
  updatedAt: number
  closedAt?: number
}

export type MessageKind = 'message' | 'system'

export interface Message {
  id: number
  conversationId: number
  seq: number
  kind: MessageKind
  authorRole: AuthorRole
  /** Visitor id or agent id, by role; absent for system messages. */
  authorId?: number
  /** The author's display name when written (agents' names may change later). */
  authorName?: string
  text: string
  clientId?: string
  systemEvent?: SystemEvent
  /** An internal note: only agents ever see it. */
  internal?: true
  createdAt: number
}

export interface Session {
  tokenHash: string
  agentId: number
  createdAt: number
  expiresAt: number
}

/** A reply agents insert by typing `/shortcut` in the composer. */
export interface CannedResponse {
  id: number
  /** The site it belongs to; absent: shared by every site. */
  siteId?: number
  /** Letters, digits, `-` and `_`, typed after `/`. */
  shortcut: string
  text: string
  createdAt: number
  updatedAt: number
}

/** A message found by a transcript search. */
export interface SearchHit {
  message: Message
  siteId: number
  visitorId: number
  /** The message text with the matched words between `\u0002` and `\u0003` marks, cut around them. */
  snippet: string
}

export interface ApiToken {
  id: number
  name: string
  tokenHash: string
  /** Sites the token may read and write; empty means every site. */
  siteIds: number[]
  createdAt: number
  revokedAt?: number
}

/** A message with where it belongs, as a bulk export writes it. */
export interface ExportedMessage extends Message {
  siteId: number
  visitorId: number
}

/** Something done that a data-protection officer may ask about (an erasure, a purge). */
export interface AuditEntry {
  id: number
  at: number
  /** Who: `token:3`, `agent:7`, `system`. */
  actor: string
  action: string
  siteId?: number
  /** What it was done to: `visitor:12`. */
  subject: string
  details: Record<string, unknown>
}

export const WEBHOOK_EVENTS = ['conversation.opened', 'conversation.assigned', 'conversation.closed', 'message.created'] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

export interface Webhook {
  id: number
  siteId: number
  url: string
  /** Signs each delivery (HMAC-SHA256); shown to the site's owner, never sent in a delivery. */
  secret: string
  events: WebhookEvent[]
  active: boolean
  createdAt: number
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface WebhookDelivery {
  id: number
  webhookId: number
  event: WebhookEvent
  /** The JSON body, exactly as signed and sent. */
  payload: string
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: number
  /** The receiver's HTTP status on the last attempt. */
  responseStatus?: number
  error?: string
  createdAt: number
  deliveredAt?: number
}

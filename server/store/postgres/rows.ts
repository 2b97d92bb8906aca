/**
 * Rows as the pg driver returns them (BIGINT parsed to numbers, `json` columns parsed) and
 * the records the Store hands out. An optional field is absent, never null, as in SQLite.
 */
import type { AgentStatus } from '../../../protocol/index.js'
import { toMessage, withPresent, type MessageRow } from '../shared-rows.js'
import type {
  Agent, AgentRole, ApiToken, AuditEntry, ExportedMessage, SearchHit, Site, Visitor, Webhook, WebhookEvent, WidgetSettings,
} from '../types.js'

export interface SiteRow {
  id: number
  name: string
  key: string
  allowed_origins: string[]
  widget: WidgetSettings
  identity_secret: string | null
  verified_only: boolean
  retention_days: number | null
  created_at: number
}

export interface AgentRow {
  id: number
  name: string
  email: string
  password_hash: string
  role: AgentRole
  status: AgentStatus
  capacity: number
  active: boolean
  created_at: number
  site_ids: number[]
}


export interface ApiTokenRow {
  id: number
  name: string
  token_hash: string
  created_at: number
  revoked_at: number | null
  site_ids: number[]
}

export interface VisitorRow {
  id: number
  site_id: number
  token_hash: string
  external_id: string | null
  name: string | null
  email: string | null
  attributes: Visitor['attributes']
  page_url: string | null
  page_title: string | null
  referrer: string | null
  user_agent: string | null
  locale: string | null
  time_zone: string | null
  first_seen_at: number
  last_seen_at: number
}




/** A message with the site and visitor of its conversation (export and search). */
export interface PlacedMessageRow extends MessageRow {
  hit_site_id: number
  hit_visitor_id: number
}

export interface SearchRow extends PlacedMessageRow {
  snippet: string
}

export interface AuditRow {
  id: number
  at: number
  actor: string
  action: string
  site_id: number | null
  subject: string
  details: AuditEntry['details']
}

export interface WebhookRow {
  id: number
  site_id: number
  url: string
  secret: string
  events: WebhookEvent[]
  active: boolean
  created_at: number
}


/** The columns of a message, qualified, for queries that join its conversation. */
export const MESSAGE_COLUMNS = `messages.id, messages.conversation_id, messages.seq, messages.kind, messages.author_role,
  messages.author_id, messages.author_name, messages.text, messages.client_id, messages.system_event, messages.internal,
  messages.created_at`


export function toSite(row: SiteRow): Site {
  return withPresent<Site>({
    id: row.id,
    name: row.name,
    key: row.key,
    allowedOrigins: row.allowed_origins,
    widget: row.widget,
    verifiedOnly: row.verified_only,
    createdAt: row.created_at,
  }, { identitySecret: row.identity_secret, retentionDays: row.retention_days })
}

export function toAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    status: row.status,
    capacity: row.capacity,
    siteIds: row.site_ids,
    active: row.active,
    createdAt: row.created_at,
  }
}


export function toApiToken(row: ApiTokenRow): ApiToken {
  return withPresent<ApiToken>(
    { id: row.id, name: row.name, tokenHash: row.token_hash, siteIds: row.site_ids, createdAt: row.created_at },
    { revokedAt: row.revoked_at },
  )
}

export function toVisitor(row: VisitorRow): Visitor {
  return withPresent<Visitor>({
    id: row.id,
    siteId: row.site_id,
    attributes: row.attributes,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
  }, {
    externalId: row.external_id,
    name: row.name,
    email: row.email,
    pageUrl: row.page_url,
    pageTitle: row.page_title,
    referrer: row.referrer,
    userAgent: row.user_agent,
    locale: row.locale,
    timeZone: row.time_zone,
  })
}




export function toExportedMessage(row: PlacedMessageRow): ExportedMessage {
  return { ...toMessage(row), siteId: row.hit_site_id, visitorId: row.hit_visitor_id }
}

export function toSearchHit(row: SearchRow): SearchHit {
  return { message: toMessage(row), siteId: row.hit_site_id, visitorId: row.hit_visitor_id, snippet: row.snippet }
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return withPresent<AuditEntry>(
    { id: row.id, at: row.at, actor: row.actor, action: row.action, subject: row.subject, details: row.details },
    { siteId: row.site_id },
  )
}

export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id, siteId: row.site_id, url: row.url, secret: row.secret, events: row.events, active: row.active, createdAt: row.created_at,
  }
}


/**
 * Visitors and audit entries as the REST API shows them: valibot schemas for the OpenAPI
 * document, and the functions that build exactly those shapes. Times are ISO 8601 in UTC;
 * what is unknown is `null`.
 */
import * as v from 'valibot'
import type { AuditEntry, Conversation, Visitor } from '../../store/types.js'

const isoTime = (description: string) => v.pipe(v.string(), v.description(`${description}: ISO 8601, UTC, to the millisecond`))
const known = (description: string) => v.pipe(v.nullable(v.string()), v.description(description))

export const visitorSchema = v.object({
  id: v.number(),
  site: v.pipe(v.number(), v.description('The site\'s id')),
  externalId: known('The site\'s own user id, once the site has vouched for it (identity verification)'),
  name: known('As the visitor gave it'),
  email: known('As the visitor gave it'),
  attributes: v.pipe(v.record(v.string(), v.union([v.string(), v.number(), v.boolean()])), v.description('What the site told about the visitor')),
  page: v.object({ url: known('The page they were last on'), title: known('Its title') }),
  referrer: known('Where they came from'),
  userAgent: known('Their browser\'s user agent'),
  locale: known('Their browser\'s language (en-GB)'),
  timeZone: known('Their browser\'s IANA time zone (Europe/Paris)'),
  firstSeenAt: isoTime('Their first visit'),
  lastSeenAt: isoTime('Their latest activity'),
})

export const visitorConversationSchema = v.object({
  id: v.number(),
  status: v.picklist(['queued', 'assigned', 'closed']),
  createdAt: isoTime('When it opened'),
  updatedAt: isoTime('Its latest event'),
  closedAt: v.nullable(isoTime('When it was closed, while it is closed')),
})

export const auditEntrySchema = v.object({
  id: v.pipe(v.number(), v.description('Increasing: pass the last one as `before` for older entries')),
  at: isoTime('When it was done'),
  actor: v.pipe(v.string(), v.description('Who: token:3 (an API token), agent:7, system (a scheduled job)')),
  action: v.pipe(v.string(), v.description('What: visitor.erased, retention.changed, retention.purged…')),
  site: v.nullable(v.number()),
  subject: v.pipe(v.string(), v.description('What it was done to: visitor:12, site:1')),
  details: v.pipe(v.record(v.string(), v.unknown()), v.description('Counts and settings; never the personal data concerned')),
})

const isoOrNull = (at: number | undefined) => (at === undefined ? null : new Date(at).toISOString())

export function toVisitorView(visitor: Visitor): v.InferOutput<typeof visitorSchema> {
  return {
    id: visitor.id,
    site: visitor.siteId,
    externalId: visitor.externalId ?? null,
    name: visitor.name ?? null,
    email: visitor.email ?? null,
    attributes: visitor.attributes,
    page: { url: visitor.pageUrl ?? null, title: visitor.pageTitle ?? null },
    referrer: visitor.referrer ?? null,
    userAgent: visitor.userAgent ?? null,
    locale: visitor.locale ?? null,
    timeZone: visitor.timeZone ?? null,
    firstSeenAt: new Date(visitor.firstSeenAt).toISOString(),
    lastSeenAt: new Date(visitor.lastSeenAt).toISOString(),
  }
}

export function toVisitorConversationView(conversation: Conversation): v.InferOutput<typeof visitorConversationSchema> {
  return {
    id: conversation.id,
    status: conversation.status,
    createdAt: new Date(conversation.createdAt).toISOString(),
    updatedAt: new Date(conversation.updatedAt).toISOString(),
    closedAt: conversation.status === 'closed' ? isoOrNull(conversation.closedAt) : null,
  }
}

export function toAuditEntryView(entry: AuditEntry): v.InferOutput<typeof auditEntrySchema> {
  return {
    id: entry.id,
    at: new Date(entry.at).toISOString(),
    actor: entry.actor,
    action: entry.action,
    site: entry.siteId ?? null,
    subject: entry.subject,
    details: entry.details,
  }
}

/** A stored visitor's visit, as presence keeps it, and what makes a visitor "returning". */
import type { Visit } from '../realtime/visitor-presence.js'
import type { Visitor } from '../store/types.js'

/**
 * A visitor first seen at least this long before their visit began is returning. Thirty
 * minutes is the usual gap that separates two visits in web analytics: someone who left and
 * came back within it is still on their first visit.
 */
export const RETURNING_AFTER_MS = 30 * 60_000

/** The visit that begins now for this visitor, if none is running already. */
export function visitBeginningNow(visitor: Visitor, now: number): Visit {
  const visit: Visit = { visitorId: visitor.id, siteId: visitor.siteId, since: now, returning: now - visitor.firstSeenAt >= RETURNING_AFTER_MS }
  if (visitor.name) visit.name = visitor.name
  if (visitor.pageUrl) visit.pageUrl = visitor.pageUrl
  if (visitor.pageTitle) visit.pageTitle = visitor.pageTitle
  return visit
}

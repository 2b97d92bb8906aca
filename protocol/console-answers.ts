/**
 * Answers of the console's HTTP API that the server and the console both type. Like server
 * frames, they are plain types: the console trusts its server.
 */
import type { ConversationSummary } from './server-frames.js'

/** Who a visitor is and where they are: the panel beside a conversation. */
export interface VisitorDetails {
  id: number
  site: { id: number; name: string }
  name?: string
  email?: string
  /** What the site's own pages told about them. */
  attributes: Record<string, string | number | boolean>
  /** The page they are on now, or were on last. */
  page: { url?: string; title?: string }
  referrer?: string
  /** Read from their browser's user agent: "Chrome 126", "Mac OS 10.15.7", "Apple iPhone". */
  browser?: string
  os?: string
  device?: string
  locale?: string
  /** IANA time zone reported by their browser, for their local time. */
  timeZone?: string
  firstSeenAt: number
  lastSeenAt: number
  /** Their visit, while they are on the site (online); absent once they have left. */
  visit?: { since: number; returning: boolean }
}

/** `GET /api/console/visitors/:id` */
export interface VisitorContextAnswer {
  visitor: VisitorDetails
  /** Their conversations on the site, the newest first (a bounded number). */
  conversations: ConversationSummary[]
}

/**
 * Frames the server sends. Clients trust the server, so these are plain types: checking them
 * in the browser would cost bytes in every page view and catch nothing the server's own
 * tests do not.
 */
import type { Limits } from './limits.js'

export type Role = 'visitor' | 'agent'
export type AuthorRole = Role | 'system'
export type ConversationStatus = 'queued' | 'assigned' | 'closed'
export type AgentStatus = 'online' | 'away' | 'offline'
/** What a system event records; its text is a readable rendering of the same fact. */
export type SystemEvent = 'joined' | 'transferred' | 'left' | 'closed' | 'reopened'

export interface Author {
  role: AuthorRole
  id?: number
  name?: string
}

/** One event of a conversation: a message or a system event, numbered by `seq`. */
export interface ChatEvent {
  t: 'msg'
  conv: number
  seq: number
  id: number
  author: Author
  text: string
  /** Milliseconds since the epoch. */
  at: number
  /** The sender's client message id, so that its other tabs can match the optimistic copy. */
  cid?: string
  sys?: SystemEvent
  /** An internal note between agents (never sent to visitors). */
  note?: true
}

export interface ConversationSummary {
  id: number
  site: number
  visitor: { id: number; name?: string; email?: string }
  status: ConversationStatus
  assignee?: { id: number; name: string }
  lastSeq: number
  /** Last sequence number read by each side. */
  read: { visitor: number; agent: number }
  createdAt: number
  updatedAt: number
}

export interface AgentSummary {
  id: number
  name: string
  status: AgentStatus
}

/**
 * A visitor on a site right now, as agents of that site see them. A visit is unbroken
 * presence: a reload, a page change or another tab continues it, and it ends once the
 * visitor has had no connection for a short grace period.
 */
export interface LiveVisitor {
  id: number
  site: number
  name?: string
  /** The page they are on now (the last one reported, of all their tabs). */
  page: { url?: string; title?: string }
  /** When this visit began, in milliseconds since the epoch. */
  since: number
  /** Parley knew this browser before the visit: first seen 30 minutes or more before it began. */
  returning: boolean
}

export interface SiteSettings {
  key: string
  name: string
  color: string
  greeting: string
  position: 'left' | 'right'
  /** Ask for a name and email before the first message. */
  prechat?: boolean
  /** Whether an agent is online to answer now (sent to visitors in `welcome`). */
  available?: boolean
}

export type ServerFrame =
  | {
      t: 'welcome'
      as: Role
      me: { id: number; name?: string; email?: string; role?: 'admin' | 'agent' }
      /** A new visitor's token: the widget keeps it to be recognised later. */
      token?: string
      site?: SiteSettings
      conversations: ConversationSummary[]
      agents?: AgentSummary[]
      /** Agents: who is on their sites now, the latest arrivals first (a bounded number). */
      visitors?: LiveVisitor[]
      /** Agents: the sites they serve. */
      sites?: { id: number; name: string }[]
      limits: Limits
    }
  | ChatEvent
  | { t: 'ack'; cid: string; conv: number; seq: number; id: number; at: number }
  | { t: 'conv'; conv: ConversationSummary }
  | { t: 'typing'; conv: number; role: Role; name?: string; on: boolean }
  | { t: 'read'; conv: number; role: Role; seq: number }
  | { t: 'agent'; agent: AgentSummary }
  /** A visitor arrived, moved to another page or gave their name (agents of the site only). */
  | { t: 'visitor'; visitor: LiveVisitor }
  /** A visitor left the site: no connection for the grace period (agents of the site only). */
  | { t: 'gone'; visitor: number; site: number }
  | { t: 'history'; conv: number; ref?: string; events: ChatEvent[]; more: boolean }
  | { t: 'ok'; ref: string }
  /** `conv`: the conversation the refusal points at (a `start` for a visitor who is already chatting). */
  | { t: 'error'; code: ErrorCode; message: string; ref?: string; conv?: number }
  | { t: 'ping' }
  | { t: 'pong' }
  /** The server is going away (restart, shutdown): reconnect after a short pause. */
  | { t: 'bye'; reason: string }

export type ServerFrameType = ServerFrame['t']

export type ErrorCode =
  | 'bad_json'
  | 'bad_frame'
  | 'too_large'
  | 'unknown_type'
  | 'not_authenticated'
  | 'already_authenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'
  | 'internal'

/**
 * Everything the agent console shows, computed from server frames and the agent's own actions
 * by one pure reducer: testable without a DOM, and the same whichever transport brought a
 * frame (events are kept by `(conv, seq)`, so replays and history pages change nothing twice).
 */
import type { AgentSummary, ChatEvent, ConversationSummary, LiveVisitor, ServerFrame } from '../protocol/index.js'
import type { ConnectionState } from '../client/index.js'
import { mergeEvents } from '../widget/state.js'

export interface Me {
  id: number
  name?: string
  email?: string
  role?: 'admin' | 'agent'
}

/** A message the agent wrote that the server has not stored yet. */
export interface PendingMessage {
  cid: string
  conv: number
  text: string
  at: number
  /** An internal note, seen by agents only. */
  note?: boolean
  /** Why the server refused it for good; absent while it is on its way. */
  failed?: string
}

export interface ConsoleState {
  connection: ConnectionState
  me?: Me
  /** Every conversation seen this session, closed ones included, by id. */
  conversations: Record<number, ConversationSummary>
  /** Events per conversation, ascending by sequence number, each once. */
  events: Record<number, ChatEvent[]>
  /** Whether older events than the loaded ones exist (undefined: history not asked yet). */
  more: Record<number, boolean | undefined>
  pending: PendingMessage[]
  agents: Record<number, AgentSummary>
  /** Conversations whose visitor is typing right now. */
  visitorTyping: Record<number, boolean>
  /** The last refusal of a command, to show once. */
  notice?: string
  /** Who is on the agent's sites now, by visitor id. */
  visitors: Record<number, LiveVisitor>
  /** Names of the sites the agent serves, by id. */
  sites: Record<number, string>
  /** What became of the chats this agent started (`start` frames), by client id: the latest few. */
  starts: Record<string, StartOutcome>
}

/** The answer to a `start`: the conversation it opened, or why not (and the conversation it points at). */
export type StartOutcome = { ok: true; conv: number } | { ok: false; message: string; conv?: number }

/**
 * Client ids of `start` frames carry this prefix, so that their answers are told apart from
 * those of messages: they are shown on the screen that sent them, not as a passing notice.
 *
 * @example actions.command({ t: 'start', visitor: 42, cid: `${START_CID_PREFIX}${newClientId()}`, text })
 */
export const START_CID_PREFIX = 'start-'
const STARTS_KEPT = 20

export type ConsoleAction =
  | { type: 'frame'; frame: ServerFrame }
  | { type: 'connection'; state: ConnectionState }
  | { type: 'send'; cid: string; conv: number; text: string; at: number; note?: boolean }
  /** The agent has seen a conversation up to `seq` (sent as a `read` frame too). */
  | { type: 'read'; conv: number; seq: number }
  | { type: 'dismiss-notice' }
  /** Summaries fetched over HTTP; a summary already known from the live connection is kept. */
  | { type: 'conversations'; conversations: ConversationSummary[] }

export const initialConsoleState: ConsoleState = {
  connection: 'connecting',
  conversations: {},
  events: {},
  more: {},
  pending: [],
  agents: {},
  visitorTyping: {},
  visitors: {},
  sites: {},
  starts: {},
}

export function consoleReducer(state: ConsoleState, action: ConsoleAction): ConsoleState {
  switch (action.type) {
    case 'connection':
      return { ...state, connection: action.state }
    case 'send':
      return { ...state, pending: [...state.pending, { cid: action.cid, conv: action.conv, text: action.text, at: action.at, ...(action.note ? { note: true } : {}) }], notice: undefined }
    case 'read': {
      const conversation = state.conversations[action.conv]
      if (!conversation || conversation.read.agent >= action.seq) return state
      return withConversation(state, { ...conversation, read: { ...conversation.read, agent: action.seq } })
    }
    case 'dismiss-notice':
      return { ...state, notice: undefined }
    case 'conversations': {
      const conversations = { ...state.conversations }
      for (const conversation of action.conversations) {
        const known = conversations[conversation.id]
        if (!known || known.updatedAt < conversation.updatedAt) conversations[conversation.id] = conversation
      }
      return { ...state, conversations }
    }
    case 'frame':
      return applyFrame(state, action.frame)
  }
}

function withConversation(state: ConsoleState, conversation: ConversationSummary): ConsoleState {
  return { ...state, conversations: { ...state.conversations, [conversation.id]: conversation } }
}

function withEvents(state: ConsoleState, conv: number, incoming: ChatEvent[]): ConsoleState {
  const events = mergeEvents(state.events[conv] ?? [], incoming)
  let next: ConsoleState = { ...state, events: { ...state.events, [conv]: events } }
  const conversation = state.conversations[conv]
  const newest = events[events.length - 1]
  if (conversation && newest && newest.seq > conversation.lastSeq) {
    next = withConversation(next, { ...conversation, lastSeq: newest.seq, updatedAt: Math.max(conversation.updatedAt, newest.at) })
  }
  return next
}

function withStart(state: ConsoleState, cid: string, outcome: StartOutcome): ConsoleState {
  const starts = Object.entries({ ...state.starts, [cid]: outcome }).slice(-STARTS_KEPT)
  return { ...state, starts: Object.fromEntries(starts) }
}

function applyFrame(state: ConsoleState, frame: ServerFrame): ConsoleState {
  switch (frame.t) {
    case 'welcome': {
      // A reconnect's welcome lists what is open now; closed ones seen earlier stay known.
      const conversations = { ...state.conversations }
      for (const conversation of frame.conversations) conversations[conversation.id] = conversation
      const agents: Record<number, AgentSummary> = {}
      for (const agent of frame.agents ?? []) agents[agent.id] = agent
      // Who is here now: those seen before the reconnect may have left meanwhile.
      const visitors: Record<number, LiveVisitor> = {}
      for (const visitor of frame.visitors ?? []) visitors[visitor.id] = visitor
      const sites: Record<number, string> = {}
      for (const site of frame.sites ?? []) sites[site.id] = site.name
      return { ...state, me: frame.me, conversations, agents, visitorTyping: {}, visitors, sites }
    }
    case 'conv': {
      const known = state.conversations[frame.conv.id]
      // A summary can trail events already received: never move lastSeq backwards.
      const conversation = known && known.lastSeq > frame.conv.lastSeq ? { ...frame.conv, lastSeq: known.lastSeq } : frame.conv
      const next = withConversation(state, conversation)
      return conversation.status === 'closed' ? { ...next, visitorTyping: { ...next.visitorTyping, [conversation.id]: false } } : next
    }
    case 'msg': {
      let next = withEvents(state, frame.conv, [frame])
      // A start's first message comes back to its agent like any event of the site, with its
      // client id: that tells where it went even when the client library keeps the ack to itself.
      if (frame.cid?.startsWith(START_CID_PREFIX) && frame.author.id === state.me?.id && !state.starts[frame.cid]) {
        next = withStart(next, frame.cid, { ok: true, conv: frame.conv })
      }
      return {
        ...next,
        pending: frame.cid ? next.pending.filter((p) => p.cid !== frame.cid) : next.pending,
        visitorTyping: frame.author.role === 'visitor' ? { ...next.visitorTyping, [frame.conv]: false } : next.visitorTyping,
      }
    }
    case 'ack': {
      if (frame.cid.startsWith(START_CID_PREFIX)) return withStart(state, frame.cid, { ok: true, conv: frame.conv })
      const pending = state.pending.find((p) => p.cid === frame.cid)
      if (!pending) return state
      // The stored message takes the optimistic copy's place at once; a `msg` echo is a repeat.
      const me = state.me
      const event: ChatEvent = {
        t: 'msg', conv: frame.conv, seq: frame.seq, id: frame.id, text: pending.text, at: frame.at, cid: frame.cid,
        author: { role: 'agent', ...(me ? { id: me.id } : {}), ...(me?.name ? { name: me.name } : {}) },
        ...(pending.note ? { note: true as const } : {}),
      }
      const next = withEvents(state, frame.conv, [event])
      return { ...next, pending: next.pending.filter((p) => p !== pending) }
    }
    case 'history': {
      const next = withEvents(state, frame.conv, frame.events)
      return { ...next, more: { ...next.more, [frame.conv]: frame.more } }
    }
    case 'typing':
      if (frame.role !== 'visitor') return state
      return { ...state, visitorTyping: { ...state.visitorTyping, [frame.conv]: frame.on } }
    case 'read': {
      const conversation = state.conversations[frame.conv]
      if (!conversation || conversation.read[frame.role] >= frame.seq) return state
      return withConversation(state, { ...conversation, read: { ...conversation.read, [frame.role]: frame.seq } })
    }
    case 'agent':
      return { ...state, agents: { ...state.agents, [frame.agent.id]: frame.agent } }
    case 'visitor':
      return { ...state, visitors: { ...state.visitors, [frame.visitor.id]: frame.visitor } }
    case 'gone': {
      if (!state.visitors[frame.visitor]) return state
      const { [frame.visitor]: _left, ...visitors } = state.visitors
      return { ...state, visitors }
    }
    case 'error': {
      if (frame.ref?.startsWith(START_CID_PREFIX)) {
        return withStart(state, frame.ref, { ok: false, message: frame.message, ...(frame.conv === undefined ? {} : { conv: frame.conv }) })
      }
      const pending = frame.ref === undefined ? undefined : state.pending.find((p) => p.cid === frame.ref)
      if (pending) return { ...state, pending: state.pending.map((p) => (p === pending ? { ...p, failed: frame.message } : p)) }
      return { ...state, notice: frame.code === 'conflict' ? 'Another agent took this conversation first.' : frame.message }
    }
    default:
      return state
  }
}

// Selectors: what the views derive from the state, kept here so they are tested with it.

export type InboxTab = 'mine' | 'queue' | 'open' | 'closed'

/** The conversations of an inbox tab, the longest waiting first (closed: latest first). */
export function inboxOf(state: ConsoleState, tab: InboxTab): ConversationSummary[] {
  const myId = state.me?.id
  const all = Object.values(state.conversations)
  const matches = all.filter((c) => {
    if (tab === 'mine') return c.status === 'assigned' && c.assignee?.id === myId
    if (tab === 'queue') return c.status === 'queued'
    if (tab === 'open') return c.status !== 'closed'
    return c.status === 'closed'
  })
  return tab === 'closed' ? matches.sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id) : matches.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id)
}

/** Visitor messages the agents have not read. Counted from loaded events, else from sequence numbers. */
export function unreadOf(state: ConsoleState, conv: number): number {
  const conversation = state.conversations[conv]
  if (!conversation || conversation.status === 'closed') return 0
  const readUpTo = conversation.read.agent
  const events = state.events[conv]
  if (!events?.length) return Math.max(0, conversation.lastSeq - readUpTo)
  return events.filter((e) => e.seq > readUpTo && e.author.role === 'visitor').length
}

/** The newest message (not system event) of a conversation, if loaded. */
export function lastMessageOf(state: ConsoleState, conv: number): ChatEvent | undefined {
  const events = state.events[conv] ?? []
  for (let i = events.length - 1; i >= 0; i--) if (!events[i]!.sys) return events[i]
  return undefined
}

/**
 * Since when the visitor has been waiting for an answer: their oldest message after the last
 * agent message, or the conversation's start while queued with nothing loaded. Undefined when
 * the agent spoke last.
 */
export function waitingSince(state: ConsoleState, conv: number): number | undefined {
  const conversation = state.conversations[conv]
  if (!conversation || conversation.status === 'closed') return undefined
  const events = state.events[conv] ?? []
  let since: number | undefined
  for (const event of events) {
    if (event.author.role === 'agent') since = undefined
    else if (event.author.role === 'visitor' && since === undefined) since = event.at
  }
  if (!events.length && conversation.status === 'queued') return conversation.createdAt
  return since
}

export const visitorName = (conversation: ConversationSummary) => conversation.visitor.name || `Visitor #${conversation.visitor.id}`

export const liveVisitorName = (visitor: LiveVisitor) => visitor.name || `Visitor #${visitor.id}`

/** Who is on the agent's sites now, the latest arrival first. */
export function liveVisitorsOf(state: ConsoleState): LiveVisitor[] {
  return Object.values(state.visitors).sort((a, b) => b.since - a.since || b.id - a.id)
}

/** The visitor's open (queued or assigned) conversation, if they are chatting. */
export function openConversationOf(state: ConsoleState, visitorId: number): ConversationSummary | undefined {
  return Object.values(state.conversations).find((c) => c.visitor.id === visitorId && c.status !== 'closed')
}

/** Colleagues a conversation can be handed to: connected and not away, never oneself. */
export function transferTargets(state: ConsoleState): AgentSummary[] {
  return Object.values(state.agents)
    .filter((a) => a.id !== state.me?.id && a.status === 'online')
    .sort((a, b) => a.name.localeCompare(b.name))
}

/**
 * The conversation one step down (`1`) or up (`-1`) an inbox list from the selected one, stopping
 * at either end; from nothing selected (or one not in the list), the first or the last.
 *
 * @example neighbourOf(inboxOf(state, 'mine'), selected, 1) // Alt+ArrowDown
 */
export function neighbourOf(rows: ConversationSummary[], selected: number | undefined, step: 1 | -1): number | undefined {
  const at = rows.findIndex((c) => c.id === selected)
  if (at < 0) return (step === 1 ? rows[0] : rows[rows.length - 1])?.id
  return rows[Math.min(rows.length - 1, Math.max(0, at + step))]!.id
}

/** Visitor messages unread across every open conversation: the count in the page title. */
export function totalUnread(state: ConsoleState): number {
  let total = 0
  for (const conversation of Object.values(state.conversations)) total += unreadOf(state, conversation.id)
  return total
}

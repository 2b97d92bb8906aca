/**
 * Everything the widget shows, computed from server frames and the visitor's own actions by
 * one pure reducer: testable without a DOM, and the same whichever transport or tab the
 * frames came through (events are kept by sequence number, so repeats change nothing).
 */
import type { ChatEvent, ConversationSummary, ServerFrame, SiteSettings } from '../protocol/index.js'
import type { ConnectionState } from '../client/index.js'

export interface PendingMessage {
  cid: string
  text: string
  at: number
  /** Why the server refused it for good; absent while it is still on its way. */
  failed?: string
}

export interface WidgetState {
  connection: ConnectionState
  open: boolean
  site?: SiteSettings
  me?: { id: number; name?: string; email?: string }
  conversation?: ConversationSummary
  /** Events of the current conversation, by ascending sequence number, each once. */
  events: ChatEvent[]
  /** Messages written here and not yet stored. */
  pending: PendingMessage[]
  /** The typing agent's name ('' when unnamed), or undefined. */
  agentTyping?: string
  /** Agent messages that arrived while the panel was closed. */
  unread: number
  /** A passing problem to tell the visitor (slowed down, refused). */
  notice?: string
}

export type WidgetAction =
  | { type: 'frame'; frame: ServerFrame }
  | { type: 'connection'; state: ConnectionState }
  | { type: 'open' }
  | { type: 'close' }
  | { type: 'send'; cid: string; text: string; at: number }
  | { type: 'dismiss-notice' }

export const initialState: WidgetState = { connection: 'connecting', open: false, events: [], pending: [], unread: 0 }

/** Inserts events by sequence number, dropping ones already there. */
export function mergeEvents(events: ChatEvent[], incoming: ChatEvent[]): ChatEvent[] {
  const bySeq = new Map(events.map((event) => [event.seq, event]))
  for (const event of incoming) if (!bySeq.has(event.seq)) bySeq.set(event.seq, event)
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq)
}

/** Whether a frame about conversation `id` concerns what the widget shows. */
function follows(state: WidgetState, id: number): boolean {
  return !state.conversation || id >= state.conversation.id
}

function switchTo(state: WidgetState, conversation: ConversationSummary): WidgetState {
  // Events may have come before their conversation's summary: keep them if they are its own.
  if (state.events.every((event) => event.conv === conversation.id)) return { ...state, conversation }
  // Events of the new conversation arrive live and by `history`.
  return { ...state, conversation, events: [], agentTyping: undefined }
}

export function widgetReducer(state: WidgetState, action: WidgetAction): WidgetState {
  switch (action.type) {
    case 'connection':
      return { ...state, connection: action.state }
    case 'open':
      return { ...state, open: true, unread: 0 }
    case 'close':
      return { ...state, open: false }
    case 'dismiss-notice':
      return { ...state, notice: undefined }
    case 'send':
      return { ...state, pending: [...state.pending, { cid: action.cid, text: action.text, at: action.at }], notice: undefined }
    case 'frame':
      return applyFrame(state, action.frame)
  }
}

function applyFrame(state: WidgetState, frame: ServerFrame): WidgetState {
  switch (frame.t) {
    case 'welcome': {
      const next = { ...state, site: frame.site ?? state.site, me: frame.me }
      // The newest conversation is the visitor's current one.
      const newest = [...frame.conversations].sort((a, b) => b.id - a.id)[0]
      return newest ? switchTo(next, newest) : next
    }
    case 'conv':
      return follows(state, frame.conv.id) ? switchTo(state, frame.conv) : state
    case 'msg': {
      if (!follows(state, frame.conv)) return state
      let next = state
      if (state.conversation && state.conversation.id !== frame.conv) {
        // The first event of a newer conversation whose summary has not arrived yet.
        next = { ...state, events: [], conversation: undefined, agentTyping: undefined }
      }
      const fromAgent = frame.author.role === 'agent'
      return {
        ...next,
        events: mergeEvents(next.events, [frame]),
        pending: frame.cid ? next.pending.filter((p) => p.cid !== frame.cid) : next.pending,
        agentTyping: fromAgent ? undefined : next.agentTyping,
        unread: fromAgent && !next.open && !next.events.some((e) => e.seq === frame.seq) ? next.unread + 1 : next.unread,
        conversation: next.conversation && { ...next.conversation, lastSeq: Math.max(next.conversation.lastSeq, frame.seq) },
      }
    }
    case 'ack': {
      const pending = state.pending.find((p) => p.cid === frame.cid)
      if (!pending) return state
      // The stored message takes the optimistic copy's place at once; its `msg` echo is a repeat.
      const event: ChatEvent = { t: 'msg', conv: frame.conv, seq: frame.seq, id: frame.id, author: { role: 'visitor' }, text: pending.text, at: frame.at, cid: frame.cid }
      const pendingLeft = state.pending.filter((p) => p !== pending)
      if (!follows(state, frame.conv)) return { ...state, pending: pendingLeft }
      if (state.conversation && state.conversation.id !== frame.conv) {
        // The first message of a newer conversation: its summary follows.
        return { ...state, pending: pendingLeft, conversation: undefined, events: [event], agentTyping: undefined }
      }
      return { ...state, pending: pendingLeft, events: mergeEvents(state.events, [event]) }
    }
    case 'typing':
      if (frame.role !== 'agent' || frame.conv !== state.conversation?.id) return state
      return { ...state, agentTyping: frame.on ? frame.name ?? '' : undefined }
    case 'read':
      if (!state.conversation || frame.conv !== state.conversation.id) return state
      return { ...state, conversation: { ...state.conversation, read: { ...state.conversation.read, [frame.role]: frame.seq } } }
    case 'history':
      if (frame.conv !== state.conversation?.id) return state
      return { ...state, events: mergeEvents(state.events, frame.events) }
    case 'error': {
      if (frame.code === 'rate_limited') return { ...state, notice: 'slow-down' }
      const pending = frame.ref === undefined ? undefined : state.pending.find((p) => p.cid === frame.ref)
      if (!pending) return state
      return { ...state, pending: state.pending.map((p) => (p === pending ? { ...p, failed: frame.message } : p)) }
    }
    default:
      return state
  }
}

/**
 * What the message list shows, worked out from the widget state without a DOM: which bubbles,
 * in which order, and what to say under the visitor's messages. The components only draw it.
 */
import type { Strings } from '../locales.js'
import type { WidgetState } from '../state.js'

export interface TimelineItem {
  /** Stable across renders while the item stays what it is (Preact keys). */
  key: string
  kind: 'visitor' | 'agent' | 'system'
  text: string
  author?: string
  /** Milliseconds since the epoch; absent for the greeting. */
  at?: number
  /** What became of a visitor's message: sending, not sent, delivered, read. */
  status?: string
  failed?: boolean
}

/**
 * The greeting, the conversation's events by sequence number, then messages still on their way.
 * Only the visitor's last message says where it stands (one "Read" says all before it was read
 * too), except that a message that was refused says so wherever it is.
 */
export function timelineOf(state: WidgetState, strings: Strings): TimelineItem[] {
  const items: TimelineItem[] = []
  const greeting = state.site?.greeting
  if (greeting) items.push({ key: 'greeting', kind: 'agent', text: greeting, author: state.site?.name })
  const readByAgent = state.conversation?.read.agent ?? 0
  let lastVisitor: TimelineItem | undefined
  let lastVisitorSeq = 0
  for (const event of state.events) {
    const kind = event.author.role
    const item: TimelineItem = { key: `e${event.seq}`, kind, text: event.text, at: event.at }
    if (kind === 'agent' && event.author.name) item.author = event.author.name
    if (kind === 'visitor') {
      lastVisitor = item
      lastVisitorSeq = event.seq
    }
    items.push(item)
  }
  if (lastVisitor) lastVisitor.status = lastVisitorSeq <= readByAgent ? strings.read : strings.delivered
  for (const pending of state.pending) {
    const item: TimelineItem = { key: `p${pending.cid}`, kind: 'visitor', text: pending.text, at: pending.at }
    if (pending.failed !== undefined) {
      item.status = strings.notSent(pending.failed)
      item.failed = true
    }
    if (lastVisitor && !lastVisitor.failed) delete lastVisitor.status
    lastVisitor = item
    items.push(item)
  }
  if (lastVisitor && !lastVisitor.status) lastVisitor.status = strings.sending
  return items
}

/**
 * The sequence number to report as read, if the newest event is someone else's and the
 * visitor has not read it yet (the caller checks that the panel is open and the page visible).
 */
export function seqToMarkRead(state: WidgetState): number | undefined {
  const conversation = state.conversation
  const newest = state.events.at(-1)
  if (!conversation || !newest || newest.conv !== conversation.id) return undefined
  if (newest.author.role === 'visitor' || newest.seq <= conversation.read.visitor) return undefined
  return newest.seq
}

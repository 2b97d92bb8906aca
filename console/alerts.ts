/**
 * Which incoming frames are news to tell the agent about: a conversation not seen before, or a
 * visitor message newer than any seen in its conversation. Pure, so that replays after a
 * reconnect and history pages (old events, however they arrive) are tested not to ring.
 */
import type { ServerFrame } from '../protocol/index.js'
import { visitorName } from './state.js'

export interface Alert {
  conv: number
  kind: 'conversation' | 'message'
  /** Who: the visitor's name. */
  title: string
  body: string
}

/**
 * A function to call with every frame, in arrival order, that returns the news in it, if any.
 *
 * @example
 * const newsIn = createAlertTracker()
 * onFrame(frame) { const news = newsIn(frame); if (news) announce(news) }
 */
export function createAlertTracker(): (frame: ServerFrame) => Alert | undefined {
  const newestSeq = new Map<number, number>()
  const names = new Map<number, string>()
  /** Conversations whose summary came before their first message, which will announce them. */
  const startedHere = new Set<number>()
  const saw = (conv: number, seq: number) => newestSeq.set(conv, Math.max(newestSeq.get(conv) ?? 0, seq))

  return function newsIn(frame) {
    switch (frame.t) {
      case 'welcome':
        // What is open at (re)connection is the starting point, not news.
        for (const conversation of frame.conversations) {
          saw(conversation.id, conversation.lastSeq)
          names.set(conversation.id, visitorName(conversation))
        }
        return undefined
      case 'history':
        for (const event of frame.events) saw(frame.conv, event.seq)
        return undefined
      case 'conv': {
        const id = frame.conv.id
        names.set(id, visitorName(frame.conv))
        if (newestSeq.has(id)) {
          saw(id, frame.conv.lastSeq)
          return undefined
        }
        // New to this session (just started, or reopened): its first messages follow and are
        // the news, with words to show; a summary without any is news by itself.
        newestSeq.set(id, 0)
        if (frame.conv.status === 'closed') return undefined
        if (frame.conv.lastSeq > 0) {
          startedHere.add(id)
          return undefined
        }
        return { conv: id, kind: 'conversation', title: visitorName(frame.conv), body: 'New conversation' }
      }
      case 'msg': {
        const isNew = frame.seq > (newestSeq.get(frame.conv) ?? 0)
        saw(frame.conv, frame.seq)
        if (!isNew || frame.author.role !== 'visitor' || frame.sys) return undefined
        const kind = startedHere.delete(frame.conv) ? 'conversation' : 'message'
        return { conv: frame.conv, kind, title: names.get(frame.conv) ?? frame.author.name ?? 'Visitor', body: frame.text }
      }
      case 'ack':
        saw(frame.conv, frame.seq)
        return undefined
      default:
        return undefined
    }
  }
}

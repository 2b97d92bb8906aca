/** Which frames ring: new conversations and new visitor messages, never what is only caught up on. */
import { describe, expect, it } from 'vitest'
import type { ChatEvent, ConversationSummary, ServerFrame } from '../../protocol/index.js'
import { defaultLimits } from '../../protocol/limits.js'
import { createAlertTracker } from '../../console/alerts.js'

function summary(id: number, fields: Partial<ConversationSummary> = {}): ConversationSummary {
  return { id, site: 1, visitor: { id: 100 + id }, status: 'queued', lastSeq: 0, read: { visitor: 0, agent: 0 }, createdAt: 1_000, updatedAt: 1_000, ...fields }
}

const msg = (conv: number, seq: number, role: 'visitor' | 'agent', text = `m${seq}`): ChatEvent =>
  ({ t: 'msg', conv, seq, id: conv * 1000 + seq, author: { role }, text, at: 10_000 + seq })

const welcome = (conversations: ConversationSummary[]): ServerFrame =>
  ({ t: 'welcome', as: 'agent', me: { id: 7 }, conversations, agents: [], limits: defaultLimits })

describe('alerts', () => {
  it('rings for a visitor message newer than any seen, naming the visitor', () => {
    const newsIn = createAlertTracker()
    expect(newsIn(welcome([summary(1, { lastSeq: 2, visitor: { id: 5, name: 'Lin' } })]))).toBeUndefined()
    expect(newsIn(msg(1, 3, 'visitor', 'Where is my parcel?'))).toEqual({ conv: 1, kind: 'message', title: 'Lin', body: 'Where is my parcel?' })
  })

  it('does not ring for agents, system events, replays or history pages', () => {
    const newsIn = createAlertTracker()
    newsIn(welcome([summary(1, { lastSeq: 4 })]))
    expect(newsIn(msg(1, 3, 'visitor'))).toBeUndefined()
    expect(newsIn({ t: 'history', conv: 1, events: [msg(1, 5, 'visitor')], more: false })).toBeUndefined()
    expect(newsIn(msg(1, 5, 'visitor'))).toBeUndefined()
    expect(newsIn(msg(1, 6, 'agent'))).toBeUndefined()
    expect(newsIn({ ...msg(1, 7, 'visitor'), author: { role: 'system' }, sys: 'joined' })).toBeUndefined()
  })

  it('rings once for a new conversation, with its first message when that follows the summary', () => {
    const newsIn = createAlertTracker()
    newsIn(welcome([]))
    expect(newsIn({ t: 'conv', conv: summary(9, { lastSeq: 1 }) })).toBeUndefined()
    expect(newsIn(msg(9, 1, 'visitor', 'Hi'))).toEqual({ conv: 9, kind: 'conversation', title: 'Visitor #109', body: 'Hi' })
    expect(newsIn({ t: 'conv', conv: summary(9, { lastSeq: 1, status: 'assigned' }) })).toBeUndefined()
    expect(newsIn(msg(9, 2, 'visitor'))).toMatchObject({ kind: 'message' })
    // A summary with no message yet is news by itself; a message before its summary too.
    expect(newsIn({ t: 'conv', conv: summary(10) })).toMatchObject({ conv: 10, kind: 'conversation', body: 'New conversation' })
    expect(newsIn(msg(11, 1, 'visitor', 'Hello?'))).toMatchObject({ conv: 11, body: 'Hello?' })
    expect(newsIn({ t: 'conv', conv: summary(11, { lastSeq: 1 }) })).toBeUndefined()
    expect(newsIn({ t: 'conv', conv: summary(12, { lastSeq: 3, status: 'closed' }) })).toBeUndefined()
  })
})

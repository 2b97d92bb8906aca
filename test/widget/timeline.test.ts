import { describe, expect, it } from 'vitest'
import { defaultLimits, type ChatEvent, type ConversationSummary } from '../../protocol/index.js'
import { locales } from '../../widget/locales.js'
import { seqToMarkRead, timelineOf } from '../../widget/panel/timeline.js'
import { initialState, widgetReducer, type WidgetState } from '../../widget/state.js'

const strings = locales.en
const conversation: ConversationSummary = { id: 5, site: 1, visitor: { id: 9 }, status: 'assigned', assignee: { id: 2, name: 'Ada' }, lastSeq: 0, read: { visitor: 0, agent: 0 }, createdAt: 0, updatedAt: 0 }
const agent = (seq: number, text = `agent ${seq}`): ChatEvent => ({ t: 'msg', conv: 5, seq, id: seq, author: { role: 'agent', id: 2, name: 'Ada' }, text, at: seq })
const visitor = (seq: number, text = `visitor ${seq}`): ChatEvent => ({ t: 'msg', conv: 5, seq, id: seq, author: { role: 'visitor', id: 9 }, text, at: seq })
const system = (seq: number): ChatEvent => ({ t: 'msg', conv: 5, seq, id: seq, author: { role: 'system' }, text: 'Ada joined the conversation', at: seq, sys: 'joined' })

function stateWith(fields: Partial<WidgetState>): WidgetState {
  return { ...initialState, conversation, ...fields }
}

/** Each item as "kind: text [status]", so a test reads like the panel. */
const lines = (state: WidgetState) => timelineOf(state, strings).map((item) => `${item.kind}: ${item.text}${item.status ? ` [${item.status}]` : ''}`)

describe('timelineOf', () => {
  it('starts with the site’s greeting as the site speaking', () => {
    const site = { key: 'k', name: 'Shop', color: '#000', greeting: 'Hi! Ask us anything.', position: 'right' as const }
    expect(timelineOf(stateWith({ site }), strings)[0]).toEqual({ key: 'greeting', kind: 'agent', text: 'Hi! Ask us anything.', author: 'Shop' })
  })

  it('lists events in order, then messages on their way, with the status under the visitor’s last message only', () => {
    const state = stateWith({ events: [system(1), visitor(2), agent(3), visitor(4)], pending: [{ cid: 'a', text: 'still going', at: 10 }] })
    expect(lines(state)).toEqual(['system: Ada joined the conversation', 'visitor: visitor 2', 'agent: agent 3', 'visitor: visitor 4', 'visitor: still going [Sending…]'])
  })

  it('names the agent on their messages', () => {
    const [item] = timelineOf(stateWith({ events: [agent(1)] }), strings)
    expect(item).toMatchObject({ kind: 'agent', author: 'Ada', at: 1 })
  })

  it('says delivered once stored, and read once the agent’s read mark reaches it', () => {
    expect(lines(stateWith({ events: [visitor(1), visitor(2)] })).at(-1)).toBe('visitor: visitor 2 [Delivered]')
    const read = stateWith({ events: [visitor(1), visitor(2), agent(3)], conversation: { ...conversation, read: { visitor: 0, agent: 2 } } })
    expect(lines(read)).toEqual(['visitor: visitor 1', 'visitor: visitor 2 [Read]', 'agent: agent 3'])
  })

  it('says why a message was not sent, wherever it is in the list', () => {
    const state = stateWith({ pending: [{ cid: 'a', text: 'too long', at: 1, failed: 'text is too long' }, { cid: 'b', text: 'next', at: 2 }] })
    expect(lines(state)).toEqual(['visitor: too long [Not sent: text is too long]', 'visitor: next [Sending…]'])
    expect(timelineOf(state, strings)[0]?.failed).toBe(true)
  })

  it('keeps each item’s key while it stays the same item', () => {
    const state = stateWith({ events: [agent(1)], pending: [{ cid: 'c1', text: 'hi', at: 2 }] })
    expect(timelineOf(state, strings).map((item) => item.key)).toEqual(['e1', 'pc1'])
  })
})

describe('seqToMarkRead', () => {
  it('is the newest event when it is from the other side and unread', () => {
    expect(seqToMarkRead(stateWith({ events: [visitor(1), agent(2)] }))).toBe(2)
    expect(seqToMarkRead(stateWith({ events: [agent(1), system(2)] }))).toBe(2)
  })

  it('is nothing when the visitor wrote last, already read it, or there is nothing', () => {
    expect(seqToMarkRead(stateWith({ events: [agent(1), visitor(2)] }))).toBeUndefined()
    expect(seqToMarkRead(stateWith({ events: [agent(1), agent(2)], conversation: { ...conversation, read: { visitor: 2, agent: 0 } } }))).toBeUndefined()
    expect(seqToMarkRead(stateWith({ events: [] }))).toBeUndefined()
    expect(seqToMarkRead({ ...initialState, events: [agent(1)] })).toBeUndefined()
  })

  it('follows the reducer: a read frame for the visitor stops further marks', () => {
    let state = widgetReducer(initialState, { type: 'frame', frame: { t: 'welcome', as: 'visitor', me: { id: 9 }, conversations: [conversation], limits: defaultLimits } })
    state = widgetReducer(state, { type: 'frame', frame: agent(1) })
    expect(seqToMarkRead(state)).toBe(1)
    state = widgetReducer(state, { type: 'frame', frame: { t: 'read', conv: 5, role: 'visitor', seq: 1 } })
    expect(seqToMarkRead(state)).toBeUndefined()
  })
})

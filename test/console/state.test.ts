/** The console's reducer and selectors, from frames to what the inbox and conversation show. */
import { describe, expect, it } from 'vitest'
import type { ChatEvent, ConversationSummary, LiveVisitor, ServerFrame } from '../../protocol/index.js'
import { defaultLimits } from '../../protocol/limits.js'
import {
  consoleReducer, inboxOf, initialConsoleState, lastMessageOf, liveVisitorName, liveVisitorsOf, neighbourOf, openConversationOf, START_CID_PREFIX,
  totalUnread, transferTargets, unreadOf, visitorName, waitingSince, type ConsoleAction, type ConsoleState,
} from '../../console/state.js'

const ME = { id: 7, name: 'Ada', role: 'agent' as const }

function summary(id: number, fields: Partial<ConversationSummary> = {}): ConversationSummary {
  return { id, site: 1, visitor: { id: 100 + id }, status: 'queued', lastSeq: 0, read: { visitor: 0, agent: 0 }, createdAt: 1_000 * id, updatedAt: 1_000 * id, ...fields }
}

function msg(conv: number, seq: number, role: 'visitor' | 'agent' | 'system', text = `m${seq}`, extra: Partial<ChatEvent> = {}): ChatEvent {
  return { t: 'msg', conv, seq, id: conv * 1000 + seq, author: { role, ...(role === 'agent' ? { id: ME.id, name: ME.name } : {}) }, text, at: 10_000 + seq, ...extra }
}

const welcome = (conversations: ConversationSummary[], agents = [{ id: ME.id, name: 'Ada', status: 'online' as const }]): ServerFrame =>
  ({ t: 'welcome', as: 'agent', me: ME, conversations, agents, limits: defaultLimits })

function run(...items: (ServerFrame | ConsoleAction)[]): ConsoleState {
  return items.reduce<ConsoleState>((state, item) => consoleReducer(state, 'type' in item ? item : { type: 'frame', frame: item }), initialConsoleState)
}

describe('console state', () => {
  it('knows the conversations and agents of the welcome, and the connection state', () => {
    const state = run(welcome([summary(1), summary(2, { status: 'assigned', assignee: { id: 7, name: 'Ada' } })]), { type: 'connection', state: 'online' })
    expect(state.connection).toBe('online')
    expect(state.me?.id).toBe(7)
    expect(Object.keys(state.conversations)).toEqual(['1', '2'])
    expect(state.agents[7]?.status).toBe('online')
  })

  it('keeps events once each, in sequence order, whichever way they came', () => {
    const state = run(
      welcome([summary(1, { lastSeq: 1 })]),
      msg(1, 3, 'visitor'),
      { t: 'history', conv: 1, events: [msg(1, 1, 'visitor'), msg(1, 2, 'system', 'Ada joined', { sys: 'joined' })], more: true },
      msg(1, 3, 'visitor'),
    )
    expect(state.events[1]!.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(state.more[1]).toBe(true)
    expect(state.conversations[1]!.lastSeq).toBe(3)
  })

  it('sorts conversations into the inbox tabs, closed ones kept for the session', () => {
    let state = run(
      welcome([
        summary(1),
        summary(2, { status: 'assigned', assignee: { id: 7, name: 'Ada' } }),
        summary(3, { status: 'assigned', assignee: { id: 8, name: 'Bo' } }),
      ]),
    )
    expect(inboxOf(state, 'mine').map((c) => c.id)).toEqual([2])
    expect(inboxOf(state, 'queue').map((c) => c.id)).toEqual([1])
    expect(inboxOf(state, 'open').map((c) => c.id)).toEqual([1, 2, 3])
    state = run(welcome([summary(1)]), { t: 'conv', conv: summary(1, { status: 'closed', updatedAt: 9_000 }) })
    expect(inboxOf(state, 'open')).toEqual([])
    expect(inboxOf(state, 'closed').map((c) => c.id)).toEqual([1])
    // A reconnect's welcome lists only open ones: the closed one stays known.
    state = consoleReducer(state, { type: 'frame', frame: welcome([]) })
    expect(inboxOf(state, 'closed').map((c) => c.id)).toEqual([1])
  })

  it('counts unread visitor messages until the agent reads them', () => {
    let state = run(welcome([summary(1)]), msg(1, 1, 'visitor'), msg(1, 2, 'system', 'joined', { sys: 'joined' }), msg(1, 3, 'visitor'))
    expect(unreadOf(state, 1)).toBe(2)
    state = consoleReducer(state, { type: 'read', conv: 1, seq: 3 })
    expect(unreadOf(state, 1)).toBe(0)
    // Without loaded events, the sequence numbers tell.
    expect(unreadOf(run(welcome([summary(2, { lastSeq: 4, read: { visitor: 4, agent: 1 } })])), 2)).toBe(3)
  })

  it('shows the last message and how long the visitor has waited for an answer', () => {
    let state = run(welcome([summary(1)]))
    expect(waitingSince(state, 1)).toBe(1_000) // queued, nothing loaded: since it opened
    state = run(welcome([summary(1)]), msg(1, 1, 'visitor'), msg(1, 2, 'visitor'))
    expect(waitingSince(state, 1)).toBe(10_001)
    state = consoleReducer(state, { type: 'frame', frame: msg(1, 3, 'agent', 'On it') })
    expect(waitingSince(state, 1)).toBeUndefined()
    state = consoleReducer(state, { type: 'frame', frame: msg(1, 4, 'system', 'closed', { sys: 'closed' }) })
    expect(lastMessageOf(state, 1)?.text).toBe('On it')
  })

  it('replaces an optimistic message with the stored one on ack, and drops its echo', () => {
    let state = run(welcome([summary(1, { status: 'assigned' })]), { type: 'send', cid: 'c1', conv: 1, text: 'Hi', at: 5 })
    expect(state.pending).toHaveLength(1)
    state = consoleReducer(state, { type: 'frame', frame: { t: 'ack', cid: 'c1', conv: 1, seq: 2, id: 9, at: 6 } })
    expect(state.pending).toEqual([])
    expect(state.events[1]).toMatchObject([{ seq: 2, text: 'Hi', author: { role: 'agent', id: 7, name: 'Ada' } }])
    state = consoleReducer(state, { type: 'frame', frame: msg(1, 2, 'agent', 'Hi', { cid: 'c1' }) })
    expect(state.events[1]).toHaveLength(1)
  })

  it('marks a refused message failed, and tells other refusals once', () => {
    let state = run(welcome([summary(1)]), { type: 'send', cid: 'c1', conv: 1, text: 'Hi', at: 5 })
    state = consoleReducer(state, { type: 'frame', frame: { t: 'error', code: 'not_found', message: 'no such conversation', ref: 'c1' } })
    expect(state.pending[0]?.failed).toBe('no such conversation')
    state = consoleReducer(state, { type: 'frame', frame: { t: 'error', code: 'conflict', message: 'taken', ref: 'claim-1' } })
    expect(state.notice).toMatch(/Another agent/)
    expect(consoleReducer(state, { type: 'dismiss-notice' }).notice).toBeUndefined()
  })

  it('follows visitor typing, read marks that only move forward, and agent presence', () => {
    let state = run(welcome([summary(1, { lastSeq: 3 })]), { t: 'typing', conv: 1, role: 'visitor', on: true })
    expect(state.visitorTyping[1]).toBe(true)
    state = consoleReducer(state, { type: 'frame', frame: msg(1, 4, 'visitor') })
    expect(state.visitorTyping[1]).toBe(false) // the message they were typing arrived
    state = run(welcome([summary(1, { lastSeq: 3 })]), { t: 'read', conv: 1, role: 'visitor', seq: 3 }, { t: 'read', conv: 1, role: 'visitor', seq: 2 })
    expect(state.conversations[1]!.read.visitor).toBe(3)
    state = run(
      welcome([]),
      { t: 'agent', agent: { id: 8, name: 'Bo', status: 'online' } },
      { t: 'agent', agent: { id: 9, name: 'Cy', status: 'away' } },
    )
    expect(transferTargets(state).map((a) => a.name)).toEqual(['Bo'])
  })

  it('names a visitor by name, else by number', () => {
    expect(visitorName(summary(1))).toBe('Visitor #101')
    expect(visitorName(summary(1, { visitor: { id: 5, name: 'Lin' } }))).toBe('Lin')
  })

  it('steps through an inbox list for Alt+ArrowDown and Alt+ArrowUp, stopping at either end', () => {
    const rows = [summary(1), summary(2), summary(3)]
    expect(neighbourOf(rows, undefined, 1)).toBe(1)
    expect(neighbourOf(rows, undefined, -1)).toBe(3)
    expect(neighbourOf(rows, 1, 1)).toBe(2)
    expect(neighbourOf(rows, 2, -1)).toBe(1)
    expect(neighbourOf(rows, 3, 1)).toBe(3)
    expect(neighbourOf(rows, 1, -1)).toBe(1)
    // Selected in another tab: the list starts over.
    expect(neighbourOf(rows, 9, 1)).toBe(1)
    expect(neighbourOf([], 1, 1)).toBeUndefined()
  })

  it('adds up unread visitor messages of open conversations for the page title', () => {
    const state = run(
      welcome([summary(1, { lastSeq: 2 }), summary(2, { status: 'closed', lastSeq: 4 }), summary(3)]),
      msg(3, 1, 'visitor'),
      msg(3, 2, 'agent'),
      msg(3, 3, 'visitor'),
    )
    expect(totalUnread(state)).toBe(4)
    expect(totalUnread(consoleReducer(state, { type: 'read', conv: 1, seq: 2 }))).toBe(2)
  })
})

describe('live visitors', () => {
  const here = (id: number, since: number, fields: Partial<LiveVisitor> = {}): LiveVisitor =>
    ({ id, site: 1, page: { url: `https://shop.test/${id}`, title: `Page ${id}` }, since, returning: false, ...fields })
  const agentWelcome = (visitors: LiveVisitor[]): ServerFrame =>
    ({ t: 'welcome', as: 'agent', me: ME, conversations: [], agents: [], visitors, sites: [{ id: 1, name: 'Shop' }, { id: 2, name: 'Blog' }], limits: defaultLimits })

  it('start from the welcome, the latest arrival first, with the names of the agent’s sites', () => {
    const state = run(agentWelcome([here(1, 100), here(2, 300), here(3, 200)]))
    expect(liveVisitorsOf(state).map((v) => v.id)).toEqual([2, 3, 1])
    expect(state.sites).toEqual({ 1: 'Shop', 2: 'Blog' })
  })

  it('arrive, move and leave with visitor and gone frames', () => {
    let state = run(agentWelcome([here(1, 100)]), { t: 'visitor', visitor: here(2, 200) })
    expect(liveVisitorsOf(state).map((v) => v.id)).toEqual([2, 1])
    state = consoleReducer(state, { type: 'frame', frame: { t: 'visitor', visitor: here(1, 100, { page: { title: 'Cart' }, name: 'Mia' }) } })
    expect(state.visitors[1]).toMatchObject({ name: 'Mia', page: { title: 'Cart' }, since: 100 })
    state = consoleReducer(state, { type: 'frame', frame: { t: 'gone', visitor: 2, site: 1 } })
    expect(Object.keys(state.visitors)).toEqual(['1'])
    // A departure already applied changes nothing.
    expect(consoleReducer(state, { type: 'frame', frame: { t: 'gone', visitor: 2, site: 1 } })).toBe(state)
  })

  it('are replaced by a reconnect’s welcome: those who left meanwhile are gone', () => {
    const state = run(agentWelcome([here(1, 100), here(2, 200)]), agentWelcome([here(2, 200)]))
    expect(Object.keys(state.visitors)).toEqual(['2'])
  })

  it('are named by name, else by number, and chatting while they have an open conversation', () => {
    expect(liveVisitorName(here(4, 1))).toBe('Visitor #4')
    expect(liveVisitorName(here(4, 1, { name: 'Mia' }))).toBe('Mia')
    const state = run(welcome([summary(1, { visitor: { id: 4 }, status: 'closed' }), summary(2, { visitor: { id: 4 }, status: 'assigned' }), summary(3, { visitor: { id: 5 }, status: 'closed' })]))
    expect(openConversationOf(state, 4)?.id).toBe(2)
    expect(openConversationOf(state, 5)).toBeUndefined()
  })
})

describe('starting a chat', () => {
  const cid = (n: number) => `${START_CID_PREFIX}${n}`

  it('records the conversation a start opened, apart from the messages', () => {
    const state = run(welcome([]), { t: 'ack', cid: cid(1), conv: 9, seq: 2, id: 90, at: 5 })
    expect(state.starts[cid(1)]).toEqual({ ok: true, conv: 9 })
    expect(state.pending).toEqual([])
  })

  it('learns where a start went from its message coming back with the client id, the ack being the client library’s', () => {
    const state = run(welcome([]), { t: 'conv', conv: summary(9, { status: 'assigned', assignee: { id: ME.id, name: 'Ada' } }) }, msg(9, 2, 'agent', 'Hello', { cid: cid(4) }))
    expect(state.starts[cid(4)]).toEqual({ ok: true, conv: 9 })
    // Another agent's start is theirs to follow.
    expect(run(welcome([]), msg(9, 2, 'agent', 'Hello', { cid: cid(5), author: { role: 'agent', id: 99 } })).starts).toEqual({})
  })

  it('records a refusal where the start was asked, with the conversation it points at, and raises no notice', () => {
    const state = run(
      welcome([]),
      { t: 'error', code: 'conflict', message: 'Mia already has an open conversation (#4)', ref: cid(2), conv: 4 },
      { t: 'error', code: 'conflict', message: 'Visitor #7 has left the site', ref: cid(3) },
    )
    expect(state.starts[cid(2)]).toEqual({ ok: false, message: 'Mia already has an open conversation (#4)', conv: 4 })
    expect(state.starts[cid(3)]).toEqual({ ok: false, message: 'Visitor #7 has left the site' })
    expect(state.notice).toBeUndefined()
  })

  it('keeps the latest twenty answers', () => {
    const frames: ServerFrame[] = Array.from({ length: 25 }, (_, i) => ({ t: 'ack', cid: cid(i), conv: i + 1, seq: 2, id: i, at: 1 }))
    const state = run(welcome([]), ...frames)
    expect(Object.keys(state.starts)).toEqual(Array.from({ length: 20 }, (_, i) => cid(i + 5)))
  })
})

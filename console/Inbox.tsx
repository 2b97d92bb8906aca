import { useEffect, useRef, useState } from 'preact/hooks'
import { useNow } from './use-now.js'
import type { ConversationSummary } from '../protocol/index.js'
import { api } from './api.js'
import { shortDuration } from './format.js'
import { SHORTCUTS_HELP } from './shortcuts.js'
import { inboxOf, lastMessageOf, unreadOf, visitorName, waitingSince, type ConsoleState, type InboxTab } from './state.js'

const TABS: [InboxTab, string][] = [
  ['mine', 'Mine'],
  ['queue', 'Queue'],
  ['open', 'All open'],
  ['closed', 'Closed'],
]

interface InboxProps {
  state: ConsoleState
  tab: InboxTab
  selected?: number
  onTab(tab: InboxTab): void
  onSelect(conv: number): void
  /** Takes in conversations fetched over HTTP (`actions.learn`): without it the Closed tab shows only this session's. */
  learn?(conversations: ConversationSummary[]): void
}

/** The tabs and their conversations; waiting times tick every 30 s. Closed ones from before this session load a page at a time. */
export function Inbox({ state, tab, selected, onTab, onSelect, learn }: InboxProps) {
  const now = useNow(30_000)
  const rows = inboxOf(state, tab)
  const list = useRef<HTMLUListElement>(null)
  const older = useOlderClosed(tab === 'closed', learn)
  const more = useRef<HTMLLIElement>(null)
  // Scrolling to the end of the Closed tab loads the next page, as the button would.
  useEffect(() => {
    const sentinel = more.current
    if (!sentinel || !list.current) return
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) older.load()
    }, { root: list.current })
    observer.observe(sentinel)
    return () => observer.disconnect()
  }, [tab, older.canLoad, rows.length])
  // A selection moved by the keyboard stays in sight.
  useEffect(() => {
    list.current?.querySelector('.is-selected')?.scrollIntoView({ block: 'nearest' })
  }, [selected])
  return (
    <nav class="inbox" aria-label="Inbox">
      <div class="tabs" role="tablist">
        {TABS.map(([id, label]) => {
          const count = inboxOf(state, id).length
          return (
            <button key={id} type="button" role="tab" aria-selected={tab === id} class="tab" onClick={() => onTab(id)}>
              {label}
              {id !== 'closed' && count > 0 && <span class="tab-count">{count}</span>}
            </button>
          )
        })}
      </div>
      <ul ref={list} class="rows" role="tabpanel" aria-label={TABS.find(([id]) => id === tab)![1]}>
        {rows.length === 0 && !(tab === 'closed' && older.loading) && <li class="rows-empty">No conversations here.</li>}
        {rows.map((conversation) => {
          const last = lastMessageOf(state, conversation.id)
          const unread = unreadOf(state, conversation.id)
          const waiting = waitingSince(state, conversation.id)
          const typing = state.visitorTyping[conversation.id]
          return (
            <li key={conversation.id}>
              <button
                type="button"
                class={`row${conversation.id === selected ? ' is-selected' : ''}${unread ? ' is-unread' : ''}`}
                aria-current={conversation.id === selected}
                data-conv={conversation.id}
                onClick={() => onSelect(conversation.id)}
              >
                <span class="avatar" aria-hidden="true">{visitorName(conversation).charAt(0).toUpperCase()}</span>
                <span class="row-main">
                  <span class="row-top">
                    <span class="row-name">{visitorName(conversation)}</span>
                    {waiting !== undefined && <span class="waiting" title="Waiting for an answer">{shortDuration(now - waiting)}</span>}
                  </span>
                  <span class="row-bottom">
                    <span class="row-last">
                      {typing ? <em>typing…</em> : last ? `${last.author.role !== 'agent' ? '' : last.author.id === state.me?.id ? 'You: ' : `${last.author.name ?? 'Agent'}: `}${last.text}` : conversation.status === 'closed' ? `Closed ${closedDate(conversation.updatedAt)}` : '…'}
                    </span>
                    {unread > 0 && <span class="badge" aria-label={`${unread} unread`}>{unread}</span>}
                  </span>
                  {tab === 'open' && <span class="row-meta">{conversation.assignee ? conversation.assignee.name : 'In queue'}</span>}
                </span>
              </button>
            </li>
          )
        })}
        {tab === 'closed' && (older.canLoad || older.loading || older.error) && (
          <li ref={more} class="rows-more">
            {older.error && <p class="rows-error" role="alert">{older.error}</p>}
            <button type="button" class="secondary" disabled={older.loading} onClick={older.load}>
              {older.loading ? 'Loading…' : older.error ? 'Try again' : 'Load older conversations'}
            </button>
          </li>
        )}
      </ul>
      <p class="shortcuts">{SHORTCUTS_HELP}</p>
    </nav>
  )
}

/** Closed conversations per request. */
const CLOSED_PAGE = 25

const closedDate = (at: number) => new Date(at).toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' })

/**
 * Closed conversations from before this session, newest first, a page at a time from
 * GET /api/console/conversations: the first page when the Closed tab is first opened, the next
 * one on `load()`. Pages follow the server's cursor, so chats closed meanwhile (which arrive
 * live) neither repeat nor push others out of a page.
 */
function useOlderClosed(active: boolean, learn: InboxProps['learn']) {
  const [paging, setPaging] = useState<{ next?: string; started: boolean; done: boolean; loading: boolean; error?: string }>({
    started: false, done: false, loading: false,
  })
  // Read by load(), which the scroll observer may call twice before a render.
  const latest = useRef(paging)
  latest.current = paging
  const learnLatest = useRef(learn)
  learnLatest.current = learn

  function load() {
    const { next, done, loading } = latest.current
    if (!learnLatest.current || loading || done) return
    latest.current = { ...latest.current, started: true, loading: true, error: undefined }
    setPaging(latest.current)
    const cursor = next ? `&before=${encodeURIComponent(next)}` : ''
    api<{ conversations: ConversationSummary[]; next?: string }>('GET', `/conversations?status=closed&limit=${CLOSED_PAGE}${cursor}`).then(
      (page) => {
        learnLatest.current?.(page.conversations)
        setPaging({ started: true, loading: false, done: !page.next, ...(page.next ? { next: page.next } : {}) })
      },
      (error: Error) => setPaging((now) => ({ ...now, loading: false, error: error.message })),
    )
  }

  useEffect(() => {
    if (active && !latest.current.started) load()
  }, [active])

  // After a failure, only the button tries again: scrolling would retry in a loop.
  const canLoad = Boolean(learn) && paging.started && !paging.done && !paging.loading && !paging.error
  return { load, loading: paging.loading, error: paging.error, canLoad }
}

import { useEffect, useRef, useState } from 'preact/hooks'
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
}

/** The tabs and their conversations; waiting times tick every 30 s. */
export function Inbox({ state, tab, selected, onTab, onSelect }: InboxProps) {
  const now = useNow(30_000)
  const rows = inboxOf(state, tab)
  const list = useRef<HTMLUListElement>(null)
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
        {rows.length === 0 && <li class="rows-empty">No conversations here.</li>}
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
                      {typing ? <em>typing…</em> : last ? `${last.author.role !== 'agent' ? '' : last.author.id === state.me?.id ? 'You: ' : `${last.author.name ?? 'Agent'}: `}${last.text}` : '…'}
                    </span>
                    {unread > 0 && <span class="badge" aria-label={`${unread} unread`}>{unread}</span>}
                  </span>
                  {tab === 'open' && <span class="row-meta">{conversation.assignee ? conversation.assignee.name : 'In queue'}</span>}
                </span>
              </button>
            </li>
          )
        })}
      </ul>
      <p class="shortcuts">{SHORTCUTS_HELP}</p>
    </nav>
  )
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}

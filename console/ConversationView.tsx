import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { ConversationSummary } from '../protocol/index.js'
import { cannedOfSite } from './canned.js'
import { Composer } from './Composer.js'
import { clockTime } from './format.js'
import { TranscriptDownload } from './search/TranscriptDownload.js'
import { useCannedResponses } from './search/use-canned-responses.js'
import { transferTargets, visitorName, type ConsoleState } from './state.js'
import { usePageVisible } from './visibility.js'
import type { Actions } from './Workspace.js'

interface ConversationViewProps {
  state: ConsoleState
  conversation: ConversationSummary
  actions: Actions
  /** Back to the inbox, where the two share one column (narrow screens). */
  onBack(): void
}

/** Events per history request. */
const HISTORY_PAGE = 50

const STATUS_LABEL = { queued: 'In queue', assigned: 'Assigned', closed: 'Closed' }

/** One conversation: its actions, its history and live events, and the composer. */
export function ConversationView({ state, conversation, actions, onBack }: ConversationViewProps) {
  const conv = conversation.id
  const events = state.events[conv] ?? []
  const pending = state.pending.filter((p) => p.conv === conv)
  const more = state.more[conv]
  const mine = conversation.assignee?.id === state.me?.id
  const closed = conversation.status === 'closed'
  const list = useRef<HTMLDivElement>(null)
  const stickToBottom = useRef(true)
  const canned = cannedOfSite(useCannedResponses(), conversation.site)

  // The newest page on open (the inbox may have loaded only a few events, or none).
  useEffect(() => {
    if (more === undefined || events.length < Math.min(HISTORY_PAGE, conversation.lastSeq)) {
      actions.command({ t: 'history', conv, limit: HISTORY_PAGE })
    }
  }, [conv])

  // Everything shown is read, while the page is visible (and once it is back in view).
  const lastSeq = events[events.length - 1]?.seq ?? 0
  const visible = usePageVisible()
  useEffect(() => {
    if (lastSeq > conversation.read.agent && visible) actions.read(conv, lastSeq)
  }, [conv, lastSeq, conversation.read.agent, visible])

  useLayoutEffect(() => {
    const element = list.current
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight
  }, [events.length, pending.length, state.visitorTyping[conv]])

  // While an older page is on its way: where the list stood, so that it stays put when the page arrives above.
  const loadingEarlier = useRef<{ height: number; top: number } | undefined>(undefined)
  function loadEarlier() {
    const element = list.current
    if (loadingEarlier.current || !element) return
    loadingEarlier.current = { height: element.scrollHeight, top: element.scrollTop }
    const first = events[0]
    stickToBottom.current = false
    actions.command({ t: 'history', conv, limit: HISTORY_PAGE, ...(first ? { before: first.seq } : {}) })
  }
  useLayoutEffect(() => {
    const element = list.current
    const before = loadingEarlier.current
    if (!element || !before) return
    element.scrollTop = before.top + (element.scrollHeight - before.height)
    loadingEarlier.current = undefined
  }, [events[0]?.seq, more])

  // Where the visitor's reading stands, said once under the agents' last message.
  // Read receipts concern what the visitor can see: notes are not part of it.
  const lastAgent = [...events].reverse().find((e) => e.author.role === 'agent' && !e.note)
  const receipt = lastAgent && (conversation.read.visitor >= lastAgent.seq ? 'Seen' : 'Delivered')

  return (
    <section class="conversation" aria-label={`Conversation with ${visitorName(conversation)}`}>
      <header class="conv-header">
        <button type="button" class="ghost back" onClick={onBack}>
          <span aria-hidden="true">‹</span>Back
        </button>
        <div class="conv-title">
          <h2>{visitorName(conversation)}</h2>
          <p class="conv-sub">
            <span class={`status-pill is-${conversation.status}`}>{STATUS_LABEL[conversation.status]}</span>
            {conversation.assignee && <span>{mine ? 'Assigned to you' : `Assigned to ${conversation.assignee.name}`}</span>}
            {conversation.visitor.email && <span>{conversation.visitor.email}</span>}
          </p>
        </div>
        <div class="conv-actions">
          <TranscriptDownload conv={conv} />
          <ConversationActions state={state} conversation={conversation} actions={actions} />
        </div>
      </header>
      <div
        class="messages"
        ref={list}
        onScroll={(event) => {
          const element = event.currentTarget as HTMLDivElement
          stickToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40
          // Scrolling back near the top brings the next older page.
          if (element.scrollTop < 80 && more) loadEarlier()
        }}
      >
        {more && <button type="button" class="load-earlier" onClick={loadEarlier}>Load earlier messages</button>}
        {events.map((event) =>
          event.sys || event.author.role === 'system' ? (
            <p key={event.seq} class="system-event">{event.text} · {clockTime(event.at)}</p>
          ) : (
            <div key={event.seq} class={`message from-${event.author.role}${event.note ? ' is-note' : ''}`} data-seq={event.seq}>
              {event.note && <span class="note-label">Internal note</span>}
              <div class="bubble">{event.text}</div>
              <div class="message-meta">
                {event.author.role === 'agent' ? event.author.name ?? 'Agent' : visitorName(conversation)} · {clockTime(event.at)}
                {event === lastAgent && receipt && <span class="receipt"> · {receipt}</span>}
              </div>
            </div>
          ),
        )}
        {pending.map((message) => (
          <div key={message.cid} class={`message from-agent is-pending${message.note ? ' is-note' : ''}${message.failed ? ' is-failed' : ''}`}>
            {message.note && <span class="note-label">Internal note</span>}
            <div class="bubble">{message.text}</div>
            <div class="message-meta">{message.failed ? `Not sent: ${message.failed}` : 'Sending…'}</div>
          </div>
        ))}
        {state.visitorTyping[conv] && <p class="typing" aria-live="polite">{visitorName(conversation)} is typing…</p>}
      </div>
      {closed ? (
        <p class="closed-note">This conversation is closed. If the visitor writes again soon, it reopens in the queue.</p>
      ) : (
        <Composer
          key={conv}
          placeholder={conversation.status === 'queued' ? 'Reply to claim this conversation…' : 'Write a reply…'}
          canned={canned}
          onSend={(text, note) => actions.send(conv, text, note)}
          onTyping={(on) => actions.command({ t: 'typing', conv, on })}
        />
      )}
    </section>
  )
}

function ConversationActions({ state, conversation, actions }: Omit<ConversationViewProps, 'onBack'>) {
  const [target, setTarget] = useState('')
  const conv = conversation.id
  if (conversation.status === 'closed') return null
  const colleagues = transferTargets(state)
  return (
    <>
      {conversation.status === 'queued' && (
        <button type="button" class="primary" onClick={() => actions.command({ t: 'claim', conv, ref: `claim-${conv}` })}>Claim</button>
      )}
      <form
        class="transfer"
        onSubmit={(event) => {
          event.preventDefault()
          if (!target) return
          actions.command({ t: 'transfer', conv, to: Number(target), ref: `transfer-${conv}` })
          setTarget('')
        }}
      >
        <select aria-label="Transfer to" value={target} onChange={(event) => setTarget((event.currentTarget as HTMLSelectElement).value)} disabled={!colleagues.length}>
          <option value="">{colleagues.length ? 'Transfer to…' : 'No colleague online'}</option>
          {colleagues.map((agent) => <option key={agent.id} value={agent.id}>{agent.name}</option>)}
        </select>
        <button type="submit" class="secondary" disabled={!target}>Transfer</button>
      </form>
      <button type="button" class="danger" onClick={() => actions.command({ t: 'close', conv, ref: `close-${conv}` })}>Close</button>
    </>
  )
}

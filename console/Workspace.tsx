import { useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks'
import { createConnection, pollingTransport, websocketTransport } from '../client/index.js'
import type { ClientFrame } from '../protocol/index.js'
import { createAlertTracker } from './alerts.js'
import { askForNotifications, notificationsState, playChime, showNotification, unlockSound } from './announce.js'
import type { SignedInAgent } from './auth.js'
import { ConversationView } from './ConversationView.js'
import { Inbox } from './Inbox.js'
import { TopBar } from './TopBar.js'
import { useShortcuts } from './shortcuts.js'
import { consoleReducer, inboxOf, initialConsoleState, neighbourOf, totalUnread, type InboxTab } from './state.js'

/** How many conversations' recent events are fetched on connect, for the inbox rows (the rate limit allows a burst of 20). */
const PRELOAD_CONVERSATIONS = 15

export type Command = Exclude<ClientFrame, { t: 'send' | 'hello' }>

/** What the views may do, bound to one connection. */
export interface Actions {
  /** `note`: an internal note, which the visitor never sees. */
  send(conv: number, text: string, note?: boolean): void
  command(frame: Command): void
  read(conv: number, seq: number): void
  dismissNotice(): void
}

/** The signed-in console: one connection, one reducer, the inbox beside the open conversation (on a narrow screen, one then the other). */
export function Workspace({ agent, onSignOut }: { agent: SignedInAgent; onSignOut(): void }) {
  const [state, dispatch] = useReducer(consoleReducer, initialConsoleState)
  const [tab, setTab] = useState<InboxTab>('mine')
  const [selected, setSelected] = useState<number>()
  const [notifications, setNotifications] = useState(notificationsState)
  // Read by the connection's frame handler, which outlives renders.
  const open = useRef<number | undefined>(undefined)
  open.current = selected

  const connection = useMemo(() => {
    const newsIn = createAlertTracker()
    const made = createConnection({
      url: location.origin,
      hello: () => ({ as: 'agent' }),
      transports: { websocket: websocketTransport(), polling: pollingTransport() },
      onState: (next) => dispatch({ type: 'connection', state: next }),
      onFrame(frame) {
        if (frame.t === 'history') {
          const newest = frame.events[frame.events.length - 1]
          // Replays after a reconnect then start from what history brought.
          if (newest) made.seen(frame.conv, newest.seq)
        }
        const news = newsIn(frame)
        if (news && (document.visibilityState === 'hidden' || news.conv !== open.current)) {
          playChime()
          showNotification(news, setSelected)
        }
        dispatch({ type: 'frame', frame })
        if (frame.t === 'welcome') {
          for (const conversation of frame.conversations.slice(0, PRELOAD_CONVERSATIONS)) {
            made.send({ t: 'history', conv: conversation.id, limit: 20 })
          }
        }
      },
    })
    return made
  }, [])
  useEffect(() => () => connection.close(), [connection])

  // The first click or key press lets the chime play later (browsers' autoplay rule).
  useEffect(() => {
    const options = { once: true, capture: true }
    document.addEventListener('pointerdown', unlockSound, options)
    document.addEventListener('keydown', unlockSound, options)
    return () => {
      document.removeEventListener('pointerdown', unlockSound, options)
      document.removeEventListener('keydown', unlockSound, options)
    }
  }, [])

  const unread = totalUnread(state)
  useEffect(() => {
    const title = document.title.replace(/^\(\d+\) /, '')
    document.title = unread ? `(${unread}) ${title}` : title
  }, [unread])
  useEffect(() => () => {
    document.title = document.title.replace(/^\(\d+\) /, '')
  }, [])

  const actions = useMemo<Actions>(() => ({
    send(conv, text, note) {
      const cid = connection.sendMessage(text, conv, note)
      dispatch({ type: 'send', cid, conv, text, at: Date.now(), note })
    },
    command: (frame) => {
      connection.send(frame)
    },
    read(conv, seq) {
      connection.send({ t: 'read', conv, seq })
      dispatch({ type: 'read', conv, seq })
    },
    dismissNotice: () => dispatch({ type: 'dismiss-notice' }),
  }), [connection])

  useShortcuts({
    next: () => setSelected((current) => neighbourOf(inboxOf(state, tab), current, 1)),
    previous: () => setSelected((current) => neighbourOf(inboxOf(state, tab), current, -1)),
    focusReply: () => document.querySelector<HTMLTextAreaElement>('.composer textarea')?.focus(),
  })

  const me = state.agents[agent.id]
  const conversation = selected === undefined ? undefined : state.conversations[selected]

  return (
    <div class="workspace">
      <TopBar
        name={agent.name}
        status={me?.status ?? 'online'}
        connection={state.connection}
        notifications={notifications}
        onEnableNotifications={async () => setNotifications(await askForNotifications())}
        onStatus={(status) => actions.command({ t: 'status', status })}
        onSignOut={() => {
          connection.close()
          onSignOut()
        }}
      />
      <div class={`columns${conversation ? ' is-open' : ''}`}>
        <Inbox state={state} tab={tab} selected={selected} onTab={setTab} onSelect={setSelected} />
        {conversation ? (
          <ConversationView key={conversation.id} state={state} conversation={conversation} actions={actions} onBack={() => setSelected(undefined)} />
        ) : (
          <section class="empty-view">
            <p>Select a conversation from the inbox.</p>
          </section>
        )}
      </div>
      {state.notice && (
        <div class="toast" role="alert">
          {state.notice}
          <button type="button" class="link" onClick={actions.dismissNotice}>Dismiss</button>
        </div>
      )}
    </div>
  )
}

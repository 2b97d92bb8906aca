import { useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks'
import { createConnection, pollingTransport, websocketTransport } from '../client/index.js'
import type { ClientFrame, ConversationSummary } from '../protocol/index.js'
import { createAlertTracker } from './alerts.js'
import { askForNotifications, notificationsState, playChime, showNotification, unlockSound } from './announce.js'
import type { SignedInAgent } from './auth.js'
import { ConversationView } from './ConversationView.js'
import { Inbox } from './Inbox.js'
import { AdminView } from './admin/AdminView.js'
import { useRoute, type Route } from './route.js'
import { SearchView } from './search/SearchView.js'
import { TopBar } from './TopBar.js'
import { useShortcuts } from './shortcuts.js'
import { consoleReducer, inboxOf, initialConsoleState, neighbourOf, totalUnread } from './state.js'
import type { ViewProps } from './view-props.js'
import { VisitorContext } from './visitors/VisitorContext.js'
import { VisitorsView } from './visitors/VisitorsView.js'

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
  /** Conversations fetched over HTTP (older closed ones, search results): known from now on. */
  learn(conversations: ConversationSummary[]): void
}

/** The signed-in console: one connection, one reducer, the inbox beside the open conversation (on a narrow screen, one then the other). */
export function Workspace({ agent, onSignOut }: { agent: SignedInAgent; onSignOut(): void }) {
  const [state, dispatch] = useReducer(consoleReducer, initialConsoleState)
  const [route, go] = useRoute()
  const signedOut = useRef(onSignOut)
  signedOut.current = onSignOut
  const tab = route.view === 'inbox' ? route.tab : 'mine'
  const selected = route.view === 'inbox' ? route.conv : undefined
  const [notifications, setNotifications] = useState(notificationsState)
  // Read by the connection's frame handler, which outlives renders.
  const open = useRef<number | undefined>(undefined)
  open.current = selected
  const current = useRef<Route>(route)
  current.current = route
  /** Opens a conversation from outside the inbox (a notification): in the tab on screen, else All open. */
  const openConversation = (conv: number) => {
    const here = current.current
    go({ view: 'inbox', tab: here.view === 'inbox' ? here.tab : 'open', conv })
  }

  const connection = useMemo(() => {
    const newsIn = createAlertTracker()
    const made = createConnection({
      url: location.origin,
      hello: () => ({ as: 'agent' }),
      transports: { websocket: websocketTransport(), polling: pollingTransport() },
      onState: (next) => dispatch({ type: 'connection', state: next }),
      onFrame(frame) {
        // The session ended elsewhere (signed out, deactivated): back to the sign-in form.
        if (frame.t === 'error' && frame.code === 'not_authenticated') {
          made.close()
          signedOut.current()
          return
        }
        if (frame.t === 'history') {
          const newest = frame.events[frame.events.length - 1]
          // Replays after a reconnect then start from what history brought.
          if (newest) made.seen(frame.conv, newest.seq)
        }
        const news = newsIn(frame)
        if (news && (document.visibilityState === 'hidden' || news.conv !== open.current)) {
          playChime()
          showNotification(news, openConversation)
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
    learn: (conversations) => dispatch({ type: 'conversations', conversations }),
  }), [connection])

  const moveInInbox = (step: 1 | -1) => {
    const conv = neighbourOf(inboxOf(state, tab), selected, step)
    if (conv !== undefined) go({ view: 'inbox', tab, conv }, { replace: true })
  }
  useShortcuts({
    next: () => moveInInbox(1),
    previous: () => moveInInbox(-1),
    focusReply: () => document.querySelector<HTMLTextAreaElement>('.composer textarea')?.focus(),
  })

  const me = state.agents[agent.id]
  const conversation = selected === undefined ? undefined : state.conversations[selected]
  const view: ViewProps = { state, actions, go }

  return (
    <div class="workspace">
      <TopBar
        name={agent.name}
        status={me?.status ?? 'online'}
        connection={state.connection}
        notifications={notifications}
        onEnableNotifications={async () => setNotifications(await askForNotifications())}
        onStatus={(status) => actions.command({ t: 'status', status })}
        route={route}
        isAdmin={agent.role === 'admin'}
        go={go}
        onSignOut={() => {
          connection.close()
          onSignOut()
        }}
      />
      {route.view === 'inbox' && (
        <div class={`columns${conversation ? ' is-open' : ''}`}>
          <Inbox state={state} tab={tab} selected={selected} learn={actions.learn} onTab={(next) => go({ view: 'inbox', tab: next })} onSelect={(conv) => go({ view: 'inbox', tab, conv })} />
          {conversation ? (
            <>
              <ConversationView key={conversation.id} state={state} conversation={conversation} actions={actions} onBack={() => go({ view: 'inbox', tab })} />
              <VisitorContext key={`context-${conversation.id}`} {...view} conversation={conversation} />
            </>
          ) : (
            <section class="empty-view">
              <p>{selected === undefined ? 'Select a conversation from the inbox.' : state.me ? 'This conversation is not available.' : 'Loading…'}</p>
            </section>
          )}
        </div>
      )}
      {route.view === 'visitors' && <VisitorsView {...view} />}
      {route.view === 'search' && <SearchView {...view} q={route.q} />}
      {route.view === 'admin' && (agent.role === 'admin' ? <AdminView {...view} section={route.section} /> : (
        <section class="empty-view"><p>Only administrators can open this page.</p></section>
      ))}
      {state.notice && (
        <div class="toast" role="alert">
          {state.notice}
          <button type="button" class="link" onClick={actions.dismissNotice}>Dismiss</button>
        </div>
      )}
    </div>
  )
}

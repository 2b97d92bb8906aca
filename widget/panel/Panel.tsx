import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import type { WidgetState } from '../state.js'
import { IntroForm } from './IntroForm.js'
import { Composer } from './Composer.js'
import { ConnectionBanner } from './ConnectionBanner.js'
import type { PanelContext } from './context.js'
import { Header } from './Header.js'
import { MessageList } from './MessageList.js'
import { seqToMarkRead } from './timeline.js'

/**
 * The chat panel: follows the loader's state and lays out the parts. It stays mounted while
 * closed (only hidden), so a half-written message and the scroll position survive a close.
 */
export function Panel({ context }: { context: PanelContext }) {
  const { strings } = context
  const state = useWidgetState(context)
  const pageVisible = usePageVisible()
  const panel = useRef<HTMLElement>(null)
  const [awayNote, setAwayNote] = useState<string>()
  const focusAfterAway = useRef(false)

  const saved = context.savedProfile()
  const firstMessage = !state.conversation && state.events.length === 0 && state.pending.length === 0
  // Nobody to answer and no way to answer later: ask for an email with the first message.
  const away = firstMessage && state.site?.available === false && !(state.me?.email || saved.email)
  // The site asks who the visitor is before the chat starts.
  const prechat = firstMessage && state.site?.prechat === true && !((state.me?.name || saved.name) && (state.me?.email || saved.email))
  const introForm = away || prechat

  const focusField = () => panel.current?.querySelector<HTMLElement>('textarea, input')?.focus({ preventScroll: true })
  // Only when the visitor opens the chat: the panel also loads in the background, and focusing
  // then would take the keyboard away from the host page.
  useEffect(() => {
    if (state.open) focusField()
  }, [state.open])
  // The away form just went (its message was sent): the message field takes over the focus.
  useEffect(() => {
    if (introForm || !focusAfterAway.current) return
    focusAfterAway.current = false
    focusField()
  }, [introForm])

  useReadReceipts(context, state, state.open && pageVisible)

  const typing = useCallback(
    (on: boolean) => {
      const { conversation } = context.getState()
      // Typing frames name no conversation, so the server takes the visitor's latest one:
      // before the first message there is none, and a closed one has no agent to tell.
      if (conversation && conversation.status !== 'closed') context.typing(on)
    },
    [context],
  )

  function introduce(profile: { email: string; name?: string }, text: string) {
    focusAfterAway.current = true
    if (away) setAwayNote(strings.saved)
    context.profile(profile)
    context.send(text)
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key !== 'Escape' || event.isComposing) return
    // Ours alone: the host page must not also close its own dialog or menu.
    event.stopPropagation()
    context.close()
  }

  return (
    <section ref={panel} class="panel" role="dialog" aria-label={strings.title} hidden={!state.open} onKeyDown={onKeyDown}>
      <Header conversation={state.conversation} strings={strings} onClose={context.close} />
      <ConnectionBanner connection={state.connection} notice={state.notice} strings={strings} onDismissNotice={context.dismissNotice} />
      {introForm ? (
        <IntroForm strings={strings} intro={away ? strings.away : strings.prechat} askName={prechat} onSubmit={introduce} />
      ) : (
        <>
          <MessageList state={state} strings={strings} note={awayNote} onLoadOlder={context.loadOlder} />
          <Composer strings={strings} onSend={context.send} onTyping={typing} />
        </>
      )}
    </section>
  )
}

/** The loader's state, re-rendering on every change. */
function useWidgetState(context: PanelContext): WidgetState {
  const [state, setState] = useState(context.getState)
  useEffect(() => {
    const unsubscribe = context.subscribe(setState)
    // A change between the first render and this subscription would otherwise be missed.
    setState(context.getState())
    return unsubscribe
  }, [context])
  return state
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible')
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible')
    document.addEventListener('visibilitychange', update)
    return () => document.removeEventListener('visibilitychange', update)
  }, [])
  return visible
}

/** Tells the agent what the visitor has seen: only while they can see it, once per new event. */
function useReadReceipts(context: PanelContext, state: WidgetState, seeing: boolean) {
  const marked = useRef('')
  useEffect(() => {
    if (!seeing || !state.conversation) return
    const seq = seqToMarkRead(state)
    if (seq === undefined) return
    const key = `${state.conversation.id}:${seq}`
    if (key === marked.current) return
    marked.current = key
    context.markRead(state.conversation.id, seq)
  }, [context, state, seeing])
}

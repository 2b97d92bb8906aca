import { useEffect, useRef, useState } from 'preact/hooks'
import { newClientId } from '../../client/index.js'
import type { LiveVisitor } from '../../protocol/index.js'
import { MAX_TEXT_LENGTH } from '../../protocol/limits.js'
import { liveVisitorName, START_CID_PREFIX } from '../state.js'
import type { ViewProps } from '../view-props.js'

/** After this long without an answer (a connection lost on the way), the agent may send again. */
const ANSWER_WAIT_MS = 8_000

interface StartChatFormProps extends ViewProps {
  visitor: LiveVisitor
  onCancel(): void
}

/**
 * The first message to a visitor who has not written. Sent as a `start` frame; once it is
 * answered, the console opens the new conversation, or says why not (and where the visitor's
 * open conversation is, when that is the reason).
 */
export function StartChatForm({ visitor, onCancel, state, actions, go }: StartChatFormProps) {
  const [text, setText] = useState('')
  const [attempt, setAttempt] = useState<{ cid: string; text: string }>()
  const [stalled, setStalled] = useState(false)
  const field = useRef<HTMLTextAreaElement>(null)
  const outcome = attempt && state.starts[attempt.cid]
  const waiting = attempt !== undefined && outcome === undefined && !stalled
  const name = liveVisitorName(visitor)

  useEffect(() => field.current?.focus(), [])
  useEffect(() => {
    if (outcome?.ok) go({ view: 'inbox', tab: 'mine', conv: outcome.conv })
  }, [outcome])
  useEffect(() => {
    if (!attempt) return
    setStalled(false)
    const timer = setTimeout(() => setStalled(true), ANSWER_WAIT_MS)
    return () => clearTimeout(timer)
  }, [attempt])

  function send() {
    const message = text.trim().slice(0, MAX_TEXT_LENGTH)
    if (!message || waiting) return
    // Sending the same words again after no answer keeps the id: the server stores them once.
    const cid = attempt && attempt.text === message && outcome === undefined ? attempt.cid : `${START_CID_PREFIX}${newClientId()}`
    setAttempt({ cid, text: message })
    actions.command({ t: 'start', visitor: visitor.id, cid, text: message })
  }

  return (
    <form
      class="visitor-start"
      aria-label={`First message to ${name}`}
      onSubmit={(event) => {
        event.preventDefault()
        send()
      }}
    >
      <textarea
        ref={field}
        rows={2}
        value={text}
        maxLength={MAX_TEXT_LENGTH}
        aria-label={`Message to ${name}`}
        placeholder={`Write to ${name}: the chat window on their page shows it at once`}
        onInput={(event) => setText((event.currentTarget as HTMLTextAreaElement).value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') return onCancel()
          if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return
          event.preventDefault()
          send()
        }}
      />
      <div class="visitor-start-bar">
        {outcome && !outcome.ok ? (
          <p class="visitor-start-error" role="alert">
            {outcome.message}
            {outcome.conv !== undefined && (
              <button type="button" class="link" onClick={() => go({ view: 'inbox', tab: 'open', conv: outcome.conv })}>
                Open that conversation
              </button>
            )}
          </p>
        ) : (
          <span class="hint">{stalled ? 'No answer from the server yet: send again to retry.' : 'Enter to send · Shift+Enter for a new line · Esc to cancel'}</span>
        )}
        <button type="button" class="ghost" onClick={onCancel}>Cancel</button>
        <button type="submit" class="primary" disabled={!text.trim() || waiting}>{waiting ? 'Sending…' : 'Send'}</button>
      </div>
    </form>
  )
}

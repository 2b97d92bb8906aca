import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import { MAX_TEXT_LENGTH } from '../protocol/limits.js'
import { createTypingSignal } from '../widget/panel/typing.js'

interface ComposerProps {
  placeholder: string
  onSend(text: string): void
  /** Told when the agent starts or stops typing; throttled here. */
  onTyping(on: boolean): void
}

const MAX_FIELD_HEIGHT = 160

/** The reply field. Enter sends; Shift+Enter starts a new line. */
export function Composer({ placeholder, onSend, onTyping }: ComposerProps) {
  const [text, setText] = useState('')
  const field = useRef<HTMLTextAreaElement>(null)
  const typing = useMemo(() => createTypingSignal(onTyping), [])
  useEffect(() => typing.stop, [typing])

  useLayoutEffect(() => {
    const element = field.current
    if (!element?.clientHeight) return
    element.style.height = 'auto'
    const borders = element.offsetHeight - element.clientHeight
    element.style.height = `${Math.min(element.scrollHeight + borders, MAX_FIELD_HEIGHT)}px`
  }, [text])

  function send() {
    const message = text.trim()
    if (!message) return
    onSend(message.slice(0, MAX_TEXT_LENGTH))
    setText('')
    typing.stop()
  }

  return (
    <form
      class="composer"
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
        aria-label="Reply"
        title="Alt+R comes back here from anywhere"
        placeholder={placeholder}
        onInput={(event) => {
          const value = (event.currentTarget as HTMLTextAreaElement).value
          setText(value)
          if (value.trim()) typing.keystroke()
          else typing.stop()
        }}
        onKeyDown={(event) => {
          // While an input method is composing, Enter picks a word: it must not send.
          if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return
          event.preventDefault()
          send()
        }}
      />
      <div class="composer-bar">
        <span class="hint">Enter to send · Shift+Enter for a new line</span>
        <button type="submit" class="primary" disabled={!text.trim()}>Send</button>
      </div>
    </form>
  )
}

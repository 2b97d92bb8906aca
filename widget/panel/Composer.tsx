import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import { MAX_TEXT_LENGTH } from '../../protocol/limits.js'
import type { Strings } from '../locales.js'
import { createTypingSignal } from './typing.js'

interface ComposerProps {
  strings: Strings
  onSend(text: string): void
  /** Told when the visitor starts or stops typing; throttled here. */
  onTyping(on: boolean): void
}

/** The tallest the message field grows (px) before it scrolls. */
const MAX_FIELD_HEIGHT = 120

/** The message field and send button. Enter sends; Shift+Enter starts a new line. */
export function Composer({ strings, onSend, onTyping }: ComposerProps) {
  const [text, setText] = useState('')
  const field = useRef<HTMLTextAreaElement>(null)
  const typing = useMemo(() => createTypingSignal(onTyping), [onTyping])
  useEffect(() => typing.stop, [typing])

  // Grows with its text up to a limit. Setting `style` from script is allowed under a strict
  // CSP; only style attributes in markup are not.
  useLayoutEffect(() => {
    const element = field.current
    // Hidden (the panel is closed): nothing measures, and the CSS minimum applies anyway.
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

  function onInput(event: Event) {
    const value = (event.currentTarget as HTMLTextAreaElement).value
    setText(value)
    if (value.trim()) typing.keystroke()
    else typing.stop()
  }

  function onKeyDown(event: KeyboardEvent) {
    // While an input method is composing (Chinese, Japanese…), Enter picks a word: it must not send.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return
    event.preventDefault()
    send()
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
        class="field"
        rows={1}
        value={text}
        maxLength={MAX_TEXT_LENGTH}
        aria-label={strings.message}
        placeholder={strings.placeholder}
        onInput={onInput}
        onKeyDown={onKeyDown}
      />
      <button type="submit" class="send" aria-label={strings.send}>
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M22 2 11 13M22 2l-7 20-4-9-9-4z" />
        </svg>
      </button>
    </form>
  )
}

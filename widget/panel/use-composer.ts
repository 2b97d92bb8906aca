/**
 * What a chat composer does, for the widget's panel and the agent console alike: the text,
 * a field that grows with it up to `maxHeight`, Enter to send and Shift+Enter for a new line,
 * and throttled typing signals.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import { MAX_TEXT_LENGTH } from '../../protocol/limits.js'
import { createTypingSignal } from './typing.js'

export function useComposer(onSend: (text: string) => void, onTyping: (on: boolean) => void, maxHeight: number) {
  const [text, setText] = useState('')
  const field = useRef<HTMLTextAreaElement>(null)
  // One throttle for the composer's life, calling whichever callback is current: callers may
  // pass a new function on every render.
  const latestOnTyping = useRef(onTyping)
  latestOnTyping.current = onTyping
  const typing = useMemo(() => createTypingSignal((on) => latestOnTyping.current(on)), [])
  useEffect(() => typing.stop, [typing])

  // Setting `style` from script is allowed under a strict CSP; style attributes in markup are not.
  useLayoutEffect(() => {
    const element = field.current
    // Hidden (a closed panel): nothing measures, and the CSS minimum applies anyway.
    if (!element?.clientHeight) return
    element.style.height = 'auto'
    const borders = element.offsetHeight - element.clientHeight
    element.style.height = `${Math.min(element.scrollHeight + borders, maxHeight)}px`
  }, [text])

  function send() {
    const message = text.trim()
    if (!message) return
    onSend(message.slice(0, MAX_TEXT_LENGTH))
    setText('')
    typing.stop()
  }

  return {
    text,
    field,
    send,
    onInput(event: Event) {
      const value = (event.currentTarget as HTMLTextAreaElement).value
      setText(value)
      if (value.trim()) typing.keystroke()
      else typing.stop()
    },
    onKeyDown(event: KeyboardEvent) {
      // While an input method is composing (Chinese, Japanese…), Enter picks a word: it must not send.
      if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return
      event.preventDefault()
      send()
    },
  }
}

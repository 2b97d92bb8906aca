import { MAX_TEXT_LENGTH } from '../../protocol/limits.js'
import type { Strings } from '../locales.js'
import { useComposer } from './use-composer.js'

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
  const { text, field, send, onInput, onKeyDown } = useComposer(onSend, onTyping, MAX_FIELD_HEIGHT)

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

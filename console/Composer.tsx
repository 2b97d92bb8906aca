import { MAX_TEXT_LENGTH } from '../protocol/limits.js'
import { useComposer } from '../widget/panel/use-composer.js'

interface ComposerProps {
  placeholder: string
  onSend(text: string): void
  /** Told when the agent starts or stops typing; throttled here. */
  onTyping(on: boolean): void
}

const MAX_FIELD_HEIGHT = 160

/** The reply field. Enter sends; Shift+Enter starts a new line. */
export function Composer({ placeholder, onSend, onTyping }: ComposerProps) {
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
        rows={2}
        value={text}
        maxLength={MAX_TEXT_LENGTH}
        aria-label="Reply"
        title="Alt+R comes back here from anywhere"
        placeholder={placeholder}
        onInput={onInput}
        onKeyDown={onKeyDown}
      />
      <div class="composer-bar">
        <span class="hint">Enter to send · Shift+Enter for a new line</span>
        <button type="submit" class="primary" disabled={!text.trim()}>Send</button>
      </div>
    </form>
  )
}

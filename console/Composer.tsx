import { useState } from 'preact/hooks'
import { MAX_TEXT_LENGTH } from '../protocol/limits.js'
import { useComposer } from '../widget/panel/use-composer.js'

interface ComposerProps {
  placeholder: string
  /** `note`: the agent switched the composer to an internal note. */
  onSend(text: string, note: boolean): void
  /** Told when the agent starts or stops typing; throttled here. */
  onTyping(on: boolean): void
}

const MAX_FIELD_HEIGHT = 160

/** The reply field. Enter sends; Shift+Enter starts a new line. */
export function Composer({ placeholder, onSend, onTyping }: ComposerProps) {
  const [note, setNote] = useState(false)
  // Typing is the visitor's business only for replies, not for notes.
  const { text, field, send, onInput, onKeyDown } = useComposer(
    (message) => onSend(message, note),
    (on) => onTyping(on && !note),
    MAX_FIELD_HEIGHT,
  )

  return (
    <form
      class={`composer${note ? ' is-note' : ''}`}
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
        placeholder={note ? 'Write an internal note: only agents see it…' : placeholder}
        onInput={onInput}
        onKeyDown={onKeyDown}
      />
      <div class="composer-bar">
        <label class="note-toggle">
          <input type="checkbox" checked={note} onChange={(event) => setNote((event.currentTarget as HTMLInputElement).checked)} />
          Internal note
        </label>
        <span class="hint">Enter to send · Shift+Enter for a new line</span>
        <button type="submit" class="primary" disabled={!text.trim()}>Send</button>
      </div>
    </form>
  )
}

import { useEffect, useState } from 'preact/hooks'
import { MAX_TEXT_LENGTH } from '../protocol/limits.js'
import { useComposer } from '../widget/panel/use-composer.js'
import { cannedTokenAt, insertCanned, matchCanned, type CannedResponse, type CannedToken } from './canned.js'
import { cannedOptionId, CannedMenu } from './search/CannedMenu.js'

interface ComposerProps {
  placeholder: string
  /** Canned responses this conversation may use, offered after `/`. */
  canned: CannedResponse[]
  /** `note`: the agent switched the composer to an internal note. */
  onSend(text: string, note: boolean): void
  /** Told when the agent starts or stops typing; throttled here. */
  onTyping(on: boolean): void
}

const MAX_FIELD_HEIGHT = 160
const MENU_ID = 'canned-menu'

/**
 * The reply field. Enter sends; Shift+Enter starts a new line. `/` and letters open the canned
 * responses: ArrowUp/ArrowDown choose, Enter or Tab insert, Escape closes (and Enter sends
 * nothing while they are open).
 */
export function Composer({ placeholder, canned, onSend, onTyping }: ComposerProps) {
  const [note, setNote] = useState(false)
  // Typing is the visitor's business only for replies, not for notes.
  const { text, field, send, onInput, onKeyDown } = useComposer(
    (message) => onSend(message, note),
    (on) => onTyping(on && !note),
    MAX_FIELD_HEIGHT,
  )
  const [caret, setCaret] = useState(0)
  const [active, setActive] = useState(0)
  /** The token Escape closed the list on; typing on opens it again. */
  const [dismissed, setDismissed] = useState<string>()

  const token = cannedTokenAt(text, caret)
  const tokenKey = keyOf(token)
  const suggestions = token && tokenKey !== dismissed ? matchCanned(canned, token.query) : []
  const menuOpen = suggestions.length > 0
  const chosen = Math.min(active, suggestions.length - 1)
  useEffect(() => {
    setActive(0)
    // A dismissal holds for that token only: once it changes (or goes), the list may open again.
    setDismissed((current) => (current === tokenKey ? current : undefined))
  }, [tokenKey])

  const followCaret = (event: Event) => setCaret((event.currentTarget as HTMLTextAreaElement).selectionStart)

  function pick(response: CannedResponse) {
    const element = field.current
    if (!element || !token) return
    const next = insertCanned(text, token, response)
    element.value = next.text.slice(0, MAX_TEXT_LENGTH)
    element.setSelectionRange(next.caret, next.caret)
    // Through the field's own input handler, so that the text, its height and typing follow.
    element.dispatchEvent(new Event('input', { bubbles: true }))
    element.focus()
  }

  function onMenuKey(event: KeyboardEvent): boolean {
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return false
    const count = suggestions.length
    if (event.key === 'ArrowDown') setActive((chosen + 1) % count)
    else if (event.key === 'ArrowUp') setActive((chosen - 1 + count) % count)
    else if ((event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey) pick(suggestions[chosen]!)
    else if (event.key === 'Escape') {
      // The token as the field has it now: a key typed just before may not have rendered yet.
      const element = event.currentTarget as HTMLTextAreaElement
      setDismissed(keyOf(cannedTokenAt(element.value, element.selectionStart)))
    }
    else return false
    event.preventDefault()
    return true
  }

  return (
    <form
      class={`composer${note ? ' is-note' : ''}`}
      onSubmit={(event) => {
        event.preventDefault()
        send()
      }}
    >
      {menuOpen && <CannedMenu id={MENU_ID} responses={suggestions} active={chosen} onActive={setActive} onPick={pick} />}
      <textarea
        ref={field}
        rows={2}
        value={text}
        maxLength={MAX_TEXT_LENGTH}
        aria-label="Reply"
        title="Alt+R comes back here from anywhere · / for canned responses"
        placeholder={note ? 'Write an internal note: only agents see it…' : placeholder}
        aria-autocomplete="list"
        aria-expanded={menuOpen}
        aria-controls={menuOpen ? MENU_ID : undefined}
        aria-activedescendant={menuOpen ? cannedOptionId(MENU_ID, chosen) : undefined}
        onInput={(event) => {
          onInput(event)
          followCaret(event)
        }}
        onKeyDown={(event) => {
          if (menuOpen && onMenuKey(event)) return
          onKeyDown(event)
        }}
        onKeyUp={followCaret}
        onClick={followCaret}
      />
      <div class="composer-bar">
        <label class="note-toggle">
          <input type="checkbox" checked={note} onChange={(event) => setNote((event.currentTarget as HTMLInputElement).checked)} />
          Internal note
        </label>
        <span class="hint">Enter to send · Shift+Enter for a new line · / for canned responses</span>
        <button type="submit" class="primary" disabled={!text.trim()}>Send</button>
      </div>
    </form>
  )
}

/** Identifies a `/shortcut` being typed by where it starts and what it says so far. */
const keyOf = (token: CannedToken | undefined) => token && `${token.start}:${token.query}`

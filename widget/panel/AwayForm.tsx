import { useState } from 'preact/hooks'
import { MAX_TEXT_LENGTH } from '../../protocol/limits.js'
import type { Strings } from '../locales.js'

interface AwayFormProps {
  strings: Strings
  /** Called with a valid email (the browser checks it) and a message that is not blank. */
  onSubmit(email: string, text: string): void
}

/** Longest email address (RFC 5321), as the loader also cuts it. */
const MAX_EMAIL_LENGTH = 254

/** When nobody is there to answer: an email to answer to, and the message. */
export function AwayForm({ strings, onSubmit }: AwayFormProps) {
  const [email, setEmail] = useState('')
  const [text, setText] = useState('')

  return (
    <form
      class="away"
      onSubmit={(event) => {
        event.preventDefault()
        const address = email.trim()
        const message = text.trim()
        if (address && message) onSubmit(address, message.slice(0, MAX_TEXT_LENGTH))
      }}
    >
      <p>{strings.away}</p>
      <label>
        {strings.email}
        <input
          class="field"
          type="email"
          required
          autoComplete="email"
          maxLength={MAX_EMAIL_LENGTH}
          value={email}
          onInput={(event) => setEmail(event.currentTarget.value)}
        />
      </label>
      <label>
        {strings.message}
        <textarea
          class="field"
          required
          maxLength={MAX_TEXT_LENGTH}
          placeholder={strings.placeholder}
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
        />
      </label>
      <button type="submit" class="submit">
        {strings.send}
      </button>
    </form>
  )
}

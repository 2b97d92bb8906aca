import { useState } from 'preact/hooks'
import { MAX_TEXT_LENGTH } from '../../protocol/limits.js'
import type { Strings } from '../locales.js'

interface IntroFormProps {
  strings: Strings
  /** What the form is for: strings.away (nobody online) or strings.prechat (the site asks). */
  intro: string
  askName: boolean
  /** Called with a valid email (the browser checks it), the name if asked, and a message that is not blank. */
  onSubmit(profile: { email: string; name?: string }, text: string): void
}

/** Longest email address (RFC 5321), as the loader also cuts it. */
const MAX_EMAIL_LENGTH = 254

/**
 * Before the first message: who the visitor is and the message. Shown when nobody is there to
 * answer (an email to answer to), and on sites that ask for a name and email first.
 */
export function IntroForm({ strings, intro, askName, onSubmit }: IntroFormProps) {
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [text, setText] = useState('')

  return (
    <form
      class="away"
      onSubmit={(event) => {
        event.preventDefault()
        const address = email.trim()
        const message = text.trim()
        const who = name.trim()
        if (address && message && (who || !askName)) onSubmit({ email: address, ...(who ? { name: who } : {}) }, message.slice(0, MAX_TEXT_LENGTH))
      }}
    >
      <p>{intro}</p>
      {askName && (
        <label>
          {strings.name}
          <input
            class="field"
            required
            autoComplete="name"
            maxLength={100}
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </label>
      )}
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

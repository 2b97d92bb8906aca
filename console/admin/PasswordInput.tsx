import { useState } from 'preact/hooks'

/** A random password an administrator can pass on: 16 characters without look-alikes (0/O, 1/l). */
function randomPassword(length = 16): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  const bytes = crypto.getRandomValues(new Uint8Array(length))
  // 256 is not a multiple of the alphabet's size; the slight bias does not matter at this length.
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('')
}

interface PasswordInputProps {
  value: string
  onInput(value: string): void
  autofocus?: boolean
}

/** A new password, typed or generated; a generated one is shown, since it must be passed on. */
export function PasswordInput({ value, onInput, autofocus }: PasswordInputProps) {
  const [visible, setVisible] = useState(false)
  const common = { value, autocomplete: 'new-password', autofocus, onInput: (event: { currentTarget: HTMLInputElement }) => onInput(event.currentTarget.value) }
  return (
    <span class="input-with-button">
      {visible ? <input type="text" spellcheck={false} {...common} /> : <input type="password" {...common} />}
      <button
        type="button"
        class="secondary"
        onClick={() => {
          onInput(randomPassword())
          setVisible(true)
        }}
      >
        Generate
      </button>
    </span>
  )
}

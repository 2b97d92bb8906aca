import { useState } from 'preact/hooks'
import { signIn, type SignedInAgent } from './auth.js'

export function SignIn({ onSignedIn }: { onSignedIn(agent: SignedInAgent): void }) {
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)

  async function submit(event: Event) {
    event.preventDefault()
    const form = new FormData(event.currentTarget as HTMLFormElement)
    setBusy(true)
    const result = await signIn(String(form.get('email') ?? ''), String(form.get('password') ?? ''))
    setBusy(false)
    if (result.ok) onSignedIn(result.agent)
    else setError(result.message)
  }

  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit}>
        <div class="brand"><span class="logo" aria-hidden="true">P</span> Parley</div>
        <h1>Sign in to the agent console</h1>
        <label>
          Email
          <input name="email" type="email" autocomplete="username" required autofocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        {error && <p class="form-error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>Sign in</button>
      </form>
    </main>
  )
}

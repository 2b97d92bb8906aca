/** Signing in and out over the auth API; the session itself lives in an HttpOnly cookie. */

export interface SignedInAgent {
  id: number
  name: string
  email: string
  role: 'admin' | 'agent'
}

export type SignInResult = { ok: true; agent: SignedInAgent } | { ok: false; message: string }

/** The agent of the current session, or undefined when signed out (or the server is unreachable). */
export async function currentAgent(): Promise<SignedInAgent | undefined> {
  try {
    const response = await fetch('/api/auth/me', { credentials: 'same-origin' })
    if (!response.ok) return undefined
    return ((await response.json()) as { agent: SignedInAgent }).agent
  } catch {
    return undefined
  }
}

export async function signIn(email: string, password: string): Promise<SignInResult> {
  let response: Response
  try {
    response = await fetch('/api/auth/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
  } catch {
    return { ok: false, message: 'Parley cannot be reached. Check your connection and try again.' }
  }
  if (response.ok) return { ok: true, agent: ((await response.json()) as { agent: SignedInAgent }).agent }
  if (response.status === 401) return { ok: false, message: 'That email and password do not match an agent.' }
  if (response.status === 429) {
    const seconds = Number(response.headers.get('retry-after'))
    const wait = seconds > 0 ? ` in ${seconds > 90 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`}` : ' later'
    return { ok: false, message: `Too many failed attempts. Try again${wait}.` }
  }
  if (response.status === 400) return { ok: false, message: 'Enter a valid email address and your password.' }
  return { ok: false, message: `Signing in failed (${response.status}). Try again.` }
}

export async function signOut(): Promise<void> {
  try {
    await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' })
  } catch {
    // The cookie stays until it expires; the console shows the sign-in form either way.
  }
}

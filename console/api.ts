/** The console's JSON API (/api/console), with the server's error message kept for display. */

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

/**
 * Calls the console API and returns its JSON answer; throws an ApiError whose message can be
 * shown as it is (the server's own, or a plain one when the server could not be reached).
 *
 * @example const { sites } = await api<{ sites: Site[] }>('GET', '/admin/sites')
 */
export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let response: Response
  try {
    response = await fetch(`/api/console${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'unreachable', 'Parley cannot be reached. Check your connection and try again.')
  }
  if (response.status === 204) return undefined as T
  const answer = (await response.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined
  if (!response.ok) {
    throw new ApiError(response.status, answer?.error?.code ?? 'failed', answer?.error?.message ?? `The request failed (${response.status}).`)
  }
  return answer as T
}

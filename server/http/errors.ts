import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { clipText } from '../../protocol/index.js'

/**
 * Longest error message. A message names a field and a problem; what it quotes of the request
 * (a path, a refused value, a key) is cut here, so an error never echoes a whole body back.
 */
export const MAX_ERROR_MESSAGE_LENGTH = 300

/** Every HTTP error is JSON with a stable code and a readable message. */
export function apiError(c: Context, status: ContentfulStatusCode, code: string, message: string) {
  return c.json({ error: { code, message: clipText(message, MAX_ERROR_MESSAGE_LENGTH) } }, status)
}

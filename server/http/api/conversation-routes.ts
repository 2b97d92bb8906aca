/** Conversations and their messages: list, read, transcripts, and writing into them from a business's own backend. */
import { Hono } from 'hono'
import type { ApiDeps } from './api-deps.js'
import type { ApiEnv } from './api-auth.js'

export function conversationRoutes(_deps: ApiDeps) {
  return new Hono<ApiEnv>()
}

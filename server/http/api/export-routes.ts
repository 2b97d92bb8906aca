/** Bulk export of messages over a time range, streamed as NDJSON or CSV and resumable by a cursor. */
import { Hono } from 'hono'
import type { ApiDeps } from './api-deps.js'
import type { ApiEnv } from './api-auth.js'

export function exportRoutes(_deps: ApiDeps) {
  return new Hono<ApiEnv>()
}

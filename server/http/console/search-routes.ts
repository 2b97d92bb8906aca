/** Transcript search, canned responses for the composer, transcripts to download and older conversations. */
import { Hono } from 'hono'
import type { ConsoleEnv } from './console-auth.js'
import type { ConsoleApiDeps } from './console-deps.js'

export function searchRoutes(_deps: ConsoleApiDeps) {
  return new Hono<ConsoleEnv>()
}

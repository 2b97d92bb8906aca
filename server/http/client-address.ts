import type { Context } from 'hono'
import { getConnInfo } from '@hono/node-server/conninfo'

/** The peer address of the request (the proxy's, behind one), for rate limits and logs. */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

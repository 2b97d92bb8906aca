/** Agent sign-in for the console: a session in an HttpOnly cookie. */
import { Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import * as v from 'valibot'
import { SESSION_COOKIE, type AgentAuth } from '../auth/agent-auth.js'
import type { Agent } from '../store/types.js'
import { apiError } from './errors.js'
import { clientAddress } from './client-address.js'
import { validate } from './validate.js'

const credentials = v.object({
  email: v.pipe(v.string(), v.trim(), v.email('must be an email address'), v.maxLength(254)),
  password: v.pipe(v.string(), v.minLength(1, 'is required'), v.maxLength(1024)),
})

/** What an agent may know of their own record. */
export const publicAgent = (agent: Agent) => ({
  id: agent.id,
  name: agent.name,
  email: agent.email,
  role: agent.role,
  status: agent.status,
  capacity: agent.capacity,
  siteIds: agent.siteIds,
})

export function authRoutes(auth: AgentAuth, options: { secureCookies: boolean }) {
  return new Hono()
    .post('/login', validate('json', credentials), async (c) => {
      const { email, password } = c.req.valid('json')
      const result = await auth.login(email, password, clientAddress(c))
      if (!result.ok) {
        if (result.reason === 'throttled') {
          c.header('Retry-After', String(Math.ceil(result.retryAfterMs / 1000)))
          return apiError(c, 429, 'too_many_attempts', 'too many failed sign-ins; try again later')
        }
        return apiError(c, 401, 'invalid_credentials', 'email or password is wrong')
      }
      setCookie(c, SESSION_COOKIE, result.token, {
        httpOnly: true,
        sameSite: 'Lax',
        secure: options.secureCookies,
        path: '/',
        expires: new Date(result.expiresAt),
      })
      return c.json({ agent: publicAgent(result.agent) })
    })
    .post('/logout', async (c) => {
      await auth.logout(getCookie(c, SESSION_COOKIE))
      deleteCookie(c, SESSION_COOKIE, { path: '/' })
      return c.body(null, 204)
    })
    .get('/me', async (c) => {
      const agent = await auth.agentForSession(getCookie(c, SESSION_COOKIE))
      if (!agent) return apiError(c, 401, 'not_authenticated', 'sign in first')
      return c.json({ agent: publicAgent(agent) })
    })
}

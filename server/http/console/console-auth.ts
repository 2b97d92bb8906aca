/**
 * The console's JSON API is for signed-in agents: the session cookie names the agent, and the
 * handlers read it from `c.var.agent`. Cross-site requests cannot use that cookie to change
 * anything: the cookie is SameSite=Lax, and every write takes a JSON body, which a page on
 * another origin cannot send without a CORS preflight that this API never answers.
 */
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { SESSION_COOKIE, type AgentAuth } from '../../auth/agent-auth.js'
import type { Agent } from '../../store/types.js'
import { apiError } from '../errors.js'

export interface ConsoleEnv {
  Variables: {
    agent: Agent
    /** Sites the agent serves (admins: every site). */
    siteIds: number[]
  }
}

export function requireAgent(auth: AgentAuth, siteIdsOf: (agent: Agent) => Promise<number[]>) {
  return createMiddleware<ConsoleEnv>(async (c, next) => {
    const agent = await auth.agentForSession(getCookie(c, SESSION_COOKIE))
    if (!agent) return apiError(c, 401, 'not_authenticated', 'sign in first')
    c.set('agent', agent)
    c.set('siteIds', await siteIdsOf(agent))
    c.header('Cache-Control', 'no-store')
    await next()
  })
}

export const requireAdmin = createMiddleware<ConsoleEnv>(async (c, next) => {
  if (c.var.agent.role !== 'admin') return apiError(c, 403, 'forbidden', 'only administrators can do this')
  await next()
})

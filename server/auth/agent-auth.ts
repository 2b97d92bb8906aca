/**
 * Agent sign-in and sessions. A session is a random token kept by the console in an HttpOnly
 * cookie; the store holds only its hash.
 */
import { localRateLimiters, type RateLimiterFactory } from '../ops/rate-limits.js'
import type { Store } from '../store/store.js'
import type { Agent } from '../store/types.js'
import { verifyPassword } from './password.js'
import { hashToken, newToken } from './tokens.js'

export type LoginResult =
  | { ok: true; agent: Agent; token: string; expiresAt: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number }

export interface AgentAuthOptions {
  store: Store
  sessionTtlMs: number
  /** Failed attempts allowed per email and client address in 15 minutes. */
  loginAttempts: number
  /** Where failed attempts are counted (default: this process). */
  rateLimiters?: RateLimiterFactory
}

// A stored hash to verify against when the email is unknown, so that a wrong email costs as
// long as a wrong password and timing does not reveal which agents exist.
const DUMMY_HASH = 'scrypt$32768$8$3$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(86)

export function createAgentAuth({ store, sessionTtlMs, loginAttempts, rateLimiters = localRateLimiters }: AgentAuthOptions) {
  const failures = rateLimiters({ name: 'sign-in', points: loginAttempts, durationSeconds: 15 * 60 })

  return {
    async login(email: string, password: string, clientAddress: string): Promise<LoginResult> {
      const key = `${email.trim().toLowerCase()}|${clientAddress}`
      const seen = await failures.get(key)
      if (seen && seen.consumedPoints >= loginAttempts) {
        return { ok: false, reason: 'throttled', retryAfterMs: seen.msBeforeNext }
      }
      const agent = await store.getAgentByEmail(email.trim())
      const valid = await verifyPassword(password, agent?.passwordHash ?? DUMMY_HASH)
      if (!agent || !valid || !agent.active) {
        await failures.penalty(key, 1)
        return { ok: false, reason: 'invalid' }
      }
      await failures.delete(key)
      const token = newToken('ps_')
      const now = Date.now()
      const expiresAt = now + sessionTtlMs
      await store.createSession({ tokenHash: hashToken(token), agentId: agent.id, createdAt: now, expiresAt })
      return { ok: true, agent, token, expiresAt }
    },

    /** The signed-in, active agent a session token belongs to. */
    async agentForSession(token: string | undefined): Promise<Agent | undefined> {
      if (!token) return undefined
      const session = await store.getSession(hashToken(token), Date.now())
      if (!session) return undefined
      const agent = await store.getAgent(session.agentId)
      return agent?.active ? agent : undefined
    },

    async logout(token: string | undefined): Promise<void> {
      if (token) await store.deleteSession(hashToken(token))
    },
  }
}

export type AgentAuth = ReturnType<typeof createAgentAuth>

export const SESSION_COOKIE = 'parley_session'

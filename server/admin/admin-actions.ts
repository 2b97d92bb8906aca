/** Creating sites, agents and API tokens: shared by the CLI, first-run set-up and the console. */
import { hashPassword } from '../auth/password.js'
import { hashToken, newPublicKey, newToken } from '../auth/tokens.js'
import type { Store } from '../store/store.js'
import type { Agent, ApiToken, Site } from '../store/types.js'
import { agentInput, apiTokenInput, parseInput, siteInput, type AgentInput, type ApiTokenInput, type SiteInput } from './inputs.js'

export async function createSite(store: Store, input: SiteInput): Promise<Site> {
  const site = parseInput(siteInput, input)
  return store.createSite({
    name: site.name,
    key: newPublicKey('site_'),
    allowedOrigins: site.allowedOrigins,
    widget: { color: site.color, greeting: site.greeting, position: site.position, prechat: site.prechat },
    ...(site.identityVerification || site.verifiedOnly ? { identitySecret: newToken('pis_') } : {}),
    verifiedOnly: site.verifiedOnly,
  })
}

export async function createAgent(store: Store, input: AgentInput): Promise<Agent> {
  const agent = parseInput(agentInput, input)
  return store.createAgent({
    name: agent.name,
    email: agent.email,
    passwordHash: await hashPassword(agent.password),
    role: agent.role,
    capacity: agent.capacity,
    siteIds: agent.siteIds,
  })
}

/** Returns the token itself once; only its hash is kept. */
export async function createApiToken(store: Store, input: ApiTokenInput): Promise<{ record: ApiToken; token: string }> {
  const parsed = parseInput(apiTokenInput, input)
  const token = newToken('pat_')
  const record = await store.createApiToken({ name: parsed.name, tokenHash: hashToken(token), siteIds: parsed.siteIds })
  return { record, token }
}

/** A readable random password for first-run and CLI-created agents. */
export function generatePassword(): string {
  return newToken().slice(0, 20)
}

export function embedSnippet(publicUrl: string, site: Site): string {
  return `<script src="${publicUrl}/widget.js" data-site="${site.key}" async></script>`
}

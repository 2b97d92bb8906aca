/**
 * Creating and changing sites, agents, canned responses and API tokens: shared by the CLI,
 * first-run set-up and the console. Each action checks its input (./inputs.ts) and throws an
 * InputError or a StoreConflictError that the caller shows as it is.
 */
import { hashPassword } from '../auth/password.js'
import { hashToken, newPublicKey, newToken } from '../auth/tokens.js'
import type { Store } from '../store/store.js'
import type { Agent, ApiToken, CannedResponse, Site } from '../store/types.js'
import {
  agentInput, agentPatch, apiTokenInput, cannedInput, cannedPatch, InputError, parseInput, passwordInput, siteInput, sitePatch,
  type AgentInput, type AgentPatchInput, type ApiTokenInput, type CannedInput, type CannedPatchInput, type SiteInput, type SitePatchInput,
} from './inputs.js'

/**
 * An unknown site id would otherwise reach the database as a broken foreign key (a server
 * error); named here, it is the caller's mistake to fix.
 */
async function checkSitesExist(store: Store, siteIds: readonly number[], field: string) {
  if (siteIds.length === 0) return
  const known = new Set((await store.listSites()).map((site) => site.id))
  const missing = siteIds.find((id) => !known.has(id))
  if (missing !== undefined) throw new InputError(`${field}: no site has the id ${missing}`)
}

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
  await checkSitesExist(store, agent.siteIds, 'siteIds')
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
  await checkSitesExist(store, parsed.siteIds, 'siteIds')
  const token = newToken('pat_')
  const record = await store.createApiToken({ name: parsed.name, tokenHash: hashToken(token), siteIds: parsed.siteIds })
  return { record, token }
}

/** `undefined` when the site is missing. */
export async function updateSite(store: Store, id: number, input: SitePatchInput): Promise<Site | undefined> {
  const patch = parseInput(sitePatch, input)
  const site = await store.getSite(id)
  if (!site) return undefined
  const widget = {
    color: patch.color ?? site.widget.color,
    greeting: patch.greeting ?? site.widget.greeting,
    position: patch.position ?? site.widget.position,
    prechat: patch.prechat ?? site.widget.prechat ?? false,
  }
  return store.updateSite(id, {
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.allowedOrigins === undefined ? {} : { allowedOrigins: patch.allowedOrigins }),
    widget,
    ...(patch.verifiedOnly === undefined ? {} : { verifiedOnly: patch.verifiedOnly }),
    // Verified-only without a secret would turn every visitor away: make one, as creation does.
    ...(patch.verifiedOnly && !site.identitySecret ? { identitySecret: newToken('pis_') } : {}),
  })
}

/** A new identity secret: identities signed with the old one stop being accepted at once. */
export async function rotateIdentitySecret(store: Store, id: number): Promise<Site | undefined> {
  return store.updateSite(id, { identitySecret: newToken('pis_') })
}

/** Ends identity verification, and with it verified-only (nobody could be verified any more). */
export async function removeIdentitySecret(store: Store, id: number): Promise<Site | undefined> {
  return store.updateSite(id, { identitySecret: null, verifiedOnly: false })
}

/**
 * `undefined` when the agent is missing. A deactivated agent is signed out everywhere; their
 * open connections are the chat service's to end (ChatService.agentChanged).
 */
export async function updateAgent(store: Store, id: number, input: AgentPatchInput): Promise<Agent | undefined> {
  const patch = parseInput(agentPatch, input)
  if (patch.siteIds) await checkSitesExist(store, patch.siteIds, 'siteIds')
  const agent = await store.updateAgent(id, patch)
  if (agent && patch.active === false) await store.deleteSessionsOfAgent(id)
  return agent
}

/** Sets a new password and signs the agent out everywhere; `undefined` when the agent is missing. */
export async function resetPassword(store: Store, id: number, input: { password: string }): Promise<Agent | undefined> {
  const { password } = parseInput(passwordInput, input)
  if (!(await store.getAgent(id))) return undefined
  const agent = await store.updateAgent(id, { passwordHash: await hashPassword(password) })
  await store.deleteSessionsOfAgent(id)
  return agent
}

export async function createCannedResponse(store: Store, input: CannedInput): Promise<CannedResponse> {
  const canned = parseInput(cannedInput, input)
  if (canned.siteId != null) await checkSitesExist(store, [canned.siteId], 'siteId')
  return store.createCannedResponse({
    shortcut: canned.shortcut,
    text: canned.text,
    ...(canned.siteId == null ? {} : { siteId: canned.siteId }),
  })
}

/** `undefined` when the canned response is missing. */
export async function updateCannedResponse(store: Store, id: number, input: CannedPatchInput): Promise<CannedResponse | undefined> {
  const patch = parseInput(cannedPatch, input)
  if (patch.siteId != null) await checkSitesExist(store, [patch.siteId], 'siteId')
  return store.updateCannedResponse(id, {
    ...(patch.shortcut === undefined ? {} : { shortcut: patch.shortcut }),
    ...(patch.text === undefined ? {} : { text: patch.text }),
    ...(patch.siteId === undefined ? {} : { siteId: patch.siteId }),
  })
}

/** A readable random password for first-run and CLI-created agents. */
export function generatePassword(): string {
  return newToken().slice(0, 20)
}

export function embedSnippet(publicUrl: string, site: Site): string {
  return `<script src="${publicUrl}/widget.js" data-site="${site.key}" async></script>`
}

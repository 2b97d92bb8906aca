/**
 * Administration: agents, sites, canned responses and API tokens (admins only: console-api.ts
 * puts requireAdmin in front). The rules live in server/admin; this file maps them to HTTP:
 * 422 for bad input, 404 for an unknown id, 409 for a taken email or shortcut and for an
 * administrator locking themselves out.
 */
import { Hono, type Context } from 'hono'
import * as v from 'valibot'
import {
  createAgent, createApiToken, createCannedResponse, createSite, embedSnippet, removeIdentitySecret, resetPassword,
  rotateIdentitySecret, updateAgent, updateCannedResponse, updateSite,
} from '../../admin/admin-actions.js'
import { agentInput, agentPatch, apiTokenInput, cannedInput, cannedPatch, InputError, passwordInput, siteInput, sitePatch } from '../../admin/inputs.js'
import { StoreConflictError } from '../../store/errors.js'
import type { Agent, ApiToken, Site } from '../../store/types.js'
import { publicAgent } from '../auth-routes.js'
import { apiError } from '../errors.js'
import { validate } from '../validate.js'
import type { ConsoleEnv } from './console-auth.js'
import type { ConsoleApiDeps } from './console-deps.js'

/** An agent as administrators see them: never the password hash. */
const adminAgent = (agent: Agent) => ({ ...publicAgent(agent), active: agent.active, createdAt: agent.createdAt })

/** Never the hash: the token itself is shown once, when it is made. */
const tokenView = ({ tokenHash: _hash, ...token }: ApiToken) => token

/** Ids in paths are digits; anything else is no resource at all (404). */
const ID = ':id{[0-9]{1,15}}'
const idOf = (c: Context) => Number(c.req.param('id'))

const notFound = (c: Context, what: string) => apiError(c, 404, 'not_found', `no ${what} has the id ${c.req.param('id')}`)

/** Why an administrator may not make this change to their own account, if they may not. */
function selfLockout(actor: Agent, targetId: number, patch: v.InferOutput<typeof agentPatch>): string | undefined {
  if (actor.id !== targetId) return undefined
  if (patch.active === false) return 'you cannot deactivate your own account; ask another administrator'
  if (patch.role === 'agent') return 'you cannot remove your own administrator role; ask another administrator'
  return undefined
}

export function adminRoutes({ store, service, publicUrl }: ConsoleApiDeps) {
  const siteView = (site: Site) => ({ ...site, embed: embedSnippet(publicUrl, site) })

  /** Admins serve every site: their open consoles reconnect to subscribe to a new one. */
  async function refreshAdmins() {
    for (const agent of await store.listAgents()) {
      if (agent.role === 'admin' && agent.active) await service.agentChanged(agent)
    }
  }

  const app = new Hono<ConsoleEnv>()

  app.onError(function answerAdminError(error, c) {
    if (error instanceof InputError) return apiError(c, 422, 'invalid_request', error.message)
    if (error instanceof StoreConflictError) return apiError(c, 409, `${error.field}_taken`, error.message)
    throw error
  })

  // Agents
  app.get('/agents', async (c) => {
    const agents = await store.listAgents()
    return c.json({ agents: agents.map(adminAgent), selfId: c.var.agent.id })
  })

  app.post('/agents', validate('json', agentInput), async (c) => {
    const agent = await createAgent(store, c.req.valid('json'))
    return c.json({ agent: adminAgent(agent) }, 201)
  })

  app.patch(`/agents/${ID}`, validate('json', agentPatch), async (c) => {
    const id = idOf(c)
    const patch = c.req.valid('json')
    const refusal = selfLockout(c.var.agent, id, patch)
    if (refusal) return apiError(c, 409, 'own_account', refusal)
    const agent = await updateAgent(store, id, patch)
    if (!agent) return notFound(c, 'agent')
    // Their consoles reconnect with the new sites and role, or, deactivated, stop.
    await service.agentChanged(agent)
    return c.json({ agent: adminAgent(agent) })
  })

  app.post(`/agents/${ID}/password`, validate('json', passwordInput), async (c) => {
    const agent = await resetPassword(store, idOf(c), c.req.valid('json'))
    if (!agent) return notFound(c, 'agent')
    // Signed out everywhere: open consoles are told to reconnect, and cannot.
    await service.agentChanged(agent)
    return c.json({ agent: adminAgent(agent) })
  })

  // Sites
  app.get('/sites', async (c) => {
    return c.json({ sites: (await store.listSites()).map(siteView) })
  })

  app.post('/sites', validate('json', siteInput), async (c) => {
    const site = await createSite(store, c.req.valid('json'))
    await refreshAdmins()
    return c.json({ site: siteView(site) }, 201)
  })

  app.patch(`/sites/${ID}`, validate('json', sitePatch), async (c) => {
    const site = await updateSite(store, idOf(c), c.req.valid('json'))
    return site ? c.json({ site: siteView(site) }) : notFound(c, 'site')
  })

  app.post(`/sites/${ID}/identity-secret`, async (c) => {
    const site = await rotateIdentitySecret(store, idOf(c))
    return site ? c.json({ site: siteView(site) }) : notFound(c, 'site')
  })

  app.delete(`/sites/${ID}/identity-secret`, async (c) => {
    const site = await removeIdentitySecret(store, idOf(c))
    return site ? c.json({ site: siteView(site) }) : notFound(c, 'site')
  })

  // Canned responses
  app.get('/canned', async (c) => {
    const siteIds = (await store.listSites()).map((site) => site.id)
    return c.json({ canned: await store.listCannedResponses(siteIds) })
  })

  app.post('/canned', validate('json', cannedInput), async (c) => {
    return c.json({ canned: await createCannedResponse(store, c.req.valid('json')) }, 201)
  })

  app.patch(`/canned/${ID}`, validate('json', cannedPatch), async (c) => {
    const canned = await updateCannedResponse(store, idOf(c), c.req.valid('json'))
    return canned ? c.json({ canned }) : notFound(c, 'canned response')
  })

  app.delete(`/canned/${ID}`, async (c) => {
    return (await store.deleteCannedResponse(idOf(c))) ? c.body(null, 204) : notFound(c, 'canned response')
  })

  // API tokens
  app.get('/tokens', async (c) => {
    return c.json({ tokens: (await store.listApiTokens()).map(tokenView) })
  })

  app.post('/tokens', validate('json', apiTokenInput), async (c) => {
    const { record, token } = await createApiToken(store, c.req.valid('json'))
    return c.json({ token, apiToken: tokenView(record) }, 201)
  })

  app.post(`/tokens/${ID}/revoke`, async (c) => {
    const revoked = await store.revokeApiToken(idOf(c), Date.now())
    return revoked ? c.json({ apiToken: tokenView(revoked) }) : notFound(c, 'API token')
  })

  return app
}

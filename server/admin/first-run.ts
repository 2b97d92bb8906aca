import type { Store } from '../store/store.js'
import type { Agent, Site } from '../store/types.js'
import { normalizeOrigin } from '../http/origin-guard.js'
import { createAgent, createSite, generatePassword } from './admin-actions.js'

export interface FirstRun {
  site: Site
  admin: Agent
  password: string
}

/**
 * On an empty database: a demo site that Parley's own origin may embed (its /demo page) and
 * an admin serving it, with a generated password shown once.
 */
export async function setUpFirstRun(store: Store, publicUrl: string): Promise<FirstRun | undefined> {
  if ((await store.countAgents()) > 0) return undefined
  const site = await createSite(store, { name: 'Demo site', allowedOrigins: [normalizeOrigin(publicUrl)!] })
  const password = generatePassword()
  const admin = await createAgent(store, {
    name: 'Admin', email: 'admin@parley.local', password, role: 'admin', siteIds: [site.id],
  })
  return { site, admin, password }
}

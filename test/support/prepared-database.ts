/**
 * A database with a site and its agents in it, written before any server opens it: for tests
 * that run `parley serve` as a process of its own on it (parley-process.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createSite } from '../../server/admin/admin-actions.js'
import { openStore } from '../../server/store/open-store.js'
import type { Agent, Site } from '../../server/store/types.js'
import { freshDatabase } from './test-database.js'
import { HOST_ORIGIN, TEST_PASSWORD_HASH } from './test-server.js'

export interface PreparedDatabase {
  /** The DATABASE_URL to give `parley serve` and `openStore`. */
  url: string
  /** Allows HOST_ORIGIN. */
  site: Site
  /** Each signs in with TEST_PASSWORD. */
  agents: Agent[]
  /** Drops the database and its scratch directory. */
  remove(): Promise<void>
}

/** @example const db = await prepareDatabase({ agents: 5, capacity: 10 }); startParleyProcess({ DATABASE_URL: db.url }) */
export async function prepareDatabase({ agents: count, capacity }: { agents: number; capacity: number }): Promise<PreparedDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-prepared-'))
  const database = freshDatabase(dir)
  const store = await openStore(database.url)
  try {
    const site = await createSite(store, { name: 'Shop', allowedOrigins: [HOST_ORIGIN] })
    const passwordHash = TEST_PASSWORD_HASH
    const agents: Agent[] = []
    for (let n = 1; n <= count; n += 1) {
      agents.push(await store.createAgent({
        name: `Agent ${n}`, email: `agent${n}@shop.test`, passwordHash, role: 'agent', capacity, siteIds: [site.id],
      }))
    }
    return {
      url: database.url,
      site,
      agents,
      async remove() {
        await Promise.all([database.drop(), rm(dir, { recursive: true, force: true })])
      },
    }
  } finally {
    await store.close()
  }
}

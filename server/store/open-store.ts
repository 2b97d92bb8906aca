import path from 'node:path'
import type { Store } from './store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'

export interface OpenStoreOptions {
  sqliteSynchronous?: 'full' | 'normal'
}

/** Opens the store a `DATABASE_URL` names (`sqlite:PATH`) and brings its schema up to date. */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (!databaseUrl.startsWith('sqlite:')) {
    throw new Error(`DATABASE_URL "${databaseUrl}" is not supported: use sqlite:PATH`)
  }
  const location = databaseUrl.slice('sqlite:'.length)
  const file = location === ':memory:' ? location : path.resolve(location)
  const store = openSqliteStore({ path: file, synchronous: options.sqliteSynchronous ?? 'full' })
  await store.migrate()
  return store
}

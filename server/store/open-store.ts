import path from 'node:path'
import type { Store } from './store.js'
import { openPostgresStore } from './postgres/postgres-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'

export interface OpenStoreOptions {
  sqliteSynchronous?: 'full' | 'normal'
}

/**
 * Opens the store a `DATABASE_URL` names (`sqlite:PATH`, or `postgres://…` for several nodes
 * sharing one database) and brings its schema up to date.
 */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  const store = openStoreOfUrl(databaseUrl, options)
  await store.migrate()
  return store
}

function openStoreOfUrl(databaseUrl: string, options: OpenStoreOptions): Store {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgresStore({ connectionString: databaseUrl })
  if (!databaseUrl.startsWith('sqlite:')) {
    throw new Error(`DATABASE_URL "${databaseUrl}" is not supported: use sqlite:PATH or postgres://USER@HOST/DATABASE`)
  }
  const location = databaseUrl.slice('sqlite:'.length)
  const file = location === ':memory:' ? location : path.resolve(location)
  return openSqliteStore({ path: file, synchronous: options.sqliteSynchronous ?? 'full' })
}

import path from 'node:path'
import type { Store } from './store.js'
import { openPostgresStore } from './postgres/postgres-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'

export interface OpenStoreOptions {
  sqliteSynchronous?: 'full' | 'normal'
}

/**
 * A PostgreSQL URL may name the schema Parley's tables live in (`?schema=parley`, default
 * `public`); the driver is given the URL without that parameter, which it does not know.
 */
function postgresOptionsOf(databaseUrl: string): { connectionString: string; schema?: string } {
  const url = new URL(databaseUrl)
  const schema = url.searchParams.get('schema') ?? undefined
  url.searchParams.delete('schema')
  return { connectionString: url.toString(), schema }
}

/**
 * Opens the store a `DATABASE_URL` names (`sqlite:PATH`, or `postgres://…[?schema=NAME]` for
 * several nodes sharing one database) and brings its schema up to date.
 */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  const store = openStoreOfUrl(databaseUrl, options)
  await store.migrate()
  return store
}

function openStoreOfUrl(databaseUrl: string, options: OpenStoreOptions): Store {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgresStore(postgresOptionsOf(databaseUrl))
  if (!databaseUrl.startsWith('sqlite:')) {
    throw new Error(`DATABASE_URL "${databaseUrl}" is not supported: use sqlite:PATH or postgres://USER@HOST/DATABASE`)
  }
  const location = databaseUrl.slice('sqlite:'.length)
  const file = location === ':memory:' ? location : path.resolve(location)
  return openSqliteStore({ path: file, synchronous: options.sqliteSynchronous ?? 'full' })
}

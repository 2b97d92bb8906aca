/**
 * The database a test server runs on: a fresh SQLite file by default, or, with
 * TEST_DATABASE=postgres (set per project in vitest.config.ts), a fresh schema of its own in the
 * PostgreSQL at PARLEY_TEST_POSTGRES_URL, so one protocol suite runs against both stores.
 */
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import pg from 'pg'

export type DatabaseKind = 'sqlite' | 'postgres'

/** The store the test servers of this test process run on. */
export const DATABASE: DatabaseKind = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite'

/** The PostgreSQL the tests use; each server gets a schema of its own in it. */
export const POSTGRES_URL = process.env.PARLEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Why the PostgreSQL at `connectionString` cannot be used, or undefined when it can. */
export async function postgresUnreachableBecause(connectionString = POSTGRES_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

export interface TestDatabase {
  /** The DATABASE_URL to give Parley (`sqlite:FILE`, or `postgres://…?schema=parley_test_…`). */
  url: string
  /** The SQLite file; undefined on PostgreSQL. */
  file: string | undefined
  /** Drops the PostgreSQL schema and everything in it. (A SQLite file goes with its directory.) */
  drop(): Promise<void>
}

/**
 * A database nobody has used yet, of the kind DATABASE names. Nothing is created until Parley
 * opens it: opening migrates, and on PostgreSQL that creates the schema.
 *
 * @example const database = freshDatabase(dir); await openStore(database.url); ...; await database.drop()
 */
export function freshDatabase(dir: string): TestDatabase {
  if (DATABASE === 'sqlite') {
    const file = path.join(dir, 'parley.db')
    return { url: `sqlite:${file}`, file, drop: async () => {} }
  }
  const schema = `parley_test_${randomBytes(6).toString('hex')}`
  const url = new URL(POSTGRES_URL)
  url.searchParams.set('schema', schema)
  return {
    url: url.toString(),
    file: undefined,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL })
      await client.connect()
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      } finally {
        await client.end()
      }
    },
  }
}

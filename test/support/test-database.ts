/**
 * The database a test server runs on: a fresh SQLite file by default, or, with
 * TEST_DATABASE=postgres (set per project in vitest.config.ts), a fresh schema of its own in the
 * PostgreSQL at PARLEY_TEST_POSTGRES_URL, so one protocol suite runs against both stores.
 */
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import pg from 'pg'
import { POSTGRES_URL } from './services.js'

export type DatabaseKind = 'sqlite' | 'postgres'

/** The store the test servers of this test process run on. */
export const DATABASE: DatabaseKind = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite'

export function freshSchemaName(): string {
  return `parley_test_${randomBytes(6).toString('hex')}`
}

/** Runs one statement on a connection of its own, outside any store. */
export async function onTheSide<Row extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    return (await client.query<Row>(sql, params)).rows
  } finally {
    await client.end()
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await onTheSide(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
}

/** A DATABASE_URL naming `schema` in the test PostgreSQL. */
export function postgresUrlOf(schema: string): string {
  const url = new URL(POSTGRES_URL)
  url.searchParams.set('schema', schema)
  return url.toString()
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
  const schema = freshSchemaName()
  return { url: postgresUrlOf(schema), file: undefined, drop: () => dropSchema(schema) }
}

/**
 * The local PostgreSQL that PostgreSQL tests use, each test in a fresh schema of its own.
 * Without a reachable PostgreSQL those tests are skipped, loudly, except on CI, where they fail.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const POSTGRES_URL = process.env.PARLEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Why PostgreSQL cannot be used, or undefined when it can. */
async function unreachableBecause(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 })
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

const problem = await unreachableBecause()

/**
 * Whether the PostgreSQL tests called `what` must be skipped; says so loudly, and throws on CI.
 *
 * @example describe.skipIf(withoutPostgres('the PostgresStore tests'))('PostgreSQL', () => { ... })
 */
export function withoutPostgres(what: string): boolean {
  if (problem === undefined) return false
  if (process.env.CI === 'true') throw new Error(`PostgreSQL at ${POSTGRES_URL} is required on CI: ${problem}`)
  console.warn(`\n*** PostgreSQL at ${POSTGRES_URL} not reachable (${problem}): ${what} are SKIPPED. Set PARLEY_TEST_POSTGRES_URL. ***\n`)
  return true
}

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

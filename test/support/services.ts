/**
 * The local PostgreSQL and Redis that tests of several nodes need, and the one rule for their
 * absence: the tests are skipped, loudly, except on CI (CI=true), where a missing service fails
 * the run rather than passing it with less tested.
 */
import { Redis } from 'ioredis'
import pg from 'pg'

export const POSTGRES_URL = process.env.PARLEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

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

/** Why the Redis at `url` cannot be used, or undefined when it can. */
export async function redisUnreachableBecause(url = REDIS_URL): Promise<string | undefined> {
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1000 })
  probe.on('error', () => {})
  try {
    await probe.connect()
    return (await probe.ping()) === 'PONG' ? undefined : 'PING was not answered with PONG'
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    probe.disconnect()
  }
}

type Service = 'postgres' | 'redis'

const probes: Record<Service, () => Promise<string | undefined>> = {
  postgres: () => postgresUnreachableBecause().then((problem) => problem && `PostgreSQL at ${POSTGRES_URL}: ${problem} (set PARLEY_TEST_POSTGRES_URL)`),
  redis: () => redisUnreachableBecause().then((problem) => problem && `Redis at ${REDIS_URL}: ${problem} (set PARLEY_TEST_REDIS_URL)`),
}
const asked = new Map<Service, Promise<string | undefined>>()

/**
 * Whether `what` (tests needing these services) must be skipped: says so loudly, and throws on CI.
 *
 * @example describe.skipIf(await missingServices('the Redis bus tests', 'redis'))('the Redis bus', () => { ... })
 */
export async function missingServices(what: string, ...needed: Service[]): Promise<boolean> {
  const problems = (await Promise.all(needed.map((service) => {
    if (!asked.has(service)) asked.set(service, probes[service]())
    return asked.get(service)!
  }))).filter((problem) => problem !== undefined)
  if (problems.length === 0) return false
  if (process.env.CI === 'true') throw new Error(`${what} need these on CI: ${problems.join('; ')}`)
  console.warn(`\n*** SKIPPED: ${what}, as ${problems.join('; ')} ***\n`)
  return true
}

/**
 * A real Parley server for a test: port 0 on loopback, a fresh database, silent logs. The
 * database is a SQLite file, or with TEST_DATABASE=postgres a PostgreSQL schema of its own
 * (test-database.ts).
 */
import { randomBytes, scryptSync } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'
import { createSite } from '../../server/admin/admin-actions.js'
import { loadConfig, type Config } from '../../server/config.js'
import { createLogger } from '../../server/ops/logger.js'
import { startParley, type ParleyServer } from '../../server/parley-server.js'
import type { Cluster } from '../../server/realtime/cluster.js'
import { openStore } from '../../server/store/open-store.js'
import type { Agent, Site } from '../../server/store/types.js'
import { freshDatabase } from './test-database.js'

export const TEST_PASSWORD = 'correct horse battery'
export const HOST_ORIGIN = 'http://shop.test'

/**
 * TEST_PASSWORD hashed once, with light scrypt parameters. A hash carries its parameters
 * (server/auth/password.ts), so signing in checks it at this light cost too. At the
 * production cost, creating an agent and signing in took two scrypt runs, about 0.6 s of CPU
 * per agent: most of the suite's time on two cores. (The CLI tests still create agents the
 * real way.)
 */
export const TEST_PASSWORD_HASH = (() => {
  const params = { N: 1024, r: 8, p: 1 }
  const salt = randomBytes(16)
  const key = scryptSync(TEST_PASSWORD.normalize('NFKC'), salt, 64, params)
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$')
})()

export interface TestServer {
  server: ParleyServer
  config: Config
  /** A scratch directory of this server's own, removed by stop(). */
  dir: string
  /** The SQLite file. On PostgreSQL (TEST_DATABASE=postgres) reading it throws: such a test is SQLite-only. */
  dbPath: string
  url: string
  wsUrl: string
  site: Site
  /** Creates an agent serving `site` (or the given sites) with TEST_PASSWORD (hashed lightly: see TEST_PASSWORD_HASH). */
  addAgent(options?: { name?: string; role?: 'admin' | 'agent'; capacity?: number; sites?: Site[] }): Promise<Agent>
  addSite(name: string, origins?: string[]): Promise<Site>
  /** Stops this server and starts a new one on the same database (and port). */
  restart(): Promise<void>
  /** Stops this server and drops its database. */
  stop(): Promise<void>
}

/** Settings as flag names (`agent-grace`, `rate-burst`...) over the test defaults. */
/** `cluster`: what the server shares with other nodes, built for each start (default: from the settings). */
export async function startTestServer(settings: Record<string, string> = {}, { cluster }: { cluster?: () => Cluster } = {}): Promise<TestServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-test-'))
  const database = freshDatabase(dir)
  let agentCount = 0
  const flags = {
    port: '0',
    host: '127.0.0.1',
    'database-url': database.url,
    'log-level': 'silent',
    'agent-grace': '300',
    'visitor-grace': '300',
    'sqlite-synchronous': 'normal',
    'public-url': 'http://parley.test',
    ...settings,
  }
  const config = loadConfig({}, flags)
  const logger = createLogger(config.logLevel)
  const open = () => openStore(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous })
  let server = await startParley(config, { store: await open(), logger, cluster: cluster?.() })
  const site = await createSite(server.store, { name: 'Shop', allowedOrigins: [HOST_ORIGIN] })

  const harness: TestServer = {
    server,
    config,
    dir,
    get dbPath() {
      if (database.file === undefined) {
        throw new Error('server.dbPath: this server runs on PostgreSQL; a test that reads the SQLite file is SQLite-only (skipIf(DATABASE === \'postgres\'))')
      }
      return database.file
    },
    get url() {
      return server.url
    },
    get wsUrl() {
      return `${server.url.replace(/^http/, 'ws')}/ws`
    },
    site,
    async addAgent(options = {}) {
      agentCount += 1
      return server.store.createAgent({
        name: options.name ?? `Agent ${agentCount}`,
        email: `agent${agentCount}-${Math.random().toString(36).slice(2, 8)}@parley.test`,
        passwordHash: TEST_PASSWORD_HASH,
        role: options.role ?? 'agent',
        capacity: options.capacity ?? 5,
        siteIds: (options.sites ?? [site]).map((s) => s.id),
      })
    },
    addSite(name, origins = [HOST_ORIGIN]) {
      return createSite(server.store, { name, allowedOrigins: origins })
    },
    async restart() {
      const port = server.port
      await server.stop()
      server = await startParley({ ...config, port }, { store: await open(), logger, cluster: cluster?.() })
      harness.server = server
    },
    async stop() {
      await server.stop()
      await Promise.all([database.drop(), rm(dir, { recursive: true, force: true })])
    },
  }
  return harness
}

/**
 * For files whose tests each want their own server, with settings of their own: returns the
 * `start` to call in a test; every server it started is stopped after that test.
 *
 * @example const start = serversPerTest(); it('...', async () => { const s = await start({ 'rate-burst': '4' }) })
 */
export function serversPerTest() {
  const started: TestServer[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.stop()))
  })
  return async function start(settings: Record<string, string> = {}): Promise<TestServer> {
    const server = await startTestServer(settings)
    started.push(server)
    return server
  }
}

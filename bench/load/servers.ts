/**
 * The servers under test, each started the same way (a child process on 127.0.0.1, see
 * server-process.ts): Parley from its build (`dist/`, as it is deployed), the socket.io
 * baseline, and a bare `ws` server as the floor for memory.
 */
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { ParleyAgentAccount } from './parley-driver.js'
import { startServer, type ServerProcess } from './server-process.js'

const run = promisify(execFile)
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const PARLEY_CLI = path.join(ROOT, 'dist/server/cli.js')
const AGENT_PASSWORD = 'bench-agent-password'
/** Parley's highest agent capacity: one agent per site takes 100 chats. */
const AGENT_CAPACITY = 100

/**
 * Which Parley was measured: the build's time and the commit checked out then. The build may
 * hold changes not yet committed; its time tells which.
 */
export function parleyBuild(): string {
  const built = statSync(PARLEY_CLI).mtime.toISOString().replace('T', ' ').slice(0, 16)
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    // not a git checkout
  }
  return `the build of ${built} UTC (HEAD ${commit} when measured)`
}

export interface ParleyDatabase {
  databaseUrl: string
  siteKeys: string[]
  agents: ParleyAgentAccount[]
}

async function parleyCli(databaseUrl: string, args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, [PARLEY_CLI, ...args, '--json', '--database-url', databaseUrl], { cwd: ROOT, timeout: 30_000 })
  return JSON.parse(stdout)
}

/**
 * A fresh database with `sites` sites and one agent for each, made with Parley's own CLI
 * (the build's, so the schema is the one the server expects). One agent per site: an agent
 * hears every event of the sites they serve, so this keeps each message going to one agent,
 * as in the baseline.
 */
export async function prepareParleyDatabase(dir: string, sites: number): Promise<ParleyDatabase> {
  if (!existsSync(PARLEY_CLI)) throw new Error('dist/server/cli.js is missing: run `npm run build` first')
  const databaseUrl = `sqlite:${path.join(dir, 'parley.db')}`
  const siteKeys: string[] = []
  const agents: ParleyAgentAccount[] = []
  for (let i = 0; i < sites; i++) {
    const { site } = (await parleyCli(databaseUrl, ['create-site', '--name', `Bench ${i}`])) as { site: { key: string } }
    const email = `agent${i}@bench.test`
    await parleyCli(databaseUrl, ['create-agent', '--name', `Agent ${i}`, '--email', email, '--password', AGENT_PASSWORD, '--capacity', String(AGENT_CAPACITY), '--sites', site.key])
    siteKeys.push(site.key)
    agents.push({ email, password: AGENT_PASSWORD })
  }
  return { databaseUrl, siteKeys, agents }
}

/**
 * Parley as deployed, with two settings changed for a bench: logs at `warn` (the baseline
 * logs nothing), and the per-connection frame rate limit raised, since one echo-bot agent
 * answers a hundred chats over one connection and visitors write faster than people do.
 */
export function startParley(databaseUrl: string, nodeFlags: string[] = []): Promise<ServerProcess> {
  return startServer({
    name: 'Parley',
    nodeFlags,
    args: [
      PARLEY_CLI, 'serve', '--port', '{port}', '--host', '127.0.0.1', '--public-url', 'http://127.0.0.1:{port}',
      '--database-url', databaseUrl, '--log-level', 'warn', '--rate-burst', '100000', '--rate-per-second', '100000',
    ],
    cwd: ROOT,
  })
}

export function startSocketIoBaseline(dir: string, nodeFlags: string[] = []): Promise<ServerProcess> {
  return startServer({
    name: 'socket.io',
    nodeFlags: ['--import', 'tsx', ...nodeFlags],
    args: ['bench/baseline/socketio-relay.ts', '--port', '{port}', '--db', path.join(dir, 'socketio-relay.db')],
    cwd: ROOT,
  })
}

export function startBareWs(nodeFlags: string[] = []): Promise<ServerProcess> {
  return startServer({ name: 'bare ws', nodeFlags: ['--import', 'tsx', ...nodeFlags], args: ['bench/baseline/bare-ws.ts', '--port', '{port}'], cwd: ROOT })
}

/**
 * 10,000 idle WebSocket visitors, on Parley, on the socket.io baseline and on a bare `ws`
 * server: memory per connection. Each server runs with its inspector on 127.0.0.1 so that
 * the bench can also force a full GC and read the V8 heap (see load/idle-scenario.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { connectBareWebSocket } from '../load/bare-ws-driver.js'
import type { VisitorEvents } from '../load/chat-driver.js'
import { runIdleScenario, type IdleOutcome } from '../load/idle-scenario.js'
import { parleyDriver } from '../load/parley-driver.js'
import { parleyBuild, prepareParleyDatabase, startBareWs, startParley, startSocketIoBaseline } from '../load/servers.js'
import type { ServerProcess } from '../load/server-process.js'
import { socketIoDriver } from '../load/socketio-driver.js'
import { count, dateAndMachine, kb, mb, table, wrap, yesNo } from '../results-file.js'

const SITES = 10
const INSPECTOR = ['--inspect=127.0.0.1:0']
/** From the issue: Parley within 20 % of a bare `ws` server. */
const TARGET_SHARE = 1.2
const ignore: VisitorEvents = { reply() {}, error() {} }

async function measure(start: () => Promise<ServerProcess>, connections: number, connect: (server: ServerProcess) => (index: number) => Promise<{ close(): void }>) {
  const server = await start()
  try {
    return await runIdleScenario(server, connections, connect(server))
  } finally {
    await server.stop()
  }
}

/** `settle` runs between the servers' turns (waiting for a quiet machine, say). */
export async function runIdle(connections: number, settle: () => Promise<unknown> = async () => {}): Promise<IdleOutcome[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-idle-'))
  try {
    const database = await prepareParleyDatabase(dir, SITES)
    const parley = await measure(() => startParley(database.databaseUrl, INSPECTOR), connections, (server) => {
      const driver = parleyDriver({ url: server.url, siteKeys: database.siteKeys, agents: database.agents })
      return (index) => driver.connectVisitor(index, 'websocket', ignore)
    })
    await settle()
    const socketIo = await measure(() => startSocketIoBaseline(dir, INSPECTOR), connections, (server) => {
      const driver = socketIoDriver({ url: server.url, sites: SITES })
      return (index) => driver.connectVisitor(index, 'websocket', ignore)
    })
    await settle()
    const bare = await measure(() => startBareWs(INSPECTOR), connections, (server) => () => connectBareWebSocket(server.url))
    return [parley, socketIo, bare]
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const perConnection = (outcome: IdleOutcome, pick: (o: IdleOutcome) => { before: number; after: number }) =>
  outcome.connected > 0 ? (pick(outcome).after - pick(outcome).before) / outcome.connected : 0

export function idleReport(outcomes: IdleOutcome[], connections: number, load: number): string {
  const [parley, , bare] = outcomes
  const rssPer = (o: IdleOutcome) => perConnection(o, (x) => x.rss)
  const collectedPer = (o: IdleOutcome, pick: 'heap' | 'rss') =>
    o.collected ? kb(perConnection(o, (x) => (pick === 'heap' ? { before: x.collected!.heapBefore, after: x.collected!.heapAfter } : { before: x.collected!.rssBefore, after: x.collected!.rssAfter }))) : '—'
  const row = (label: string, cell: (o: IdleOutcome) => string) => [label, ...outcomes.map(cell)]
  const met = parley && bare ? rssPer(parley) <= TARGET_SHARE * rssPer(bare) : false
  return [
    `## Load: ${count(connections)} idle WebSocket visitors (\`npm run bench -- idle\`)`,
    '',
    wrap(`${dateAndMachine(load)} Parley is ${parleyBuild()}. Each server in its own child process on 127.0.0.1, started fresh; the generator
      opens ${count(connections)} WebSockets, 100 at a time, and waits for each to be ready: for Parley, the visitor's
      \`hello\` answered by \`welcome\` (a visitor record is made and stored, as for a first page view); for
      socket.io, its handshake and the baseline's \`welcome\` (it stores a visitor row too); for bare \`ws\`,
      the upgrade. Then 5 s of quiet. Memory is read from /proc/PID/status: the mean over 3 s before
      connecting and over 5 s after, nothing forced. Then, through each server's inspector (started with
      \`--inspect=127.0.0.1:0\`), a full GC before and after, and the V8 heap and RSS once it is done.`),
    '',
    table(['measure', 'Parley', 'socket.io', 'bare ws'], [
      row('connections (failed)', (o) => `${count(o.connected)} (${o.failed})`),
      row('time to connect them all', (o) => `${o.connectSeconds.toFixed(1)} s`),
      row('RSS before → after', (o) => `${mb(o.rss.before)} → ${mb(o.rss.after)}`),
      row('**RSS per connection**', (o) => `**${kb(rssPer(o))}**`),
      row('anonymous memory (RssAnon) per connection', (o) => kb(perConnection(o, (x) => x.anon))),
      row('V8 heap per connection, after a full GC', (o) => collectedPer(o, 'heap')),
      row('RSS per connection, after a full GC', (o) => collectedPer(o, 'rss')),
    ]),
    '',
    table(['target (from the issue)', 'result', 'met'], [
      [`Parley's RSS per idle visitor within 20 % of a bare \`ws\` server's (≤ ${bare ? kb(TARGET_SHARE * rssPer(bare)) : '—'})`, parley ? kb(rssPer(parley)) : '—', yesNo(met)],
    ]),
    '',
  ].join('\n')
}

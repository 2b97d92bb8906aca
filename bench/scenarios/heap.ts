/**
 * Where Parley's memory per idle visitor goes: the idle scenario again, Parley only, with V8's
 * sampling heap profiler running (through the inspector) while the visitors connect. After a
 * full GC, what is still alive of what was sampled is folded by allocation site and by the
 * nearest frame of Parley's own code (see load/heap-profile.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { connectAll } from '../load/connect-all.js'
import { summariseHeapProfile, type HeapSummary } from '../load/heap-profile.js'
import { openHeapInspector } from '../load/inspector-heap.js'
import { parleyDriver } from '../load/parley-driver.js'
import { parleyBuild, prepareParleyDatabase, ROOT, startParley } from '../load/servers.js'
import { count, dateAndMachine, kb, table, wrap } from '../results-file.js'

const SITES = 10
const WARM_UP_CONNECTIONS = 100
/** Bytes between samples, on average: small enough for a fine picture of 10,000 connections. */
const SAMPLING_INTERVAL = 4096

export interface HeapRun {
  connected: number
  summary: HeapSummary
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function runHeapProfile(connections: number): Promise<HeapRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-heap-'))
  try {
    const database = await prepareParleyDatabase(dir, SITES)
    const server = await startParley(database.databaseUrl, ['--inspect=127.0.0.1:0'])
    try {
      const inspector = await openHeapInspector(server.inspectorUrl!)
      const driver = parleyDriver({ url: server.url, siteKeys: database.siteKeys, agents: database.agents })
      const connect = (index: number) => driver.connectVisitor(index, 'websocket', { reply() {}, error() {} })
      // As in the idle scenario: what a first connection sets up once is not counted.
      const warmUp = await connectAll(WARM_UP_CONNECTIONS, connect, { label: 'Parley warm-up' })
      for (const link of warmUp.links) link.close()
      await sleep(5000)
      await inspector.collectGarbage()
      await inspector.startSampling(SAMPLING_INTERVAL)
      const outcome = await connectAll(connections, (index) => connect(WARM_UP_CONNECTIONS + index), { label: 'Parley idle (sampled)' })
      await sleep(5000)
      await inspector.collectGarbage()
      const profile = await inspector.takeSampledProfile()
      inspector.close()
      for (const link of outcome.links) link.close()
      return { connected: outcome.links.length, summary: summariseHeapProfile(profile, ROOT) }
    } finally {
      await server.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export function heapReport({ connected, summary }: HeapRun, load: number): string {
  const per = (bytes: number) => kb(bytes / Math.max(1, connected))
  const share = (bytes: number) => `${((bytes / summary.totalBytes) * 100).toFixed(1)} %`
  return [
    '## Load: where Parley\'s memory per idle visitor goes (`npm run bench -- heap`)',
    '',
    wrap(`${dateAndMachine(load)} Parley is ${parleyBuild()}. The idle scenario, Parley only: ${count(connected)} WebSocket
      visitors connect and are welcomed while V8's sampling heap profiler runs (one sample every
      ${SAMPLING_INTERVAL / 1024} KB allocated, on average, started through the inspector after a warm-up and a full GC);
      after 5 s and another full GC, the sampled allocations still alive are estimated at
      ${per(summary.totalBytes)} per connection (the idle scenario's V8 heap growth is the same quantity,
      measured). Attributed to the nearest frame of Parley's own code on each allocation's stack,
      so that what \`ws\`, Hono or Node allocate for Parley counts against the code that asked:`),
    '',
    table(['Parley code', 'where', 'per connection', 'share'], summary.parleyCallers.map((entry) => [`\`${entry.name}\``, entry.where ? `\`${entry.where}\`` : '', per(entry.bytes), share(entry.bytes)])),
    '',
    'By allocation site (the function that made the objects):',
    '',
    table(['function', 'where', 'per connection', 'share'], summary.sites.map((entry) => [`\`${entry.name}\``, entry.where ? `\`${entry.where}\`` : '', per(entry.bytes), share(entry.bytes)])),
    '',
    'By area:',
    '',
    table(['area', 'per connection', 'share'], summary.areas.map((entry) => [entry.name, per(entry.bytes), share(entry.bytes)])),
    '',
  ].join('\n')
}

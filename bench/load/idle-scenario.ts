/**
 * Memory per idle connection: many visitors connect (and, where the protocol has one, are
 * welcomed) and then do nothing. Read from /proc: mean RSS and anonymous memory over a few
 * seconds before and after, without forcing anything. Then, through the inspector when the
 * server was started with one, a full GC and the V8 heap before and after: what each
 * connection keeps, garbage excluded.
 */
import { connectAll } from './connect-all.js'
import { openHeapInspector } from './inspector-heap.js'
import { readProcess, type ProcessReading } from './process-sampler.js'

export interface IdleOutcome {
  server: string
  connected: number
  failed: number
  reasons: string[]
  connectSeconds: number
  /** Means over a few seconds, in bytes. */
  rss: { before: number; after: number }
  anon: { before: number; after: number }
  /** After a full GC, when the inspector was there. */
  collected?: { heapBefore: number; heapAfter: number; rssBefore: number; rssAfter: number }
}

const WARM_UP_CONNECTIONS = 100

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function meanMemory(pid: number, ms: number) {
  const readings: ProcessReading[] = []
  for (let waited = 0; waited < ms; waited += 250) {
    const reading = readProcess(pid)
    if (reading) readings.push(reading)
    await sleep(250)
  }
  const mean = (pick: (r: ProcessReading) => number) => readings.reduce((sum, r) => sum + pick(r), 0) / Math.max(1, readings.length)
  return { rss: mean((r) => r.rss), anon: mean((r) => r.anon) }
}

export async function runIdleScenario(
  server: { name: string; pid: number; inspectorUrl?: string },
  count: number,
  connect: (index: number) => Promise<{ close(): void }>,
): Promise<IdleOutcome> {
  const inspector = server.inspectorUrl ? await openHeapInspector(server.inspectorUrl) : undefined
  // A first few connections, closed again, so that the baseline already holds what any first
  // connection sets up once (compiled code, caches, pools) and the difference is per connection.
  const warmUp = await connectAll(Math.min(WARM_UP_CONNECTIONS, count), connect, { label: `${server.name} warm-up` })
  for (const link of warmUp.links) link.close()
  await sleep(5000)
  const before = await meanMemory(server.pid, 3000)
  await inspector?.collectGarbage()
  const heapBefore = await inspector?.heapUsed()
  const collectedBefore = inspector ? await meanMemory(server.pid, 1000) : undefined

  const outcome = await connectAll(count, connect, { concurrency: 100, perConnectionMs: 30_000, totalMs: 300_000, label: `${server.name} idle` })
  console.log(`  ${server.name}: ${outcome.links.length} idle connections in ${outcome.seconds.toFixed(1)} s (${outcome.failures} failed${outcome.reasons[0] ? `: ${outcome.reasons[0]}` : ''})`)
  // Let the connection storm's garbage and timers settle as they would on their own.
  await sleep(5000)
  const after = await meanMemory(server.pid, 5000)
  await inspector?.collectGarbage()
  const heapAfter = await inspector?.heapUsed()
  const collectedAfter = inspector ? await meanMemory(server.pid, 1000) : undefined
  inspector?.close()

  for (const link of outcome.links) link.close()
  await sleep(1000)
  return {
    server: server.name,
    connected: outcome.links.length,
    failed: outcome.failures,
    reasons: outcome.reasons,
    connectSeconds: outcome.seconds,
    rss: { before: before.rss, after: after.rss },
    anon: { before: before.anon, after: after.anon },
    ...(heapBefore !== undefined && heapAfter !== undefined && collectedBefore && collectedAfter
      ? { collected: { heapBefore, heapAfter, rssBefore: collectedBefore.rss, rssAfter: collectedAfter.rss } }
      : {}),
  }
}

/**
 * The bulk export, measured: a million messages streamed over HTTP as NDJSON and as CSV, and
 * what that costs the server in memory. The export reads the store a page at a time as the
 * client takes the bytes, so the server's memory must stay flat whatever the size: this checks
 * it, quarter by quarter of each export.
 *
 *   npm run bench:export
 *
 * Fills a fresh SQLite file straight through better-sqlite3 (two sites, 4,000 closed
 * conversations of 250 events each, notes and system events among them, texts with commas,
 * quotes, line breaks and formulas), then runs a real Parley server on it in a child process,
 * which reports its memory every 100 ms. The client on 127.0.0.1 counts records without
 * keeping them. Bounded: 1,000,000 messages, 5 minutes for both exports, whatever happens.
 * Writes its figures into bench/RESULTS.md ("Bulk export" section) and prints them.
 */
import Database from 'better-sqlite3'
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createApiToken, createSite } from '../server/admin/admin-actions.js'
import { loadConfig } from '../server/config.js'
import { createLogger } from '../server/ops/logger.js'
import { startParley } from '../server/parley-server.js'
import { openStore } from '../server/store/open-store.js'

const MESSAGES = 1_000_000
const CONVERSATIONS = 4_000
const PER_CONVERSATION = MESSAGES / CONVERSATIONS
/** For both exports together, each getting half: a slow one is reported as far as it got. */
const TIME_BUDGET_MS = 5 * 60_000
const SAMPLE_EVERY_MS = 100
const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url))
const MB = 1024 * 1024

/** What the server process reports about itself. */
interface MemorySample {
  rss: number
  heapUsed: number
}

type ServerMessage =
  | { type: 'ready'; url: string; token: string }
  /** `stallMs`: the longest the event loop was held up since the last report, that is how long a chat would have waited. */
  | ({ type: 'memory'; stallMs: number; afterGc?: boolean } & MemorySample)

// ---------------------------------------------------------------- the server, in a child process

/** Runs Parley on the file and reports its memory to the parent until told to stop. */
async function serve(dbPath: string) {
  const config = loadConfig({}, {
    port: '0', host: '127.0.0.1', 'database-url': `sqlite:${dbPath}`, 'log-level': 'silent', 'sqlite-synchronous': 'normal',
    'api-rate-limit': '100000',
  })
  const parley = await startParley(config, { store: await openStore(config.databaseUrl), logger: createLogger('silent') })
  const { token } = await createApiToken(parley.store, { name: 'Bench' })
  const send = (message: ServerMessage) => process.send!(message)
  const loopDelay = monitorEventLoopDelay({ resolution: 10 })
  loopDelay.enable()
  const sample = (afterGc = false) => {
    const { rss, heapUsed } = process.memoryUsage()
    send({ type: 'memory', rss, heapUsed, stallMs: loopDelay.max / 1e6, ...(afterGc ? { afterGc } : {}) })
    loopDelay.reset()
  }
  const sampler = setInterval(sample, SAMPLE_EVERY_MS)
  process.on('message', async (command: 'gc' | 'stop') => {
    if (command === 'gc') {
      // Twice: the first pass can leave what only a second one frees.
      globalThis.gc?.()
      globalThis.gc?.()
      sample(true)
      return
    }
    clearInterval(sampler)
    await parley.stop()
    process.exit(0)
  })
  send({ type: 'ready', url: parley.url, token })
}

// ---------------------------------------------------------------- filling the database

const SENTENCES = [
  'Hello, I ordered a blue jacket last week and it has not arrived yet.',
  'Could you check the status of order #48213 please?',
  'Thanks for waiting! I can see it left our warehouse on Tuesday.',
  'It says "delivered" but there is nothing at my door.',
  'We will send a replacement today, at no cost of course.',
  'Great, thank you so much!\nHave a nice day.',
  '=HYPERLINK("http://example.test","click here")',
  '-5 stars, the parcel was wet; the box, the bag and the label too',
  'Is there a discount for orders over 100 €? My colleagues, Ana and José, want one each.',
  'Let me ask the warehouse team and come back to you in a few minutes.',
]

/** A text of 20 to ~400 characters made of the sentences above; deterministic for a given n. */
function textFor(n: number): string {
  const parts = 1 + (n % 5)
  const chosen: string[] = []
  for (let i = 0; i < parts; i++) chosen.push(SENTENCES[(n * 7 + i * 3) % SENTENCES.length]!)
  return chosen.join(' ')
}

/** Two sites, an agent, then a million events written in large transactions. */
async function fill(dbPath: string): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now()
  const store = await openStore(`sqlite:${dbPath}`, { sqliteSynchronous: 'normal' })
  const sites = [await createSite(store, { name: 'Shop' }), await createSite(store, { name: 'Blog' })]
  const agent = await store.createAgent({ name: 'Grace Hopper', email: 'grace@bench.test', passwordHash: 'x', role: 'agent', capacity: 5, siteIds: sites.map((site) => site.id) })
  await store.close()

  const db = new Database(dbPath)
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -200000')
  const insertVisitor = db.prepare('INSERT INTO visitors (site_id, token_hash, name, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?) RETURNING id').pluck()
  const insertConversation = db.prepare(`
    INSERT INTO conversations (site_id, visitor_id, status, assignee_id, last_seq, visitor_read_seq, agent_read_seq, created_at, updated_at, closed_at)
    VALUES (?, ?, 'closed', ?, ?, ?, ?, ?, ?, ?) RETURNING id`).pluck()
  const insertMessage = db.prepare(`
    INSERT INTO messages (conversation_id, seq, kind, author_role, author_id, author_name, text, client_id, system_event, internal, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)

  // Conversations start 30 minutes apart and last about two hours: several overlap, so the
  // export's time order jumps between them as it would on a real server.
  const start = Date.UTC(2025, 0, 1)
  const conversationGap = 30 * 60_000
  const messageGap = 29_000
  const writeConversations = db.transaction((from: number, to: number) => {
    for (let c = from; c < to; c++) {
      const site = sites[c % sites.length]!
      const opened = start + c * conversationGap
      const closed = opened + PER_CONVERSATION * messageGap
      const visitorName = `Visitor ${c}`
      const visitorId = insertVisitor.get(site.id, `bench-${c}`, visitorName, opened, closed) as number
      const conversationId = insertConversation.get(site.id, visitorId, agent.id, PER_CONVERSATION, PER_CONVERSATION, PER_CONVERSATION, opened, closed, closed) as number
      for (let seq = 1; seq <= PER_CONVERSATION; seq++) {
        const at = opened + (seq - 1) * messageGap
        const n = c * PER_CONVERSATION + seq
        if (seq === 2 || seq === PER_CONVERSATION) {
          const event = seq === 2 ? 'joined' : 'closed'
          insertMessage.run(conversationId, seq, 'system', 'system', null, null, `Grace Hopper ${event} the conversation`, null, event, 0, at)
        } else if (seq % 2 === 1) {
          insertMessage.run(conversationId, seq, 'message', 'visitor', visitorId, visitorName, textFor(n), `v${n}`, null, 0, at)
        } else {
          // One agent message in ten is an internal note.
          insertMessage.run(conversationId, seq, 'message', 'agent', agent.id, 'Grace Hopper', textFor(n), `a${n}`, null, seq % 20 === 0 ? 1 : 0, at)
        }
      }
    }
  })
  const perTransaction = 200 // 50,000 messages
  for (let c = 0; c < CONVERSATIONS; c += perTransaction) {
    writeConversations(c, Math.min(CONVERSATIONS, c + perTransaction))
    process.stdout.write(`\rfilling: ${((c + perTransaction) * PER_CONVERSATION).toLocaleString('en')} messages`)
  }
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  process.stdout.write('\n')
  return { seconds: (performance.now() - started) / 1000, bytes: (await stat(dbPath)).size }
}

// ---------------------------------------------------------------- measuring an export

interface ExportRun {
  format: 'ndjson' | 'csv'
  /** False when the export ran out of time: the figures are for what arrived until then. */
  complete: boolean
  rows: number
  bytes: number
  seconds: number
  /** Highest RSS and heap the server reported while the export ran, per quarter of its rows. */
  quarters: MemorySample[]
  peak: MemorySample
  /** The server's heap after the export and a full GC. */
  heapAfterGc: number
  /** The longest the server's event loop was held up during the export. */
  stallMs: number
}

/** Keeps the server's latest reports and the highest values since the last `resetPeak`. */
function watchMemory(child: ChildProcess) {
  let latest: MemorySample = { rss: 0, heapUsed: 0 }
  let peak: MemorySample = { rss: 0, heapUsed: 0 }
  let stallMs = 0
  let afterGc: ((sample: MemorySample) => void) | undefined
  child.on('message', (message: ServerMessage) => {
    if (message.type !== 'memory') return
    latest = { rss: message.rss, heapUsed: message.heapUsed }
    peak = { rss: Math.max(peak.rss, message.rss), heapUsed: Math.max(peak.heapUsed, message.heapUsed) }
    stallMs = Math.max(stallMs, message.stallMs)
    if (message.afterGc) afterGc?.(latest)
  })
  return {
    latest: () => latest,
    /** The longest stall since the last call, then starts over. */
    takeStall() {
      const taken = stallMs
      stallMs = 0
      return taken
    },
    /** The highest values since the last call, then starts over. */
    takePeak() {
      const taken = peak
      peak = latest
      return taken
    },
    /** Asks the server for a full GC and waits for its report. */
    collected(): Promise<MemorySample> {
      return new Promise((resolve) => {
        afterGc = resolve
        child.send('gc')
      })
    },
  }
}

const CR = 13
const LF = 10

/** Streams one export, counting records as the bytes go by (records end with LF, CSV's with CRLF). */
async function measureExport(url: string, token: string, format: 'ndjson' | 'csv', memory: ReturnType<typeof watchMemory>, deadline: number): Promise<ExportRun> {
  memory.takePeak()
  memory.takeStall()
  const started = performance.now()
  const response = await fetch(`${url}/api/v1/export/messages?format=${format}&notes=1`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
  })
  if (response.status !== 200) throw new Error(`export answered ${response.status}: ${await response.text()}`)
  const reader = response.body!.getReader()
  let terminators = 0
  let bytes = 0
  let previous = 0
  let complete = true
  const quarters: MemorySample[] = []
  // Never more than the database holds, in case a bug repeats records.
  while (terminators <= MESSAGES + 1) {
    const read = await reader.read().catch((error: unknown) => {
      if (error instanceof Error && error.name === 'TimeoutError') return undefined
      throw error
    })
    if (!read) {
      complete = false
      break
    }
    const { done, value } = read
    if (done) break
    bytes += value.length
    for (let i = 0; i < value.length; i++) {
      const byte = value[i]!
      if (byte === LF && (format === 'ndjson' || previous === CR)) terminators += 1
      previous = byte
    }
    const rows = format === 'csv' ? terminators - 1 : terminators
    if (rows >= ((quarters.length + 1) * MESSAGES) / 4) quarters.push(memory.takePeak())
  }
  await reader.cancel().catch(() => {})
  const seconds = (performance.now() - started) / 1000
  const stallMs = memory.takeStall()
  const rest = memory.takePeak()
  const last = quarters[quarters.length - 1]
  if (last) quarters[quarters.length - 1] = { rss: Math.max(last.rss, rest.rss), heapUsed: Math.max(last.heapUsed, rest.heapUsed) }
  const peak = quarters.reduce((highest, sample) => ({ rss: Math.max(highest.rss, sample.rss), heapUsed: Math.max(highest.heapUsed, sample.heapUsed) }), rest)
  const { heapUsed: heapAfterGc } = await memory.collected()
  return { format, complete, rows: Math.max(0, format === 'csv' ? terminators - 1 : terminators), bytes, seconds, quarters, peak, heapAfterGc, stallMs }
}

// ---------------------------------------------------------------- report

const mb = (bytes: number) => (bytes / MB).toFixed(1)
const signedMb = (bytes: number) => `${bytes >= 0 ? '+' : '−'}${mb(Math.abs(bytes))}`

/** Joins words into lines of at most `width` characters, as the rest of RESULTS.md is written. */
function wrap(text: string, width = 96): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) (lines.push(line), (line = word))
    else line = line ? `${line} ${word}` : word
  }
  return line ? [...lines, line] : lines
}

function report(runs: ExportRun[], baseline: MemorySample, filled: { seconds: number; bytes: number }, load: number): string {
  const cpus = os.cpus()
  const machine = `${cpus.length}-core ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, ${os.type()} ${os.release()}, Node ${process.versions.node}`
  // Other work on the machine slows every figure down: say how busy it was.
  const busy = load > cpus.length / 2 ? ` The machine was loaded (1-minute load average ${load.toFixed(1)} on ${cpus.length} cores as the bench began).` : ` 1-minute load average ${load.toFixed(1)} as the bench began.`
  const rows = runs.map((run) => [
    run.format === 'ndjson' ? 'NDJSON' : 'CSV',
    `${run.rows.toLocaleString('en')}${run.complete ? '' : ' (out of time)'}`,
    `${mb(run.bytes)} MB`,
    `${run.seconds.toFixed(1)} s`,
    Math.round(run.rows / run.seconds).toLocaleString('en'),
    (run.bytes / MB / run.seconds).toFixed(1),
    `${mb(run.peak.rss)} MB`,
    `${signedMb(run.peak.rss - baseline.rss)} MB`,
    `${signedMb(run.peak.heapUsed - baseline.heapUsed)} MB`,
    `${signedMb(run.heapAfterGc - baseline.heapUsed)} MB`,
    `${Math.round(run.stallMs)} ms`,
  ])
  const quarterRows = runs.map((run) => [
    run.format === 'ndjson' ? 'NDJSON' : 'CSV',
    ...[0, 1, 2, 3].map((i) => (run.quarters[i] ? `${mb(run.quarters[i].rss)} / ${mb(run.quarters[i].heapUsed)}` : '—')),
  ])
  return [
    '## Bulk export (`npm run bench:export`)',
    '',
    ...wrap([
      `${new Date().toISOString().slice(0, 10)}, ${machine}.${busy}`,
      `A fresh SQLite file (${mb(filled.bytes)} MB, filled in ${filled.seconds.toFixed(0)} s) holding ${MESSAGES.toLocaleString('en')} events:`,
      `2 sites, ${CONVERSATIONS.toLocaleString('en')} closed conversations of ${PER_CONVERSATION} events (visitor and agent messages of`,
      '20–400 characters with commas, quotes, line breaks and formulas; one agent message in ten an',
      'internal note; a `joined` and a `closed` event each). The Parley server runs in a child process',
      'and reports `process.memoryUsage()` and its event-loop delay every 100 ms; the client, on',
      '127.0.0.1, streams `GET /api/v1/export/messages?notes=1` (every event, in NDJSON, then in CSV,',
      `${TIME_BUDGET_MS / 2 / 1000} s at most each) and counts records without keeping them. Memory is the server's, against`,
      `its baseline after start-up and a small export (RSS ${mb(baseline.rss)} MB, heap ${mb(baseline.heapUsed)} MB).`,
    ].join(' ')),
    '',
    '| format | rows | bytes | time | rows/s | MB/s | peak RSS | RSS growth | heap growth (peak) | heap after, GC\'d | longest event-loop stall |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
    '',
    ...wrap([
      'Heap growth (peak) is garbage not yet collected; what the export keeps is the heap after a full',
      'GC once it ends. Highest RSS / heap used (MB) in each quarter of the export: memory that grew',
      'with the size of the export would rise from quarter to quarter.',
    ].join(' ')),
    '',
    '| format | first quarter | second | third | fourth |',
    '|---|---|---|---|---|',
    ...quarterRows.map((cells) => `| ${cells.join(' | ')} |`),
    '',
  ].join('\n')
}

/** Replaces the section under the same heading, or adds it at the end; the rest of the file stays. */
async function writeSection(section: string) {
  const heading = section.slice(0, section.indexOf('\n'))
  const current = await readFile(RESULTS, 'utf8')
  const at = current.indexOf(`\n${heading}\n`)
  if (at === -1) {
    await writeFile(RESULTS, `${current.trimEnd()}\n\n${section}`)
    return
  }
  const next = current.indexOf('\n## ', at + heading.length + 1)
  await writeFile(RESULTS, `${current.slice(0, at + 1)}${section}${next === -1 ? '' : `\n${current.slice(next + 1)}`}`)
}

// ---------------------------------------------------------------- main

async function main() {
  // Taken before the bench adds work of its own.
  const load = os.loadavg()[0]!
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-export-'))
  const dbPath = path.join(dir, 'bench.db')
  let child: ChildProcess | undefined
  try {
    const filled = await fill(dbPath)
    console.log(`filled in ${filled.seconds.toFixed(1)} s, ${mb(filled.bytes)} MB`)
    // Whatever happens from here, the bench ends: nothing may keep it running past its budget.
    const guard = setTimeout(() => {
      console.error('bench:export went over its time budget: stopping')
      child?.kill('SIGKILL')
      process.exit(1)
    }, TIME_BUDGET_MS + 60_000)
    guard.unref()

    child = fork(fileURLToPath(import.meta.url), ['--serve', dbPath], { execArgv: [...process.execArgv, '--expose-gc'] })
    const memory = watchMemory(child)
    const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      child!.on('message', (message: ServerMessage) => {
        if (message.type === 'ready') resolve(message)
      })
      child!.once('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready`)))
    })
    // Warm up the route, then take the baseline of a settled server.
    await (await fetch(`${url}/api/v1/export/messages?to=1`, { headers: { authorization: `Bearer ${token}` } })).text()
    const baseline = await memory.collected()

    const runs: ExportRun[] = []
    for (const format of ['ndjson', 'csv'] as const) {
      const run = await measureExport(url, token, format, memory, Date.now() + TIME_BUDGET_MS / 2)
      console.log(`${format}: ${run.rows.toLocaleString('en')} rows${run.complete ? '' : ' (out of time)'}, ${mb(run.bytes)} MB in ${run.seconds.toFixed(1)} s, peak RSS ${mb(run.peak.rss)} MB, longest stall ${Math.round(run.stallMs)} ms`)
      if (run.complete && run.rows !== MESSAGES) throw new Error(`${format}: expected ${MESSAGES} rows, counted ${run.rows}`)
      runs.push(run)
    }
    child.send('stop')
    await new Promise((resolve) => child!.once('exit', resolve))

    const section = report(runs, baseline, filled, load)
    await writeSection(section)
    console.log(`\n${section}`)
  } finally {
    if (child && child.exitCode === null) child.kill()
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--serve') await serve(process.argv[3]!)
else await main()


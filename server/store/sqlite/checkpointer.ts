/**
 * Checkpoints the write-ahead log from a worker thread. SQLite's own checkpoint runs inside the
 * commit that crosses `wal_autocheckpoint` pages: it copies the log's pages into the database
 * file and fsyncs it, on the event loop, stalling every connection for that long (about 5 % of
 * the server's time at full load, and the longest pauses in its latency). Here a second
 * connection, on its own thread, does a PASSIVE checkpoint shortly after commits; writers
 * go on meanwhile. The main connection keeps a far larger automatic threshold as a backstop,
 * should the worker ever fall behind or stop.
 *
 * The worker's code is a string evaluated by `worker_threads`, not a file of its own: the same
 * code then runs from the build and from the TypeScript sources under test, and it is only a
 * few lines over better-sqlite3.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type Database from 'better-sqlite3'

/** How long commits may gather in the log before the worker copies them over. */
const CHECKPOINT_EVERY_MS = 100
/** The main connection's own threshold, in pages, reached only if the worker does not keep up. */
const BACKSTOP_PAGES = 20_000

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.betterSqlite3)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 5000')
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close()
    parentPort.close()
    return
  }
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch {}
  parentPort.postMessage('done')
})
`

export interface Checkpointer {
  /** Tells the checkpointer that a transaction committed. */
  committed(): void
  close(): Promise<void>
}

export function startCheckpointer(db: Database.Database, path: string): Checkpointer {
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`)
  const worker = new Worker(WORKER_CODE, {
    eval: true,
    workerData: { path, betterSqlite3: createRequire(import.meta.url).resolve('better-sqlite3') },
  })
  // A checkpoint that fails (a reader holding the log, a full disk) is tried again after the
  // next commit; the backstop covers a worker that cannot checkpoint at all.
  worker.on('error', () => {})
  worker.unref()
  const exited = new Promise((resolve) => worker.once('exit', resolve))
  let timer: NodeJS.Timeout | undefined
  let running = false
  let dirty = false
  let closed = false

  function checkpoint() {
    timer = undefined
    if (closed) return
    dirty = false
    running = true
    worker.postMessage('checkpoint')
  }

  function schedule() {
    if (timer || running || closed) return
    timer = setTimeout(checkpoint, CHECKPOINT_EVERY_MS)
    timer.unref()
  }

  worker.on('message', () => {
    running = false
    if (dirty) schedule()
  })

  return {
    committed() {
      dirty = true
      schedule()
    },
    async close() {
      if (closed) return
      closed = true
      clearTimeout(timer)
      worker.ref() // the process waits for it now
      worker.postMessage('close') // after a checkpoint under way, if any
      await exited
    },
  }
}

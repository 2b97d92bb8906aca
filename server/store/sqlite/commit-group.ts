/**
 * Group commit for SQLite: the writes asked for during one turn of the event loop run in one
 * transaction, each in a savepoint of its own, and every caller is answered once that one
 * transaction has committed. A commit with `synchronous = FULL` waits for the disk, so one commit
 * per message caps a busy server near the disk's flush rate; one per turn shares that wait among
 * everyone who wrote meanwhile, and nobody is answered (nor acknowledged to a client) before their
 * write is durable.
 *
 * Written here because it is a few lines over better-sqlite3's own transactions: a transaction
 * function called inside another runs in a savepoint, and a write that throws is rolled back to
 * it alone, leaving the others of its group to commit.
 */
import { open, type FileHandle } from 'node:fs/promises'
import type Database from 'better-sqlite3'

interface Job {
  work: () => unknown
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  /** Set once `work` has run inside the group's transaction. */
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown }
}

export interface CommitGroupOptions {
  /**
   * The write-ahead log to flush to disk off the event loop. Given (with `synchronous = FULL`),
   * a group commits without waiting for the disk (`synchronous = NORMAL` for that one commit)
   * and its callers are answered once an fsync of the log, run by libuv's thread pool, has
   * returned: as durable as a FULL commit, without holding every connection up for the disk.
   * Writes outside the group keep their FULL commit.
   */
  walPath?: string
  /** Called after each group's commit. */
  onCommit?: () => void
}

export function createCommitGroup(db: Database.Database, { walPath, onCommit }: CommitGroupOptions = {}) {
  let queued: Job[] = []
  const wal = walPath === undefined ? undefined : createLogSync(walPath)

  const commitAll = db.transaction(function commitAll(jobs: Job[]) {
    for (const job of jobs) {
      try {
        job.outcome = { ok: true, value: job.work() }
      } catch (error) {
        job.outcome = { ok: false, error }
      }
    }
  })

  function flush() {
    const jobs = queued
    queued = []
    if (jobs.length === 0) return // flushed already, before a close
    try {
      if (wal) db.pragma('synchronous = NORMAL')
      // IMMEDIATE: the write lock is taken before the first read, as for a single write.
      commitAll.immediate(jobs)
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the group is stored.
      for (const job of jobs) job.reject(error)
      return
    } finally {
      if (wal) db.pragma('synchronous = FULL')
    }
    onCommit?.()
    const answer = () => {
      for (const job of jobs) {
        if (job.outcome!.ok) job.resolve(job.outcome!.value)
        else job.reject(job.outcome!.error)
      }
    }
    if (!wal) return answer()
    // Committed, not yet known to be on disk: nobody hears of it before it is.
    wal.durable().then(answer, (error: unknown) => {
      for (const job of jobs) job.reject(error)
    })
  }

  return {
    /** Commits what is queued now rather than at the end of the turn (before closing the database). */
    flushNow() {
      if (queued.length > 0) flush()
    },
    /** Waits for the last flush to disk, and lets go of the log. */
    async close() {
      await wal?.close()
    },
    /**
     * Runs `work` (a better-sqlite3 transaction function, so that it gets a savepoint) with the
     * other writes of this turn; resolves with its result once they have all committed.
     */
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        // After the I/O of this turn: writes that arrived together leave together.
        if (queued.length === 0) setImmediate(flush)
        queued.push({ work, resolve: resolve as (value: unknown) => void, reject })
      })
    },
  }
}

export type CommitGroup = ReturnType<typeof createCommitGroup>

/**
 * fsync of the write-ahead log, run off the event loop. Commits that land while one runs are
 * covered by the next, which starts as soon as it returns: however many groups commit, at most
 * one flush runs and one waits.
 */
function createLogSync(walPath: string) {
  let file: Promise<FileHandle> | undefined
  let running: Promise<void> | undefined
  let next: Promise<void> | undefined

  async function sync() {
    // Opened on first use: the log exists once the first commit has written it.
    file ??= open(walPath, 'r').catch((error: unknown) => {
      file = undefined // the next flush tries again
      throw error
    })
    await (await file).sync()
  }

  function durable(): Promise<void> {
    if (!running) {
      running = sync().finally(() => {
        running = undefined
      })
      return running
    }
    // The running flush may have begun before this commit: the one after it covers it.
    next ??= running.catch(() => {}).then(() => {
      next = undefined
      return durable()
    })
    return next
  }

  return {
    durable,
    async close() {
      await Promise.allSettled([running, next])
      const handle = await file?.catch(() => undefined)
      await handle?.close()
    },
  }
}

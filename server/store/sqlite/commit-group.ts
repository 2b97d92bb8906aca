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
import type Database from 'better-sqlite3'

interface Job {
  work: () => unknown
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  /** Set once `work` has run inside the group's transaction. */
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown }
}

export function createCommitGroup(db: Database.Database) {
  let queued: Job[] = []

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
      // IMMEDIATE: the write lock is taken before the first read, as for a single write.
      commitAll.immediate(jobs)
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the group is stored.
      for (const job of jobs) job.reject(error)
      return
    }
    for (const job of jobs) {
      if (job.outcome!.ok) job.resolve(job.outcome!.value)
      else job.reject(job.outcome!.error)
    }
  }

  return {
    /** Commits what is queued now rather than at the end of the turn (before closing the database). */
    flushNow() {
      if (queued.length > 0) flush()
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

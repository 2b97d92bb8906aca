/**
 * Keeps the full-text index (messages_fts) up with the messages, in batches. A message's insert
 * only notes its id in messages_fts_pending (migration 7); the words go into the index here,
 * a batch at a time, rather than in the message's own commit. FTS5 writes a new index segment
 * for every transaction that touches it, and merges segments as they pile up: indexing each
 * turn's few messages as they are stored cost about a quarter of the store's time per message
 * on the chat's hot path, and one segment per batch costs a fraction of that.
 *
 * Search never sees a stale index: whoever reads the index calls `catchUp()` first, which
 * indexes whatever is still waiting. Deleting or editing a message that is still waiting
 * leaves the index alone (the triggers of migration 7), so the index never holds words of a
 * message that is gone.
 */
import type Database from 'better-sqlite3'
import type { CommitGroup } from './commit-group.js'

/** How often waiting messages are indexed while nobody searches, by default. */
export const INDEX_EVERY_MS = 200
/**
 * Messages indexed per transaction: about 2–3 ms of the event loop here. A busier server
 * indexes batch after batch, one per turn, until nothing waits.
 */
const BATCH_SIZE = 500

export interface SearchIndex {
  /** Indexes everything still waiting, now. Call before reading messages_fts. */
  catchUp(): void
  /** Stops the background batches (what still waits stays in messages_fts_pending for the next start). */
  stop(): void
}

export function startSearchIndex(db: Database.Database, group: CommitGroup, everyMs = INDEX_EVERY_MS): SearchIndex {
  // Prepared on first use: the tables exist only once the store has migrated.
  let statements: ReturnType<typeof prepare> | undefined
  const prepare = () => ({
    // The oldest waiting messages, up to a batch of them, as a range of ids.
    nextBatch: db.prepare<[], { first: number | null; last: number | null }>(`
      SELECT min(message_id) AS first, max(message_id) AS last FROM (
        SELECT message_id FROM messages_fts_pending ORDER BY message_id LIMIT ${BATCH_SIZE})`),
    index: db.prepare<[number, number]>(`
      INSERT INTO messages_fts (rowid, text)
      SELECT messages.id, messages.text FROM messages_fts_pending
      JOIN messages ON messages.id = messages_fts_pending.message_id
      WHERE messages_fts_pending.message_id >= ? AND messages_fts_pending.message_id <= ?`),
    forget: db.prepare<[number, number]>('DELETE FROM messages_fts_pending WHERE message_id >= ? AND message_id <= ?'),
  })

  /** Indexes one batch; how many messages it took. */
  const indexBatch = db.transaction(function indexBatch(): number {
    statements ??= prepare()
    const { first, last } = statements.nextBatch.get()!
    if (first === null || last === null) return 0
    statements.index.run(first, last)
    return statements.forget.run(first, last).changes
  })

  let stopped = false
  let timer: NodeJS.Timeout | undefined

  function later() {
    if (stopped) return
    timer = setTimeout(tick, everyMs)
    timer.unref()
  }

  function tick() {
    // With the turn's other writes, in the commit group: no commit of its own on the event loop.
    group.run(indexBatch).then(
      (indexed) => (indexed === BATCH_SIZE && !stopped ? setImmediate(tick) : later()),
      later, // left waiting; the next tick or the next search tries again
    )
  }
  later()

  return {
    catchUp() {
      // IMMEDIATE, as every write here: the write lock before the first read.
      while (indexBatch.immediate() > 0) { /* until nothing waits */ }
    },
    stop() {
      stopped = true
      clearTimeout(timer)
    },
  }
}

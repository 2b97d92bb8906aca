/**
 * The SQLite commit group (server/store/sqlite/commit-group.ts) on a real file: writes of one
 * turn share one commit, each caller hears only after that commit, and one failing write spoils
 * nothing of the others.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCommitGroup } from '../../server/store/sqlite/commit-group.js'

let dir: string
let db: Database.Database
let file: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-group-'))
  file = path.join(dir, 'group.db')
  db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  // No checkpoint during a test: the write-ahead log keeps every commit's pages, to be counted.
  db.pragma('wal_autocheckpoint = 0')
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)')
})

afterEach(async () => {
  db.close()
  await rm(dir, { recursive: true, force: true })
})

/** Pages written to the log: every commit writes the pages it changed again. */
async function logFrames(): Promise<number> {
  const pageSize = db.pragma('page_size', { simple: true }) as number
  const { size } = await stat(`${file}-wal`)
  return size <= 32 ? 0 : (size - 32) / (pageSize + 24)
}

describe('the commit group', () => {
  it('commits the writes of one turn together, and separately awaited writes one by one', async () => {
    const group = createCommitGroup(db)
    const insert = db.transaction((text: string) => db.prepare('INSERT INTO notes (text) VALUES (?)').run(text).lastInsertRowid)
    const before = await logFrames()

    const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => group.run(() => insert(`together ${i}`))))
    expect(new Set(ids).size).toBe(100)
    const together = (await logFrames()) - before
    // One commit: the one page of the table, whatever the number of writes.
    expect(together).toBeLessThanOrEqual(2)

    for (let i = 0; i < 20; i++) await group.run(() => insert(`apart ${i}`))
    const apart = (await logFrames()) - before - together
    expect(apart).toBeGreaterThanOrEqual(20)
  })

  it('answers a caller only once its write is committed and visible to another connection', async () => {
    const group = createCommitGroup(db)
    const reader = new Database(file, { readonly: true })
    try {
      const insert = db.transaction((text: string) => db.prepare('INSERT INTO notes (text) VALUES (?)').run(text))
      const seenByReader: number[] = []
      await Promise.all(['a', 'b', 'c'].map((text) => group.run(() => insert(text)).then(() => {
        seenByReader.push((reader.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n)
      })))
      expect(seenByReader).toEqual([3, 3, 3])
    } finally {
      reader.close()
    }
  })

  it('rolls back only the write that fails, and commits the rest of its group', async () => {
    const group = createCommitGroup(db)
    const insert = db.transaction((text: string) => {
      db.prepare('INSERT INTO notes (text) VALUES (?)').run(text)
      // A write of two rows of which the second breaks a constraint: neither row may stay.
      if (text === 'first half') db.prepare('INSERT INTO notes (text) VALUES (?)').run('kept')
    })
    const results = await Promise.allSettled([
      group.run(() => insert('kept')),
      group.run(() => insert('first half')),
      group.run(() => insert('also kept')),
    ])
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' })
    const texts = (db.prepare('SELECT text FROM notes ORDER BY id').all() as { text: string }[]).map((row) => row.text)
    expect(texts).toEqual(['kept', 'also kept'])
  })

  it('commits what is queued when asked to before the database closes', async () => {
    const group = createCommitGroup(db)
    const insert = db.transaction((text: string) => db.prepare('INSERT INTO notes (text) VALUES (?)').run(text))
    const pending = group.run(() => insert('last words'))
    group.flushNow()
    db.close()
    await pending
    const again = new Database(file, { readonly: true })
    expect(again.prepare('SELECT text FROM notes').all()).toEqual([{ text: 'last words' }])
    again.close()
    db = new Database(file) // for afterEach
  })
})

describe('the commit group flushing the log off the event loop', () => {
  it('answers after the flush, with the writes committed, durable and grouped as before', async () => {
    const group = createCommitGroup(db, { walPath: `${file}-wal` })
    const insert = db.transaction((text: string) => db.prepare('INSERT INTO notes (text) VALUES (?)').run(text).lastInsertRowid)
    const before = await logFrames()
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => group.run(() => insert(`flushed ${i}`))))
    expect(new Set(ids).size).toBe(50)
    expect((await logFrames()) - before).toBeLessThanOrEqual(2)
    // The commit ran with synchronous = NORMAL; the connection is back to FULL for everything else.
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    const reader = new Database(file, { readonly: true })
    expect((reader.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n).toBe(50)
    reader.close()
    await group.close()
  })

  it('tells nobody their write is stored when the log cannot be flushed', async () => {
    const group = createCommitGroup(db, { walPath: path.join(dir, 'missing', 'group.db-wal') })
    const insert = db.transaction((text: string) => db.prepare('INSERT INTO notes (text) VALUES (?)').run(text))
    const results = await Promise.allSettled([group.run(() => insert('a')), group.run(() => insert('b'))])
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected'])
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOENT' })
    await group.close()
  })
})

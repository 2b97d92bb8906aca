/**
 * Named locks shared by every node on one PostgreSQL database: session-level advisory locks,
 * each held on a connection of its own while the work runs. A node that dies closes its
 * connections, and the database frees their locks with them.
 *
 * If the holding connection itself is lost mid-work (the database restarts), the lock is gone
 * while the work goes on: the lock keeps nodes from racing each other, it does not replace the
 * guarded writes that keep data consistent.
 */
import pg from 'pg'
import { createLocalLocks, type Exclusively } from '../local-locks.js'

/**
 * Connections that may hold or wait for a lock at once, per node. They come from a pool of
 * their own: a holder's work runs on the store's pool, and if waiting holders could take every
 * connection of that pool, the one holding the lock would have none left to finish with.
 */
const LOCK_CONNECTIONS = 4

export interface AdvisoryLocks {
  exclusively: Exclusively
  close(): Promise<void>
}

/**
 * @param schema keys every lock along with its name, so that Parley installations (and test
 *   runs) sharing one database in different schemas never wait for each other.
 */
export function createAdvisoryLocks(connectionString: string, schema: string): AdvisoryLocks {
  const pool = new pg.Pool({ connectionString, max: LOCK_CONNECTIONS })
  // An idle connection the server drops must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  // Callers on this node queue here first, so one name never ties up more than one connection per node.
  const inProcess = createLocalLocks()

  async function holdingAdvisoryLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    const client = await pool.connect()
    let unlocked = false
    // A connection lost while checked out emits 'error', which would crash the process unheard;
    // the lock went with it, and the unlock below fails, which closes the connection.
    const lost = () => {}
    client.on('error', lost)
    try {
      // The two-key form: its keys never meet the one-key lock migrate() takes.
      await client.query('SELECT pg_advisory_lock(hashtext($1), hashtext($2))', [schema, name])
      try {
        return await work()
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [schema, name])
          .then(() => (unlocked = true), () => {})
      }
    } finally {
      client.off('error', lost)
      // A connection that may still hold the lock is closed rather than pooled: closing frees it.
      client.release(!unlocked)
    }
  }

  return {
    exclusively: (name, work) => inProcess(name, () => holdingAdvisoryLock(name, work)),
    close: () => pool.end(),
  }
}

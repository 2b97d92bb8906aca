import type { Redis } from 'ioredis'

/** Ends a Redis connection: waits for replies to what was sent when it is up. */
export async function closeRedis(connection: Redis): Promise<void> {
  if (connection.status !== 'ready') return connection.disconnect()
  try {
    await connection.quit()
  } catch {
    connection.disconnect()
  }
}

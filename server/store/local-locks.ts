/**
 * Named locks inside one process: calls with the same name run one after another, in the order
 * they came; calls with different names do not wait for each other.
 */
export type Exclusively = <T>(name: string, work: () => Promise<T>) => Promise<T>

/**
 * @example const exclusively = createLocalLocks(); await exclusively('routing site 1', route)
 */
export function createLocalLocks(): Exclusively {
  /** The last call queued under each name; dropped when it ends with nobody behind it, so names do not pile up. */
  const tails = new Map<string, Promise<void>>()

  return async function exclusivelyInProcess<T>(name: string, work: () => Promise<T>): Promise<T> {
    const before = tails.get(name)
    let finished!: () => void
    const mine = new Promise<void>((resolve) => (finished = resolve))
    tails.set(name, mine)
    try {
      // `before` always resolves, whatever its work did: a failure does not pass down the queue.
      await before
      return await work()
    } finally {
      finished()
      if (tails.get(name) === mine) tails.delete(name)
    }
  }
}

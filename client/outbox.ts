/**
 * Messages sent but not yet acknowledged, in the order they were written. Each keeps its
 * client id, so resending after a reconnect can never store it twice.
 */
export interface OutboxItem {
  cid: string
  text: string
  conv?: number
  /** An agent's internal note. */
  note?: boolean
}

export function createOutbox(initial: OutboxItem[] = [], persist?: (items: OutboxItem[]) => void) {
  let items = [...initial]
  const save = () => persist?.(items)
  return {
    add(item: OutboxItem) {
      items.push(item)
      save()
    },
    /** Removes and returns the item with this client id, if still waiting. */
    take(cid: string): OutboxItem | undefined {
      const item = items.find((entry) => entry.cid === cid)
      if (item) {
        items = items.filter((entry) => entry !== item)
        save()
      }
      return item
    },
    has: (cid: string) => items.some((entry) => entry.cid === cid),
    items: (): readonly OutboxItem[] => items,
  }
}

export type Outbox = ReturnType<typeof createOutbox>

/** A client message id: random, unique enough to never collide within one author. */
export function newClientId(): string {
  const crypto = globalThis.crypto
  if (crypto?.randomUUID) return crypto.randomUUID()
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`
}

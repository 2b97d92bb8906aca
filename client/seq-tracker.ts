/**
 * The highest sequence number seen per conversation: what a reconnecting client tells the
 * server in `hello.last`, and how it drops an event that a replay and a live delivery (or two
 * transports during an upgrade) both brought.
 */
export function createSeqTracker(initial: Record<string, number> = {}) {
  const last: Record<string, number> = { ...initial }
  return {
    /** True the first time an event is seen; false for a repeat. */
    accept(conv: number, seq: number): boolean {
      if (seq <= (last[conv] ?? 0)) return false
      last[conv] = seq
      return true
    },
    /** Start tracking a conversation (its earlier events are fetched as history). */
    track(conv: number, seq: number) {
      if (seq > (last[conv] ?? 0)) last[conv] = seq
    },
    snapshot: (): Record<string, number> => ({ ...last }),
  }
}

export type SeqTracker = ReturnType<typeof createSeqTracker>

/**
 * Which agents hold a connection to this process. An agent whose last connection drops is
 * given a grace period before being reported gone, so that a reload or a short network
 * drop does not bounce their chats back to the queue.
 */
export interface PresenceOptions {
  graceMs: number
  /** Called once the grace period of an agent with no connection has passed. */
  onGone: (agentId: number) => void
}

export function createPresence({ graceMs, onGone }: PresenceOptions) {
  const connections = new Map<number, number>()
  const leaving = new Map<number, NodeJS.Timeout>()
  let closed = false

  function startGrace(agentId: number) {
    if (closed) return // shutting down: the next process will give the agent their grace
    clearTimeout(leaving.get(agentId))
    const timer = setTimeout(function agentGraceExpired() {
      leaving.delete(agentId)
      if (!connections.has(agentId)) onGone(agentId)
    }, graceMs)
    timer.unref()
    leaving.set(agentId, timer)
  }

  return {
    /** Returns true when this is the agent's first connection (and no grace period was running). */
    connected(agentId: number): boolean {
      const count = connections.get(agentId) ?? 0
      connections.set(agentId, count + 1)
      const returning = leaving.has(agentId)
      clearTimeout(leaving.get(agentId))
      leaving.delete(agentId)
      return count === 0 && !returning
    },
    disconnected(agentId: number) {
      const count = (connections.get(agentId) ?? 1) - 1
      if (count > 0) return void connections.set(agentId, count)
      connections.delete(agentId)
      startGrace(agentId)
    },
    isConnected: (agentId: number) => connections.has(agentId) || leaving.has(agentId),
    /** For an agent recorded online with no connection (after a restart): wait for them to come back. */
    expectReturn(agentId: number) {
      if (!connections.has(agentId)) startGrace(agentId)
    },
    close() {
      closed = true
      for (const timer of leaving.values()) clearTimeout(timer)
      leaving.clear()
    },
  }
}

export type Presence = ReturnType<typeof createPresence>

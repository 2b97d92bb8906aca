import type { AgentPresence, AgentPresenceOptions } from './agent-presence.js'

/** Agents present in this process's memory: right for a single Parley process. */
export function createLocalAgentPresence({ graceMs, onGone }: AgentPresenceOptions): AgentPresence {
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

  const isHere = (agentId: number) => connections.has(agentId) || leaving.has(agentId)

  return {
    async connected(agentId) {
      const count = connections.get(agentId) ?? 0
      connections.set(agentId, count + 1)
      const returning = leaving.has(agentId)
      clearTimeout(leaving.get(agentId))
      leaving.delete(agentId)
      return count === 0 && !returning
    },

    async disconnected(agentId) {
      const count = (connections.get(agentId) ?? 1) - 1
      if (count > 0) return void connections.set(agentId, count)
      connections.delete(agentId)
      startGrace(agentId)
    },

    async isConnected(agentId) {
      return isHere(agentId)
    },

    async connectedAmong(agentIds) {
      return new Set(agentIds.filter(isHere))
    },

    async expectReturn(agentId) {
      if (!connections.has(agentId)) startGrace(agentId)
    },

    async close() {
      closed = true
      for (const timer of leaving.values()) clearTimeout(timer)
      leaving.clear()
    },
  }
}

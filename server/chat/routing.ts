/**
 * Who gets a waiting conversation. Pure: it sees plain data and decides, so every rule here is
 * tested without a server.
 */
import type { AgentStatus } from '../../protocol/index.js'

export interface AgentLoad {
  id: number
  status: AgentStatus
  capacity: number
  /** Open conversations assigned to the agent now. */
  assigned: number
}

export const canTakeChat = (agent: AgentLoad) => agent.status === 'online' && agent.assigned < agent.capacity

/**
 * The online agent with the fewest open chats under their capacity; ties go to the agent
 * with more free room, then to the lowest id so the choice is stable.
 *
 * @example assignToLeastBusyAgent([{ id: 1, status: 'online', capacity: 3, assigned: 2 },
 *   { id: 2, status: 'online', capacity: 3, assigned: 0 }]) // 2
 */
export function assignToLeastBusyAgent(agents: AgentLoad[]): number | undefined {
  const free = agents.filter(canTakeChat)
  free.sort(
    (a, b) => a.assigned - b.assigned || b.capacity - b.assigned - (a.capacity - a.assigned) || a.id - b.id,
  )
  return free[0]?.id
}

import type { Redis } from 'ioredis'
import type { Logger } from '../ops/logger.js'
import type { AgentPresence, AgentPresenceOptions } from './agent-presence.js'
import { createRedisPresenceNode } from './redis-presence-node.js'

export interface RedisAgentPresenceOptions extends AgentPresenceOptions {
  redis: Redis
  prefix: string
  logger: Logger
  /** How long a node that stopped (killed, cut off) still holds its agents' connections (default 15 s). */
  nodeTtlMs?: number
}

/** Agents present on any node of a deployment sharing one Redis: every node sees the same agents. */
export function createRedisAgentPresence({ graceMs, onGone, redis, prefix, logger, nodeTtlMs = 15_000 }: RedisAgentPresenceOptions): AgentPresence {
  const node = createRedisPresenceNode({
    redis, prefix, kind: 'agents', graceMs, nodeTtlMs, logger,
    onGone: (agentId) => onGone(agentId),
  })
  return {
    async connected(agentId) {
      return (await node.connected(agentId)).arrived
    },
    disconnected: (agentId) => node.disconnected(agentId),
    async isConnected(agentId) {
      return (await node.here([agentId])).has(agentId)
    },
    connectedAmong: (agentIds) => node.here(agentIds),
    expectReturn: (agentId) => node.expectReturn(agentId),
    close: () => node.close(),
  }
}

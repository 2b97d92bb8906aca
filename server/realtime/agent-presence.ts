/**
 * Which agents are here: connected somewhere, or gone for less than the grace. Chat logic tells
 * presence when an agent's connections open and close; presence says when an agent has left,
 * so that their chats go back to the queue. A reload or a short network drop is not a departure.
 * The in-process implementation is local-agent-presence.ts; the one shared by several processes
 * is redis-agent-presence.ts, which is why every call returns a promise.
 */
export interface AgentPresence {
  /** A connection of the agent opened. Resolves true when the agent arrives: nobody held them here, not even a grace. */
  connected(agentId: number): Promise<boolean>
  /** A connection closed. Once the agent's last one has been closed for the grace, they are gone. */
  disconnected(agentId: number): Promise<void>
  /** Whether the agent is here (connected, or within the grace). */
  isConnected(agentId: number): Promise<boolean>
  /** Which of these agents are here, asked at once (routing asks about every agent of a site). */
  connectedAmong(agentIds: number[]): Promise<Set<number>>
  /** For an agent recorded online with no connection (after a restart): the grace to come back, unless connected. */
  expectReturn(agentId: number): Promise<void>
  /** Stops the timers; reports nobody gone (another process may carry them on). */
  close(): Promise<void>
}

export interface AgentPresenceOptions {
  /** How long an agent with no connection still counts as here. */
  graceMs: number
  /** Called once per departure, when the grace of an agent with no connection has passed. */
  onGone(agentId: number): void
}

export type AgentPresenceFactory = (options: AgentPresenceOptions) => AgentPresence

/**
 * How events reach connections. Chat logic publishes an encoded frame to a topic; every
 * connection subscribed to it, on this process or (with a networked bus) on any other,
 * receives it. The frame is encoded once, however many connections get it.
 */
export interface BusMessage {
  frame: string
  /** For conversation events: lets a connection drop what its replay already sent. */
  conv?: number
  seq?: number
}

export type BusListener = (message: BusMessage) => void

export interface Subscription {
  /**
   * Settles once delivery to the listener has begun: a store read made after it cannot miss an
   * event published later. Rejects when the bus could not subscribe.
   */
  ready: Promise<void>
  unsubscribe(): void
}

export interface Bus {
  publish(topic: string, message: BusMessage): void
  subscribe(topic: string, listener: BusListener): Subscription
  /**
   * `listener` is called when messages may have been lost (the link to the other nodes broke
   * and is back): whoever relies on the bus must catch up from the store.
   */
  onGap(listener: () => void): void
  close(): Promise<void>
}

/** Topic names, in one place. */
export const topics = {
  /** Everything agents of a site see: queue, conversation changes, messages, presence. */
  site: (siteId: number) => `site:${siteId}`,
  /** Everything one visitor sees, in all of their tabs. */
  visitor: (visitorId: number) => `visitor:${visitorId}`,
  /** One agent's own connections: told to reconnect when the agent's record changes. */
  agent: (agentId: number) => `agent:${agentId}`,
  /** One visitor's connections, to end them (their data was erased). */
  visitorEnd: (visitorId: number) => `visitor-end:${visitorId}`,
  /** One node: long-polling requests handed to it by other nodes, and their answers. */
  node: (nodeId: string) => `node:${nodeId}`,
}

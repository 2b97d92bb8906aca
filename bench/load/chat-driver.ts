/**
 * What a scenario needs from a chat server, whatever its protocol: visitors who write and
 * hear replies, agents who hear visitors and answer. One driver per protocol (Parley's,
 * socket.io's) translates; the scenarios, and so every figure, are shared.
 */
export interface VisitorEvents {
  /** An agent's message reached this visitor. */
  reply(text: string): void
  /** The server refused a frame, or the connection ended while it should not have. */
  error(reason: string): void
}

export interface AgentEvents {
  /** A visitor's message reached this agent. */
  visitorMessage(conversation: number, text: string): void
  error(reason: string): void
}

export interface VisitorLink {
  send(text: string): void
  close(): void
}

export interface AgentLink {
  reply(conversation: number, text: string): void
  close(): void
}

export type VisitorTransport = 'websocket' | 'polling'

export interface ChatDriver {
  /** As printed in the results: `Parley`, `socket.io`. */
  readonly name: string
  /** Resolves once the server has welcomed the agent (signed in, ready for chats). */
  connectAgent(index: number, events: AgentEvents): Promise<AgentLink>
  /** Resolves once the server has welcomed the visitor; they may write at once. */
  connectVisitor(index: number, transport: VisitorTransport, events: VisitorEvents): Promise<VisitorLink>
}

/** Rejects after `ms`, closing whatever arrives late, so that no scenario waits forever on a connection. */
export function withTimeout<T extends { close(): void }>(connecting: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false
    const timer = setTimeout(() => {
      late = true
      reject(new Error(`${what}: no welcome within ${ms} ms`))
    }, ms)
    connecting.then(
      (link) => {
        clearTimeout(timer)
        if (late) link.close()
        else resolve(link)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

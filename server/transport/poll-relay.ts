/**
 * Long-polling requests of one session may land on any node behind a load balancer, but the
 * session (its chat state and undelivered frames) lives on the node that opened it. A node
 * that receives a request for another node's session hands it over the bus to its owner and
 * answers with what the owner answered, so no sticky sessions are needed.
 *
 * Every node listens on a topic of its own, carrying requests to it and answers for it.
 */
import { randomUUID } from 'node:crypto'
import { topics, type Bus, type BusMessage } from '../realtime/bus.js'

/** A request of an open poll session, as plain data that can travel between nodes. */
export interface PollRequest {
  method: 'POST' | 'GET' | 'DELETE'
  sid: string
  site?: string
  /** POST: its running number. */
  n?: string
  /** GET: the last batch received. */
  ack?: string
  /** POST: the frames. */
  body?: string
}

export interface PollAnswer {
  status: number
  /** Errors are JSON; batches are text; a 204 has none. */
  type: 'json' | 'text' | 'none'
  body: string
}

type Envelope =
  | { kind: 'request'; id: string; from: string; request: PollRequest }
  | { kind: 'answer'; id: string; answer: PollAnswer }

export interface PollRelay {
  /** This node's id, which starts the ids of the sessions it opens. */
  readonly nodeId: string
  /**
   * Starts answering requests other nodes hand over; resolves once they can reach this node.
   * `answer` is the local handling of a request.
   */
  serve(answer: (request: PollRequest) => Promise<PollAnswer>): Promise<void>
  /** Hands `request` to the node that owns its session; undefined when no answer came in `timeoutMs`. */
  forward(owner: string, request: PollRequest, timeoutMs: number): Promise<PollAnswer | undefined>
  close(): void
}

/** Reads an envelope; anything else on the topic is ignored. */
function envelopeOf(message: BusMessage): Envelope | undefined {
  try {
    const value = JSON.parse(message.frame) as Envelope
    return value.kind === 'request' || value.kind === 'answer' ? value : undefined
  } catch {
    return undefined
  }
}

export function createPollRelay(bus: Bus): PollRelay {
  // Letters and digits only: the id is the part of a session id before its first dot.
  const nodeId = randomUUID().replaceAll('-', '').slice(0, 16)
  const waiting = new Map<string, (answer: PollAnswer) => void>()
  let unsubscribe: (() => void) | undefined

  const send = (node: string, envelope: Envelope) => bus.publish(topics.node(node), { frame: JSON.stringify(envelope) })

  return {
    nodeId,
    async serve(answer) {
      const subscription = bus.subscribe(topics.node(nodeId), function onEnvelope(message) {
        const envelope = envelopeOf(message)
        if (envelope?.kind === 'answer') waiting.get(envelope.id)?.(envelope.answer)
        if (envelope?.kind === 'request') {
          void answer(envelope.request).then((result) => send(envelope.from, { kind: 'answer', id: envelope.id, answer: result }))
        }
      })
      unsubscribe = subscription.unsubscribe
      await subscription.ready
    },
    forward(owner, request, timeoutMs) {
      const id = randomUUID()
      return new Promise((resolve) => {
        const timer = setTimeout(() => finish(undefined), timeoutMs)
        function finish(answer: PollAnswer | undefined) {
          clearTimeout(timer)
          waiting.delete(id)
          resolve(answer)
        }
        waiting.set(id, finish)
        send(owner, { kind: 'request', id, from: nodeId, request })
      })
    },
    close() {
      unsubscribe?.()
      for (const finish of waiting.values()) finish({ status: 503, type: 'json', body: JSON.stringify({ error: { code: 'shutting_down', message: 'the server is restarting: try again shortly' } }) })
    },
  }
}

/**
 * The socket.io baseline's events: the relay Parley's protocol performs (a visitor writes,
 * the message is stored, the assigned agent hears it and answers), in socket.io's idiom of
 * named events and acknowledgement callbacks. Shared by the baseline server and its driver.
 */
export type RelayAuth = { role: 'visitor'; site: number } | { role: 'agent'; agent: number; site: number }

export interface RelayMessage {
  conv: number
  seq: number
  id: number
  author: { role: 'visitor' | 'agent' | 'system'; id?: number }
  text: string
  at: number
  cid?: string
}

export interface SendPayload {
  /** The client's id for the message, the idempotency key, as in Parley. */
  cid: string
  text: string
  /** Required for agents. */
  conv?: number
}

export type SendAnswer = { ok: true; conv: number; seq: number; id: number; at: number } | { ok: false; error: string }

export interface ServerToClientEvents {
  welcome(me: { id: number }): void
  msg(message: RelayMessage): void
  conv(conversation: { id: number; visitor: number; agent: number | null }): void
}

export interface ClientToServerEvents {
  send(payload: SendPayload, answer: (result: SendAnswer) => void): void
}

// The baseline accepts what Parley accepts.
export { MAX_CLIENT_ID_LENGTH, MAX_TEXT_LENGTH } from '../../protocol/limits.js'

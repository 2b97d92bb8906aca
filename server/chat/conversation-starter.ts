/**
 * Opening a conversation on an agent's first message (the visitor has not written). One
 * transaction: the visitor's open conversation, if any, wins; else a conversation opens
 * assigned to the agent, with a `joined` event and the message. Idempotent on the client id.
 *
 * The Store interface has no such write yet (it opens conversations only on a visitor's
 * message), so the SQLite store is given one from sqlite-conversation-starter.ts. Once the
 * Store has `startConversation`, it is used as it is and the stand-in goes.
 */
import type { Store } from '../store/store.js'
import type { Conversation, Message } from '../store/types.js'
import { sqliteConversationStarter } from './sqlite-conversation-starter.js'

export interface StartConversationInput {
  siteId: number
  visitorId: number
  agentId: number
  agentName: string
  clientId: string
  text: string
  /** The text of the `joined` event that opens the conversation. */
  joinedText: string
  now: number
}

export type StartConversationResult =
  /** `events`: the `joined` event, then `message`. */
  | { outcome: 'started'; conversation: Conversation; message: Message; events: Message[] }
  /** The client id was stored before: nothing was written. */
  | { outcome: 'duplicate'; conversation: Conversation; message: Message }
  /** The visitor already has this open conversation: nothing was written. */
  | { outcome: 'open'; conversation: Conversation }

export interface ConversationStarter {
  startConversation(input: StartConversationInput): Promise<StartConversationResult>
  close(): void
}

/** The store's own `startConversation` when it has one; the SQLite stand-in otherwise; none for other stores. */
export function conversationStarterFor(store: Store): ConversationStarter | undefined {
  const own = (store as Partial<Pick<ConversationStarter, 'startConversation'>>).startConversation
  if (typeof own === 'function') return { startConversation: own.bind(store), close() {} }
  const path = (store as { path?: unknown }).path
  if (store.kind === 'sqlite' && typeof path === 'string' && path !== ':memory:') return sqliteConversationStarter(store, path)
  return undefined
}

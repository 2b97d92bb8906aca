/**
 * What happened in conversations, told to whoever integrates with Parley (webhooks today).
 * These are facts after their commit, in the order this process committed them; listeners
 * must not throw, nor slow the chat down: they queue their own work.
 */
import type { Conversation, Message, WebhookEvent } from '../store/types.js'

export interface DomainEvent {
  type: WebhookEvent
  conversation: Conversation
  /** The message, for `message.created`; the system event that recorded it, for the others when there is one. */
  message?: Message
  at: number
}

export type DomainEventListener = (event: DomainEvent) => void

export function createDomainEvents(onListenerError: (error: unknown) => void) {
  const listeners = new Set<DomainEventListener>()
  return {
    /** Returns the function that stops listening. */
    listen(listener: DomainEventListener): () => void {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    emit(event: DomainEvent) {
      for (const listener of listeners) {
        try {
          listener(event)
        } catch (error) {
          onListenerError(error)
        }
      }
    },
    /** The event a stored conversation event amounts to, if any (messages and system events alike). */
    fromMessage(conversation: Conversation, message: Message): DomainEvent | undefined {
      const type: WebhookEvent | undefined = message.kind === 'message'
        ? 'message.created'
        : message.systemEvent === 'joined' || message.systemEvent === 'transferred'
          ? 'conversation.assigned'
          : message.systemEvent === 'closed'
            ? 'conversation.closed'
            : message.systemEvent === 'reopened' ? 'conversation.opened' : undefined
      return type && { type, conversation, message, at: message.createdAt }
    },
  }
}

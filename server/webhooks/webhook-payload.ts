/**
 * The JSON body of a webhook delivery: what happened, to which conversation, and the message
 * for `message.created`. Built once per event and stored as the exact bytes that are signed
 * and sent, so every retry carries the same body.
 */
import { randomUUID } from 'node:crypto'
import type { DomainEvent } from '../chat/domain-events.js'
import type { Conversation, Message, WebhookEvent } from '../store/types.js'
import type { AuthorRole, ConversationStatus } from '../../protocol/index.js'

export interface WebhookPayload {
  /** Unique to the event and repeated on each retry of it: receivers deduplicate on it. */
  id: string
  type: WebhookEvent
  /** When it happened (ISO 8601, UTC), not when it was sent. */
  createdAt: string
  site: { id: number }
  conversation: {
    id: number
    status: ConversationStatus
    visitorId: number
    assigneeId?: number
    createdAt: string
    closedAt?: string
  }
  /** Only for `message.created`. */
  message?: {
    id: number
    seq: number
    author: { role: AuthorRole; id?: number; name?: string }
    text: string
    /**
     * An internal note: written by an agent for colleagues, never shown to the visitor. Notes
     * are the business's own data, so they are delivered, flagged; a receiver that forwards
     * messages to visitors must skip them.
     */
    note?: true
    createdAt: string
  }
}

const iso = (at: number) => new Date(at).toISOString()

/** `evt_` and a random UUID: unguessable, and unique across servers sharing a receiver. */
export const newEventId = () => `evt_${randomUUID().replaceAll('-', '')}`

function conversationOf(conversation: Conversation): WebhookPayload['conversation'] {
  return {
    id: conversation.id,
    status: conversation.status,
    visitorId: conversation.visitorId,
    ...(conversation.assigneeId === undefined ? {} : { assigneeId: conversation.assigneeId }),
    createdAt: iso(conversation.createdAt),
    ...(conversation.closedAt === undefined ? {} : { closedAt: iso(conversation.closedAt) }),
  }
}

function messageOf(message: Message): NonNullable<WebhookPayload['message']> {
  return {
    id: message.id,
    seq: message.seq,
    author: {
      role: message.authorRole,
      ...(message.authorId === undefined ? {} : { id: message.authorId }),
      ...(message.authorName === undefined ? {} : { name: message.authorName }),
    },
    text: message.text,
    ...(message.internal ? { note: true as const } : {}),
    createdAt: iso(message.createdAt),
  }
}

/**
 * The body for an event. The system event behind `conversation.assigned` or `.closed` is left
 * out: its text is for people, and the conversation already says who has it and when it closed.
 *
 * @example webhookPayload({ type: 'message.created', conversation, message, at: Date.now() })
 */
export function webhookPayload(event: DomainEvent, eventId = newEventId()): WebhookPayload {
  return {
    id: eventId,
    type: event.type,
    createdAt: iso(event.at),
    site: { id: event.conversation.siteId },
    conversation: conversationOf(event.conversation),
    ...(event.type === 'message.created' && event.message ? { message: messageOf(event.message) } : {}),
  }
}

/**
 * Conversations and messages as the REST API shows them. The valibot schemas describe the
 * responses in the OpenAPI document; the functions build exactly those shapes from stored
 * records. Times are ISO 8601 in UTC; what is unknown is `null`, so every key is always there.
 */
import * as v from 'valibot'
import type { Agent, Conversation, Message, Visitor } from '../../store/types.js'
import { messageFields } from '../../export/message-fields.js'

const isoTime = (description: string) => v.pipe(v.string(), v.description(`${description}: ISO 8601, UTC, to the millisecond`))

export const conversationSchema = v.object({
  id: v.number(),
  site: v.pipe(v.number(), v.description('The site\'s id')),
  visitor: v.object({
    id: v.number(),
    name: v.nullable(v.string()),
    email: v.nullable(v.string()),
  }),
  status: v.pipe(v.picklist(['queued', 'assigned', 'closed']), v.description('queued: waiting for an agent; assigned: an agent has it; closed')),
  assignee: v.nullable(v.object({ id: v.number(), name: v.string() })),
  createdAt: isoTime('When it opened'),
  updatedAt: isoTime('Its latest event'),
  closedAt: v.nullable(isoTime('When it was closed, while it is closed')),
  lastSeq: v.pipe(v.number(), v.description('Sequence number of its latest event (messages, notes and system events count alike)')),
})

export type ConversationView = v.InferOutput<typeof conversationSchema>

/** The same keys as a bulk export's records, so one reader serves both. */
export const messageSchema = v.object({
  id: v.number(),
  conversationId: v.number(),
  seq: v.pipe(v.number(), v.description('Position of the event in its conversation, from 1')),
  createdAt: isoTime('When it was written'),
  kind: v.pipe(v.picklist(['message', 'note', 'system']), v.description('note: an internal note, seen by agents only')),
  systemEvent: v.nullable(v.pipe(v.string(), v.description('For kind "system": joined, left, transferred, closed, reopened'))),
  authorRole: v.picklist(['visitor', 'agent', 'system']),
  authorId: v.nullable(v.pipe(v.number(), v.description('The visitor\'s or agent\'s id; null for a bot and for system events'))),
  authorName: v.nullable(v.pipe(v.string(), v.description('The name the author wrote under at the time'))),
  text: v.string(),
})

export type MessageView = v.InferOutput<typeof messageSchema>

export function toConversationView(conversation: Conversation, visitor: Visitor | undefined, assignee: Agent | undefined): ConversationView {
  return {
    id: conversation.id,
    site: conversation.siteId,
    visitor: { id: conversation.visitorId, name: visitor?.name ?? null, email: visitor?.email ?? null },
    status: conversation.status,
    assignee: assignee ? { id: assignee.id, name: assignee.name } : null,
    createdAt: new Date(conversation.createdAt).toISOString(),
    updatedAt: new Date(conversation.updatedAt).toISOString(),
    closedAt: conversation.status === 'closed' && conversation.closedAt !== undefined ? new Date(conversation.closedAt).toISOString() : null,
    lastSeq: conversation.lastSeq,
  }
}

export const toMessageView = (message: Message): MessageView => messageFields(message)

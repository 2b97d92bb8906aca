import type { SystemEvent } from '../../protocol/index.js'
import type { Message } from '../store/types.js'

/** A message as the REST API writes it out: absent values are `null`, times ISO 8601 in UTC. */
export interface MessageFields {
  id: number
  conversationId: number
  seq: number
  createdAt: string
  /** `note`: an internal note, which only agents ever saw. */
  kind: 'message' | 'note' | 'system'
  /** What a system event records (`joined`, `closed`…). */
  systemEvent: SystemEvent | null
  authorRole: 'visitor' | 'agent' | 'system'
  authorId: number | null
  /** The name the author wrote under at the time. */
  authorName: string | null
  text: string
}

/** One mapping for the conversation routes' messages and the bulk export's records. */
export function messageFields(message: Message): MessageFields {
  return {
    id: message.id,
    conversationId: message.conversationId,
    seq: message.seq,
    createdAt: new Date(message.createdAt).toISOString(),
    kind: message.kind === 'system' ? 'system' : message.internal ? 'note' : 'message',
    systemEvent: message.systemEvent ?? null,
    authorRole: message.authorRole,
    authorId: message.authorId ?? null,
    authorName: message.authorName ?? null,
    text: message.text,
  }
}

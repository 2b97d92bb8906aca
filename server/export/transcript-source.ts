/** Gathers from the store what a transcript is made from. */
import type { Store } from '../store/store.js'
import type { Agent, Conversation, Message } from '../store/types.js'
import type { TranscriptSource } from './transcript.js'

/** Events read per store call: a long conversation is read in pages, never all at once in one query. */
const PAGE = 500

/** Every event of the conversation, ascending. */
async function allMessagesOf(store: Store, conversationId: number): Promise<Message[]> {
  const messages: Message[] = []
  for (;;) {
    const page = await store.messagesAfter(conversationId, messages[messages.length - 1]?.seq ?? 0, PAGE)
    messages.push(...page)
    if (page.length < PAGE) return messages
  }
}

/**
 * The conversation's events, site, visitor and the agents who wrote in it or hold it. Undefined
 * only when the site is gone, which the store does not allow while it has conversations.
 */
export async function transcriptSourceOf(store: Store, conversation: Conversation): Promise<TranscriptSource | undefined> {
  const [messages, site, visitor] = await Promise.all([
    allMessagesOf(store, conversation.id),
    store.getSite(conversation.siteId),
    store.getVisitor(conversation.visitorId),
  ])
  if (!site) return undefined
  const agentIds = new Set<number>()
  for (const message of messages) if (message.authorRole === 'agent' && message.authorId !== undefined) agentIds.add(message.authorId)
  if (conversation.assigneeId !== undefined) agentIds.add(conversation.assigneeId)
  const agents = (await Promise.all([...agentIds].map((id) => store.getAgent(id)))).filter((agent): agent is Agent => agent !== undefined)
  return { conversation, messages, site, ...(visitor ? { visitor } : {}), agents }
}

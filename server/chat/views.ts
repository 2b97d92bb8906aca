/** Stored records turned into what goes on the wire. */
import type { AgentSummary, ChatEvent, ConversationSummary, LiveVisitor, SiteSettings } from '../../protocol/index.js'
import type { Visit } from '../realtime/visitor-presence.js'
import type { Agent, Conversation, Message, Site, Visitor } from '../store/types.js'

export function toChatEvent(message: Message): ChatEvent {
  const event: ChatEvent = {
    t: 'msg',
    conv: message.conversationId,
    seq: message.seq,
    id: message.id,
    author: { role: message.authorRole },
    text: message.text,
    at: message.createdAt,
  }
  if (message.authorId !== undefined) event.author.id = message.authorId
  if (message.authorName !== undefined) event.author.name = message.authorName
  if (message.clientId !== undefined) event.cid = message.clientId
  if (message.systemEvent !== undefined) event.sys = message.systemEvent
  if (message.internal) event.note = true
  return event
}

export function toConversationSummary(
  conversation: Conversation,
  visitor: Visitor | undefined,
  assignee: Agent | undefined,
): ConversationSummary {
  const summary: ConversationSummary = {
    id: conversation.id,
    site: conversation.siteId,
    visitor: { id: conversation.visitorId },
    status: conversation.status,
    lastSeq: conversation.lastSeq,
    read: { visitor: conversation.visitorReadSeq, agent: conversation.agentReadSeq },
    createdAt: conversation.createdAt,
    updatedAt: conversation.updatedAt,
  }
  if (visitor?.name) summary.visitor.name = visitor.name
  if (visitor?.email) summary.visitor.email = visitor.email
  if (assignee) summary.assignee = { id: assignee.id, name: assignee.name }
  return summary
}

export const toAgentSummary = (agent: Agent): AgentSummary => ({ id: agent.id, name: agent.name, status: agent.status })

/** What a visitor's browser may know of a site: never its identity secret. */
export const toSiteSettings = (site: Site): SiteSettings => ({ key: site.key, name: site.name, ...site.widget })

export function toLiveVisitor(visit: Visit): LiveVisitor {
  const live: LiveVisitor = { id: visit.visitorId, site: visit.siteId, page: {}, since: visit.since, returning: visit.returning }
  if (visit.name) live.name = visit.name
  if (visit.pageUrl) live.page.url = visit.pageUrl
  if (visit.pageTitle) live.page.title = visit.pageTitle
  return live
}

/**
 * The chat rules: who may do what to which conversation, what is stored, who hears of it.
 * It knows nothing of sockets (sessions call it) nor of SQL (the store does that).
 */
import { createHash, randomUUID } from 'node:crypto'
import { encode, type AgentStatus, type ConversationStatus, type ErrorCode, type Role } from '../../protocol/index.js'
import type { Bus } from '../realtime/bus.js'
import { topics } from '../realtime/bus.js'
import type { Logger } from '../ops/logger.js'
import type { Metrics } from '../ops/metrics.js'
import type { AgentPresenceFactory } from '../realtime/agent-presence.js'
import { createLocalAgentPresence } from '../realtime/local-agent-presence.js'
import { createLocalVisitorPresence } from '../realtime/local-visitor-presence.js'
import type { Visit, VisitChange, VisitorPresenceFactory } from '../realtime/visitor-presence.js'
import type { ApiIdempotency, Store } from '../store/store.js'
import type { Agent, Conversation, Message, Site, Visitor } from '../store/types.js'
import { createDomainEvents } from './domain-events.js'
import { assignToLeastBusyAgent, type AgentLoad } from './routing.js'
import { visitBeginningNow } from './visits.js'
import { toAgentSummary, toChatEvent, toConversationSummary, toLiveVisitor } from './views.js'

export interface ChatServiceOptions {
  store: Store
  bus: Bus
  logger: Logger
  metrics: Metrics
  agentGraceMs: number
  reopenWindowMs: number
  /** How long a visitor without a connection still counts as on the site (default: the agents' grace). */
  visitorGraceMs?: number
  /** Where live visitors are kept (default: this process's memory). */
  createVisitorPresence?: VisitorPresenceFactory
  /** Where connected agents are kept (default: this process's memory). */
  createAgentPresence?: AgentPresenceFactory
}

/** A refusal the client is told about in an error frame. */
export class ChatError extends Error {
  override readonly name = 'ChatError'
  /** `conv`: the conversation the refusal points at, told to the client. */
  constructor(readonly code: ErrorCode, message: string, readonly conv?: number) {
    super(message)
  }
}

/** Who writes through the REST API: an agent of the conversation's site, or a bot under a name of its own. */
export type ApiAuthor = { agentId: number } | { bot: string }

/** Why a REST API write was not made; the HTTP layer turns each into its status. */
export type ApiWriteRefusal =
  /** The agent named is unknown, deactivated or does not serve the site. */
  | { outcome: 'author_refused'; reason: string }
  /** The Idempotency-Key was used before for a different write. */
  | { outcome: 'key_reused' }

export type ApiSendResult =
  | { outcome: 'sent' | 'duplicate'; message: Message; conversation: Conversation }
  | { outcome: 'closed' }
  | ApiWriteRefusal

export type ApiStartResult =
  | { outcome: 'started' | 'duplicate'; message: Message; conversation: Conversation }
  /** The visitor already has this open conversation: nothing was written. */
  | { outcome: 'open'; conversation: Conversation }
  | ApiWriteRefusal

/**
 * The client id of a REST API write: derived from the Idempotency-Key when there is one (hashed,
 * because client ids travel to visitors and the key is the integration's own).
 */
function apiClientId(apiKey: ApiIdempotency | undefined): string {
  if (!apiKey) return `api-${randomUUID()}`
  return `api-${createHash('sha256').update(`${apiKey.tokenId}\n${apiKey.key}`).digest('base64url').slice(0, 32)}`
}

/** Whether a stored message is what this write would have stored: a retry, not a reuse of its key. */
function isSameWrite(message: Message, author: ApiAuthor, text: string, note: boolean): boolean {
  const byAuthor = 'agentId' in author ? message.authorId === author.agentId : message.authorId === undefined && message.authorName === author.bot
  return message.authorRole === 'agent' && byAuthor && message.text === text && (message.internal === true) === note
}

const OPEN: ConversationStatus[] = ['queued', 'assigned']
const HISTORY_PAGE = 50

export function createChatService(options: ChatServiceOptions) {
  const { store, bus, logger, metrics, agentGraceMs, reopenWindowMs } = options
  const presence = (options.createAgentPresence ?? createLocalAgentPresence)({
    graceMs: agentGraceMs,
    onGone: (agentId) => void agentWentOffline(agentId).catch((error) => logger.error({ err: error, agentId }, 'failed to release chats of an agent who left')),
  })
  const visitors = (options.createVisitorPresence ?? createLocalVisitorPresence)({
    graceMs: options.visitorGraceMs ?? agentGraceMs,
    onGone: (visit) => bus.publish(topics.site(visit.siteId), { frame: encode({ t: 'gone', visitor: visit.visitorId, site: visit.siteId }) }),
  })
  // Routing passes under way, which a shutdown lets finish.
  const routing = new Set<Promise<void>>()
  const events = createDomainEvents((error) => logger.error({ err: error }, 'a domain event listener failed'))

  async function summaryOf(conversation: Conversation) {
    const [visitor, assignee] = await Promise.all([
      store.getVisitor(conversation.visitorId),
      conversation.assigneeId === undefined ? undefined : store.getAgent(conversation.assigneeId),
    ])
    return toConversationSummary(conversation, visitor, assignee)
  }

  function publishEvent(conversation: Conversation, message: Message) {
    const happened = events.fromMessage(conversation, message)
    if (happened) events.emit(happened)
    sendToClients(conversation, message)
  }

  function sendToClients(conversation: Conversation, message: Message) {
    const busMessage = { frame: encode(toChatEvent(message)), conv: message.conversationId, seq: message.seq }
    bus.publish(topics.site(conversation.siteId), busMessage)
    // Internal notes go to agents only.
    if (!message.internal) bus.publish(topics.visitor(conversation.visitorId), busMessage)
  }

  /**
   * A resend of a stored message goes out to clients again: its first publication may never
   * have left a node that died between its commit and its publish. Connections that had it drop
   * the repeat by sequence number. (No domain event: that happened once.)
   */
  function republish(conversation: Conversation, message: Message) {
    if (message.conversationId === conversation.id) sendToClients(conversation, message)
  }

  async function publishConversation(conversation: Conversation) {
    const frame = encode({ t: 'conv', conv: await summaryOf(conversation) })
    bus.publish(topics.site(conversation.siteId), { frame })
    bus.publish(topics.visitor(conversation.visitorId), { frame })
  }

  async function publishChange(conversation: Conversation, message?: Message) {
    await publishConversation(conversation)
    if (message) publishEvent(conversation, message)
  }

  function publishVisit(visit: Visit) {
    bus.publish(topics.site(visit.siteId), { frame: encode({ t: 'visitor', visitor: toLiveVisitor(visit) }) })
  }

  async function publishAgentStatus(agent: Agent) {
    const frame = encode({ t: 'agent', agent: toAgentSummary(agent) })
    for (const siteId of await siteIdsOf(agent)) bus.publish(topics.site(siteId), { frame })
  }

  /** Sites an agent serves; admins serve every site. */
  async function siteIdsOf(agent: Agent): Promise<number[]> {
    if (agent.role !== 'admin') return agent.siteIds
    return (await store.listSites()).map((site) => site.id)
  }

  async function visibleConversation(agent: Agent, conversationId: number): Promise<Conversation> {
    const conversation = await store.getConversation(conversationId)
    // One answer for "missing" and "not yours", so that ids cannot be probed.
    if (!conversation || !(await siteIdsOf(agent)).includes(conversation.siteId)) {
      throw new ChatError('not_found', `conversation ${conversationId} not found`)
    }
    return conversation
  }

  async function agentLoads(siteId: number): Promise<{ loads: AgentLoad[]; agents: Map<number, Agent> }> {
    const agents = await store.listAgentsOfSite(siteId)
    const ids = agents.map((agent) => agent.id)
    const [counts, connected] = await Promise.all([store.countAssignedByAgent(ids), presence.connectedAmong(ids)])
    return {
      agents: new Map(agents.map((agent) => [agent.id, agent])),
      loads: agents.map((agent) => ({
        id: agent.id,
        status: connected.has(agent.id) ? agent.status : 'offline',
        capacity: agent.capacity,
        assigned: counts.get(agent.id) ?? 0,
      })),
    }
  }

  /** Hands waiting conversations of a site to free agents, oldest first. */
  function routeQueue(siteId: number): Promise<void> {
    // One pass per site at a time, on every node together: two chats arriving at once on two
    // nodes cannot both take an agent's last free slot.
    const pass = store.exclusively(`routing site ${siteId}`, () => assignWaitingChats(siteId)).catch((error: unknown) => {
      logger.error({ err: error, siteId }, 'routing failed')
    })
    routing.add(pass)
    void pass.finally(() => routing.delete(pass))
    return pass
  }

  async function assignWaitingChats(siteId: number) {
    const queued = await store.listQueued([siteId], 100)
    if (queued.length === 0) return
    const { loads, agents } = await agentLoads(siteId)
    for (const conversation of queued) {
      const agentId = assignToLeastBusyAgent(loads)
      if (agentId === undefined) break
      const agent = agents.get(agentId)!
      const result = await store.transition({
        conversationId: conversation.id,
        from: { statuses: ['queued'] },
        to: { status: 'assigned', assigneeId: agentId },
        system: { event: 'joined', text: `${agent.name} joined the conversation` },
        now: Date.now(),
      })
      if (!result) continue // claimed by hand meanwhile
      loads.find((load) => load.id === agentId)!.assigned += 1
      await publishChange(result.conversation, result.message)
    }
  }

  async function agentWentOffline(agentId: number) {
    const agent = await store.getAgent(agentId)
    if (!agent) return
    if (agent.status !== 'offline') {
      await store.setAgentStatus(agentId, 'offline')
      await publishAgentStatus({ ...agent, status: 'offline' })
    }
    await releaseChatsOf({ ...agent, status: 'offline' }, `${agent.name} went offline; waiting for another agent`)
  }

  /** Puts an agent's open chats back in the queue and routes them to others. */
  async function releaseChatsOf(agent: Agent, text: string) {
    const siteIds = await siteIdsOf(agent)
    const assigned = await store.listConversations({ siteIds, statuses: ['assigned'], assigneeId: agent.id }, 10_000)
    for (const conversation of assigned) {
      const result = await store.transition({
        conversationId: conversation.id,
        from: { statuses: ['assigned'], assigneeId: agent.id },
        to: { status: 'queued', assigneeId: null },
        system: { event: 'left', text },
        now: Date.now(),
      })
      if (result) await publishChange(result.conversation, result.message)
    }
    for (const siteId of new Set(assigned.map((conversation) => conversation.siteId))) await routeQueue(siteId)
  }

  /** The agent a REST API write names, or why they may not write on that site. */
  async function apiWriter(author: ApiAuthor, siteId: number): Promise<{ agent?: Agent; name: string } | ApiWriteRefusal> {
    if (!('agentId' in author)) return { name: author.bot }
    const agent = await store.getAgent(author.agentId)
    if (!agent) return { outcome: 'author_refused', reason: `no agent has the id ${author.agentId}` }
    if (!agent.active) return { outcome: 'author_refused', reason: `${agent.name} (agent ${agent.id}) is deactivated` }
    if (!(await siteIdsOf(agent)).includes(siteId)) {
      return { outcome: 'author_refused', reason: `${agent.name} (agent ${agent.id}) does not serve site ${siteId}` }
    }
    return { agent, name: agent.name }
  }

  /** What a REST API write stored before under the same Idempotency-Key, found before anything else is done. */
  async function earlierApiWrite(apiKey: ApiIdempotency | undefined) {
    return apiKey ? store.findMessageByApiKey(apiKey) : undefined
  }

  return {
    siteIdsOf,
    summaryOf,

    /** Whether an agent of the site is online to answer now. */
    async isAvailable(siteId: number): Promise<boolean> {
      const { loads } = await agentLoads(siteId)
      return loads.some((load) => load.status === 'online')
    },

    /** After a restart: agents recorded online get the grace period to reconnect. */
    async resumePresence() {
      for (const site of await store.listSites()) {
        for (const agent of await store.listAgentsOfSite(site.id)) {
          if (agent.status !== 'offline') await presence.expectReturn(agent.id)
        }
      }
    },

    /** An agent's first connection brings them online (an agent who chose away stays away). */
    async agentConnected(agent: Agent) {
      if (!(await presence.connected(agent.id))) return
      if (agent.status === 'offline') {
        await store.setAgentStatus(agent.id, 'online')
        await publishAgentStatus({ ...agent, status: 'online' })
      }
      if (agent.status !== 'away') for (const siteId of await siteIdsOf(agent)) await routeQueue(siteId)
    },

    /**
     * An administrator changed an agent (sites, role, deactivation). Their open consoles are told
     * to reconnect, which brings a fresh welcome for their new sites or, signed out, stops them;
     * a deactivated agent's open chats go back to the queue.
     */
    async agentChanged(agent: Agent) {
      bus.publish(topics.agent(agent.id), { frame: encode({ t: 'bye', reason: 'your account changed' }) })
      if (!agent.active) await releaseChatsOf(agent, `${agent.name} is no longer available; waiting for another agent`)
      else await publishAgentStatus(agent)
    },

    /** Never rejects: sessions call it without waiting, as a connection closes. */
    agentDisconnected(agent: Agent): Promise<void> {
      return presence.disconnected(agent.id).catch((error: unknown) => {
        logger.error({ err: error, agentId: agent.id }, 'failed to record an agent\'s departure')
      })
    },

    async setStatus(agent: Agent, status: Exclude<AgentStatus, 'offline'>) {
      await store.setAgentStatus(agent.id, status)
      await publishAgentStatus({ ...agent, status })
      if (status === 'online') for (const siteId of await siteIdsOf(agent)) await routeQueue(siteId)
    },

    async visitorSend(site: Site, visitor: Visitor, clientId: string, text: string, receivedAt: number) {
      const result = await store.appendVisitorMessage({
        siteId: site.id,
        visitorId: visitor.id,
        visitorName: visitor.name,
        clientId,
        text,
        reopenWindowMs,
        now: Date.now(),
      })
      if (!result.duplicate) {
        if (result.change === 'opened') events.emit({ type: 'conversation.opened', conversation: result.conversation, at: result.conversation.createdAt })
        if (result.change !== 'none') await publishConversation(result.conversation)
        for (const event of result.events) publishEvent(result.conversation, event)
        metrics.messages.inc({ role: 'visitor' })
        metrics.deliveryLatency.observe((performance.now() - receivedAt) / 1000)
        if (result.change !== 'none') await routeQueue(site.id)
      } else {
        republish(result.conversation, result.message)
      }
      return result
    },

    /** An agent's message, or with `note` an internal note (which claims nothing and may annotate a closed chat). */
    async agentSend(agent: Agent, conversationId: number, clientId: string, text: string, receivedAt: number, note = false) {
      let conversation = await visibleConversation(agent, conversationId)
      // A resend of a stored message is acknowledged again whatever happened since (a close,
      // a return to the queue): it must neither fail nor claim anything. Looked for here only
      // where the chat's state would refuse it or claim the chat; otherwise the append finds it.
      if (!note && conversation.status !== 'assigned') {
        const stored = await store.findMessageByClientId('agent', agent.id, clientId)
        if (stored) {
          republish(conversation, stored)
          return { message: stored, conversation, duplicate: true }
        }
      }
      if (conversation.status === 'closed' && !note) throw new ChatError('conflict', 'conversation is closed')
      if (conversation.status === 'queued' && !note) {
        // Answering a waiting chat takes it, as in every support inbox.
        const claimed = await store.transition({
          conversationId,
          from: { statuses: ['queued'] },
          to: { status: 'assigned', assigneeId: agent.id },
          system: { event: 'joined', text: `${agent.name} joined the conversation` },
          now: Date.now(),
        })
        if (claimed) {
          conversation = claimed.conversation
          await publishChange(claimed.conversation, claimed.message)
        }
      }
      const result = await store.appendAgentMessage({
        conversationId, agentId: agent.id, agentName: agent.name, clientId, text, now: Date.now(), internal: note,
      })
      if (result.duplicate) {
        republish(conversation, result.message)
      } else {
        publishEvent(result.conversation, result.message)
        metrics.messages.inc({ role: 'agent' })
        metrics.deliveryLatency.observe((performance.now() - receivedAt) / 1000)
      }
      return result
    },

    /**
     * An agent writes first to a visitor on one of their sites: a conversation opens assigned
     * to the agent (over their capacity if need be: they chose to), unless the visitor is
     * chatting already, which the refusal points at.
     */
    async startChat(agent: Agent, visitorId: number, clientId: string, text: string, receivedAt: number) {
      const stored = await store.findMessageByClientId('agent', agent.id, clientId)
      if (stored) return { message: stored, duplicate: true }
      const visitor = await store.getVisitor(visitorId)
      // One answer for "missing" and "not yours", so that ids cannot be probed.
      if (!visitor || !(await siteIdsOf(agent)).includes(visitor.siteId)) throw new ChatError('not_found', `visitor ${visitorId} not found`)
      const name = visitor.name || `Visitor #${visitor.id}`
      if (!(await visitors.get(visitor.id))) throw new ChatError('conflict', `${name} has left the site`)
      const result = await store.startConversation({
        siteId: visitor.siteId,
        visitorId: visitor.id,
        agentId: agent.id,
        agentName: agent.name,
        clientId,
        text,
        joinedText: `${agent.name} started the conversation`,
        now: Date.now(),
      })
      if (result.outcome === 'open') {
        throw new ChatError('conflict', `${name} already has an open conversation (#${result.conversation.id})`, result.conversation.id)
      }
      if (result.outcome === 'started') {
        events.emit({ type: 'conversation.opened', conversation: result.conversation, at: result.conversation.createdAt })
        await publishConversation(result.conversation)
        for (const event of result.events) publishEvent(result.conversation, event)
        metrics.messages.inc({ role: 'agent' })
        metrics.deliveryLatency.observe((performance.now() - receivedAt) / 1000)
      }
      return { message: result.message, duplicate: result.outcome === 'duplicate' }
    },

    /**
     * A message written through the REST API into a conversation the caller may use, delivered
     * like an agent's from the console: an agent answering a waiting chat takes it; a bot's
     * message leaves it waiting. With an Idempotency-Key, a retry gets the stored original.
     */
    async apiSend(
      conversation: Conversation,
      author: ApiAuthor,
      text: string,
      options: { note: boolean; apiKey?: ApiIdempotency },
    ): Promise<ApiSendResult> {
      const { note, apiKey } = options
      const clientId = apiClientId(apiKey)
      const earlier = await earlierApiWrite(apiKey)
      if (earlier) {
        if (earlier.conversationId !== conversation.id || !isSameWrite(earlier, author, text, note)) return { outcome: 'key_reused' }
        return { outcome: 'duplicate', message: earlier, conversation: (await store.getConversation(conversation.id)) ?? conversation }
      }
      const writer = await apiWriter(author, conversation.siteId)
      if ('outcome' in writer) return writer
      if (conversation.status === 'closed' && !note) return { outcome: 'closed' }
      if (writer.agent && conversation.status === 'queued' && !note) {
        const claimed = await store.transition({
          conversationId: conversation.id,
          from: { statuses: ['queued'] },
          to: { status: 'assigned', assigneeId: writer.agent.id },
          system: { event: 'joined', text: `${writer.agent.name} joined the conversation` },
          now: Date.now(),
        })
        if (claimed) await publishChange(claimed.conversation, claimed.message)
      }
      const result = await store.appendAgentMessage({
        conversationId: conversation.id,
        ...(writer.agent ? { agentId: writer.agent.id } : {}),
        agentName: writer.name,
        clientId,
        text,
        internal: note,
        ...(apiKey ? { apiKey } : {}),
        now: Date.now(),
      })
      if (result.duplicate) {
        // Another request with the same key got there first.
        if (result.message.conversationId !== conversation.id || !isSameWrite(result.message, author, text, note)) return { outcome: 'key_reused' }
        return { outcome: 'duplicate', message: result.message, conversation: result.conversation }
      }
      publishEvent(result.conversation, result.message)
      metrics.messages.inc({ role: 'agent' })
      return { outcome: 'sent', message: result.message, conversation: result.conversation }
    },

    /**
     * A business's backend writes first to one of its visitors, whether or not they are on the
     * site now (they read it on their next visit). As an agent, the conversation opens assigned to
     * them; as a bot, it waits in the queue and is routed like any new chat.
     */
    async apiStart(visitor: Visitor, author: ApiAuthor, text: string, apiKey?: ApiIdempotency): Promise<ApiStartResult> {
      const clientId = apiClientId(apiKey)
      const earlier = await earlierApiWrite(apiKey)
      if (earlier) {
        const conversation = await store.getConversation(earlier.conversationId)
        if (!conversation || conversation.visitorId !== visitor.id || !isSameWrite(earlier, author, text, false)) return { outcome: 'key_reused' }
        return { outcome: 'duplicate', message: earlier, conversation }
      }
      const writer = await apiWriter(author, visitor.siteId)
      if ('outcome' in writer) return writer
      const result = await store.startConversation({
        siteId: visitor.siteId,
        visitorId: visitor.id,
        ...(writer.agent ? { agentId: writer.agent.id } : {}),
        agentName: writer.name,
        clientId,
        text,
        joinedText: `${writer.name} started the conversation`,
        ...(apiKey ? { apiKey } : {}),
        now: Date.now(),
      })
      if (result.outcome === 'open') return result
      if (result.outcome === 'duplicate') {
        if (result.conversation.visitorId !== visitor.id || !isSameWrite(result.message, author, text, false)) return { outcome: 'key_reused' }
        return result
      }
      events.emit({ type: 'conversation.opened', conversation: result.conversation, at: result.conversation.createdAt })
      await publishConversation(result.conversation)
      for (const event of result.events) publishEvent(result.conversation, event)
      metrics.messages.inc({ role: 'agent' })
      if (writer.agent) return result
      await routeQueue(visitor.siteId)
      // Routing may have handed it to an agent already: answer with it as it now stands.
      return { ...result, conversation: (await store.getConversation(result.conversation.id)) ?? result.conversation }
    },

    /**
     * A visitor was erased. Their open widgets are told to reconnect, which makes them a new
     * visitor (their token names no one now), and agents see them leave.
     */
    visitorErased(visitor: Pick<Visitor, 'id' | 'siteId'>) {
      bus.publish(topics.visitorEnd(visitor.id), { frame: encode({ t: 'bye', reason: 'this visitor\'s data was erased' }) })
      bus.publish(topics.site(visitor.siteId), { frame: encode({ t: 'gone', visitor: visitor.id, site: visitor.siteId }) })
    },

    /** A connection of a visitor opened: their visit begins, or goes on with the page they are on now. */
    async visitorConnected(visitor: Visitor) {
      publishVisit(await visitors.connected(visitBeginningNow(visitor, Date.now())))
    },

    visitorDisconnected(visitorId: number) {
      return visitors.disconnected(visitorId)
    },

    /** The visitor moved to another page or gave their name. */
    async visitorChanged(visitorId: number, change: VisitChange) {
      const visit = await visitors.update(visitorId, change)
      if (visit) publishVisit(visit)
    },

    /** Who is on these sites now, the latest arrivals first. */
    async liveVisitors(siteIds: number[], limit: number) {
      return (await visitors.list(siteIds, limit)).map(toLiveVisitor)
    },

    /** The visit of a visitor on the site now, if any. */
    visitOf: (visitorId: number) => visitors.get(visitorId),

    async claim(agent: Agent, conversationId: number) {
      await visibleConversation(agent, conversationId)
      const result = await store.transition({
        conversationId,
        from: { statuses: ['queued'] },
        to: { status: 'assigned', assigneeId: agent.id },
        system: { event: 'joined', text: `${agent.name} joined the conversation` },
        now: Date.now(),
      })
      if (!result) throw new ChatError('conflict', 'conversation is not waiting in the queue')
      await publishChange(result.conversation, result.message)
    },

    async transfer(agent: Agent, conversationId: number, toAgentId: number) {
      const conversation = await visibleConversation(agent, conversationId)
      const target = await store.getAgent(toAgentId)
      if (!target?.active || !(await siteIdsOf(target)).includes(conversation.siteId)) {
        throw new ChatError('not_found', `agent ${toAgentId} does not serve this site`)
      }
      if (target.status === 'offline' || !(await presence.isConnected(target.id))) {
        throw new ChatError('conflict', `${target.name} is offline`)
      }
      const result = await store.transition({
        conversationId,
        // Only the assignee hands a chat over; an admin may move anyone's.
        from: { statuses: OPEN, ...(agent.role === 'admin' ? {} : { assigneeId: agent.id }) },
        to: { status: 'assigned', assigneeId: target.id },
        system: { event: 'transferred', text: `${agent.name} transferred the conversation to ${target.name}` },
        now: Date.now(),
      })
      if (!result) throw new ChatError('conflict', 'only the assigned agent can transfer this conversation')
      await publishChange(result.conversation, result.message)
      await routeQueue(conversation.siteId)
    },

    async close(agent: Agent, conversationId: number) {
      const conversation = await visibleConversation(agent, conversationId)
      const result = await store.transition({
        conversationId,
        from: { statuses: OPEN },
        to: { status: 'closed', assigneeId: conversation.assigneeId ?? null },
        system: { event: 'closed', text: `${agent.name} closed the conversation` },
        now: Date.now(),
      })
      if (!result) throw new ChatError('conflict', 'conversation is already closed')
      await publishChange(result.conversation, result.message)
      await routeQueue(conversation.siteId)
    },

    /** Typing is ephemeral: published, never stored. */
    typing(conversation: Conversation, role: Role, on: boolean, name?: string) {
      const frame = encode({ t: 'typing', conv: conversation.id, role, on, ...(name ? { name } : {}) })
      if (role === 'agent') bus.publish(topics.visitor(conversation.visitorId), { frame })
      bus.publish(topics.site(conversation.siteId), { frame })
    },

    async markRead(conversation: Conversation, role: Role, seq: number) {
      const updated = await store.markRead(conversation.id, role, seq)
      if (!updated) return
      const mark = role === 'visitor' ? updated.visitorReadSeq : updated.agentReadSeq
      const frame = encode({ t: 'read', conv: updated.id, role, seq: mark })
      bus.publish(topics.site(updated.siteId), { frame })
      bus.publish(topics.visitor(updated.visitorId), { frame })
    },

    visibleConversation,

    /** Conversation events after their commit: opened, assigned, closed, message created. */
    onEvent: events.listen,

    /** A page of events below `before`, for scrolling back. */
    async history(conversation: Conversation, role: Role, before: number | undefined, limit = HISTORY_PAGE) {
      const upper = before ?? conversation.lastSeq + 1
      const page = await store.messagesBefore(conversation.id, upper, limit + 1, { publicOnly: role === 'visitor' })
      const more = page.length > limit
      return { events: (more ? page.slice(1) : page).map(toChatEvent), more }
    },

    async missedSince(conversationId: number, role: Role, lastSeen: number, limit: number) {
      return store.messagesAfter(conversationId, lastSeen, limit, { publicOnly: role === 'visitor' })
    },

    async shutdown() {
      await Promise.all([presence.close(), visitors.close()])
      await Promise.all(routing)
    },
  }
}

export type ChatService = ReturnType<typeof createChatService>

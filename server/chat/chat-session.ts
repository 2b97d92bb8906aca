/**
 * One client connection, seen from the chat side: it decodes frames, checks who may do what,
 * calls the chat service and answers. Frames of one connection are handled one at a time,
 * in the order they arrived, whatever the storage latency.
 */
import {
  encode,
  type ClientFrame,
  type Decoded,
  type ErrorCode,
  type FrameOf,
  type Limits,
  type Role,
  type ServerFrame,
} from '../../protocol/index.js'
import type { AgentAuth } from '../auth/agent-auth.js'
import { hashToken, newToken } from '../auth/tokens.js'
import { isVisitorIdentityValid } from '../auth/visitor-identity.js'
import type { Logger } from '../ops/logger.js'
import type { Metrics } from '../ops/metrics.js'
import { topics, type Bus, type BusListener, type BusMessage } from '../realtime/bus.js'
import type { ConnectionRegistry } from '../realtime/connections.js'
import type { Store, VisitorProfile } from '../store/store.js'
import type { Agent, Conversation, Site, Visitor } from '../store/types.js'
import { CloseCode, type ConnectionInfo, type Peer } from '../transport/peer.js'
import { ChatError, type ChatService } from './chat-service.js'
import { knownTimeZone } from './time-zone.js'
import { createTokenBucket } from './token-bucket.js'
import { toAgentSummary, toChatEvent, toSiteSettings } from './views.js'

export interface ChatSessionDeps {
  service: ChatService
  store: Store
  bus: Bus
  auth: AgentAuth
  connections: ConnectionRegistry
  decode: (text: string) => Decoded<ClientFrame>
  limits: Limits
  rate: { burst: number; perSecond: number }
  logger: Logger
  metrics: Metrics
}

type Identity =
  | { role: 'visitor'; site: Site; visitor: Visitor }
  | { role: 'agent'; agent: Agent; siteIds: number[] }

/** Most events replayed for one conversation on reconnect; older ones are fetched with `history`. */
const MAX_REPLAY = 1000
const WELCOME_CONVERSATIONS = 500
/** Live visitors in an agent's welcome: the latest arrivals; later ones come as `visitor` frames. */
const WELCOME_VISITORS = 300

export interface ChatSession {
  /** A text frame arrived from the client. */
  receive(text: string): void
  /** The transport lost the connection. */
  closed(): void
}

/** What identifies a frame to its sender: a message's client id, a command's ref. */
const refOf = (frame: ClientFrame) => (frame.t === 'send' || frame.t === 'start' ? frame.cid : 'ref' in frame ? frame.ref : undefined)

/**
 * @example const session = openChatSession(peer, info, deps); transport.onText = (text) => session.receive(text)
 */
export function openChatSession(peer: Peer, info: ConnectionInfo, deps: ChatSessionDeps): ChatSession {
  return new ChatConnection(peer, info, deps)
}

/**
 * A class rather than a closure: a server holds one of these for every open connection, idle
 * ones included, and methods on a prototype cost nothing per connection where a closure's
 * twenty functions cost about a kilobyte each time (bench/RESULTS.md, the heap scenario).
 */
class ChatConnection implements ChatSession {
  private readonly takeToken: () => boolean
  private readonly unsubscribers: (() => void)[] = []
  // Subscriptions made by the hello and not yet known to be active.
  private subscribing: Promise<void>[] = []
  private identity: Identity | undefined
  private helloStarted = false
  private isClosed = false
  private work: Promise<void> = Promise.resolve()
  // While a hello replays missed events, live events wait here so the order stays intact.
  private held: BusMessage[] | undefined
  // Per conversation, the event up to which this client has been sent everything (from its first live event or the replay on).
  private readonly sentUpTo = new Map<number, number>()
  private roleLabel = 'pending'
  // Whether presence counted this connection (one closed during its hello never was).
  private visitorCounted = false
  /** `deliver`, bound once: the listener of every subscription of this connection. */
  private readonly deliverLive = (message: BusMessage) => this.deliver(message)

  constructor(
    private readonly peer: Peer,
    private readonly info: ConnectionInfo,
    private readonly deps: ChatSessionDeps,
  ) {
    this.takeToken = createTokenBucket(deps.rate.burst, deps.rate.perSecond)
    deps.connections.add(peer)
    deps.metrics.connections.inc({ transport: peer.transport, role: this.roleLabel })
  }

  private send(frame: ServerFrame) {
    if (!this.isClosed) this.peer.send(encode(frame))
  }

  private fail(code: ErrorCode, message: string, ref?: string, conv?: number) {
    this.deps.metrics.frameErrors.inc({ code })
    this.send({ t: 'error', code, message, ...(ref === undefined ? {} : { ref }), ...(conv === undefined ? {} : { conv }) })
  }

  /**
   * Sends a live event on, in sequence order. Events of one conversation may be published by
   * different nodes and so arrive out of order, or after the hello already sent them (a node
   * between its commit and its publish). An event already sent is dropped; an event past a gap
   * waits while the events before it, committed already, are read from the store and sent.
   */
  private deliver(message: BusMessage) {
    if (this.held) return void this.held.push(message)
    if (this.isClosed) return
    const { conv, seq } = message
    if (conv === undefined || seq === undefined) return void this.peer.send(message.frame)
    const upTo = this.sentUpTo.get(conv)
    if (upTo !== undefined && seq <= upTo) return
    if (upTo !== undefined && seq > upTo + 1) return void this.fillGap(conv, upTo, message)
    this.sentUpTo.set(conv, seq)
    this.peer.send(message.frame)
  }

  private fillGap(conv: number, upTo: number, message: BusMessage) {
    this.held = [message]
    const role = this.identity?.role ?? 'visitor'
    this.deps.service.missedSince(conv, role, upTo, MAX_REPLAY)
      .then((missed) => {
        // Events past this one stay for deliver: they are held or on their way.
        for (const event of missed) if (event.seq < message.seq!) this.send(toChatEvent(event))
        const top = missed.filter((event) => event.seq < message.seq!).at(-1)?.seq
        if (top !== undefined) this.sentUpTo.set(conv, top)
      })
      .catch((error: unknown) => this.deps.logger.error({ err: error, conv }, 'could not fill a gap in live events'))
      .finally(() => {
        // Past the gap now (or giving up on it): the held event and what came meanwhile go on in order.
        this.sentUpTo.set(conv, Math.max(this.sentUpTo.get(conv) ?? 0, message.seq! - 1))
        const waiting = this.held ?? []
        this.held = undefined
        for (const next of waiting) this.deliver(next)
      })
  }

  private listen(topic: string, listener: BusListener) {
    const subscription = this.deps.bus.subscribe(topic, listener)
    this.unsubscribers.push(subscription.unsubscribe)
    this.subscribing.push(subscription.ready)
  }

  private subscribe(topic: string) {
    if (!this.isClosed) this.listen(topic, this.deliverLive)
  }

  /**
   * Waits until every subscription of the hello delivers, so that what the hello then reads
   * from the store and what arrives live leave no gap between them. False when the bus refused:
   * the client is told to come back, rather than being left with a silent connection.
   */
  private async subscriptionsActive(): Promise<boolean> {
    const pending = this.subscribing
    this.subscribing = []
    try {
      await Promise.all(pending)
      return true
    } catch (error) {
      this.deps.logger.error({ err: error }, 'a connection could not subscribe to its events')
      this.fail('internal', 'the server cannot deliver events right now: reconnect shortly')
      this.peer.close(CloseCode.restart, 'events unavailable')
      return false
    }
  }

  /**
   * Only a goodbye travels on `topic`: it is passed on and the connection ends, whether or not
   * the client honours it. The client says hello again and is judged afresh.
   */
  private endOn(topic: string, reason: string) {
    this.listen(topic, (message) => {
      if (this.isClosed) return
      this.peer.send(message.frame)
      this.peer.close(CloseCode.restart, reason)
    })
  }

  private setRole(role: string) {
    this.deps.metrics.connections.dec({ transport: this.peer.transport, role: this.roleLabel })
    this.roleLabel = role
    this.deps.metrics.connections.inc({ transport: this.peer.transport, role })
  }

  /** Sends what the client missed, then what arrived meanwhile, without repeating anything. */
  private async replay(role: Role, conversations: Conversation[], last: Record<string, number> | undefined) {
    for (const conversation of conversations) {
      const seen = last?.[conversation.id]
      if (seen === undefined || seen >= conversation.lastSeq) continue
      // Far behind: the newest events come live, older ones through `history`.
      const missed = await this.deps.service.missedSince(conversation.id, role, Math.max(seen, conversation.lastSeq - MAX_REPLAY), MAX_REPLAY)
      for (const message of missed) this.send(toChatEvent(message))
      const top = missed.at(-1)?.seq
      if (top !== undefined) this.sentUpTo.set(conversation.id, top)
    }
    const waiting = this.held ?? []
    this.held = undefined
    for (const message of waiting) this.deliver(message)
  }

  private async helloVisitor(frame: Extract<FrameOf<'hello'>, { as: 'visitor' }>) {
    const site = this.info.site
    if (!site) {
      this.fail('not_authenticated', 'a visitor connects with ?site=SITE_KEY')
      return this.peer.close(CloseCode.notAuthenticated, 'site key required')
    }
    const now = Date.now()
    const profile: VisitorProfile = {
      pageUrl: frame.page?.url,
      pageTitle: frame.page?.title,
      referrer: frame.page?.referrer,
      userAgent: this.info.userAgent?.slice(0, 512),
      locale: frame.locale,
      timeZone: knownTimeZone(frame.tz),
    }
    let verifiedId: string | undefined
    if (frame.identity && site.identitySecret) {
      if (!isVisitorIdentityValid(site.identitySecret, frame.identity)) {
        this.fail('forbidden', 'identity verification failed: the hash does not match the user id')
        return this.peer.close(CloseCode.forbidden, 'identity verification failed')
      }
      verifiedId = frame.identity.userId
    }
    if (site.verifiedOnly && verifiedId === undefined) {
      this.fail('forbidden', 'this site chats only with signed-in visitors')
      return this.peer.close(CloseCode.forbidden, 'verified visitors only')
    }
    const byToken = frame.token ? await this.deps.store.getVisitorByToken(site.id, hashToken(frame.token)) : undefined
    // A verified user is the same visitor on every device. A token alone never opens a
    // verified visitor's chats: on a shared computer, the next person is someone else.
    let visitor = verifiedId !== undefined
      ? (await this.deps.store.getVisitorByExternalId(site.id, verifiedId)) ?? (byToken?.externalId === undefined ? byToken : undefined)
      : byToken?.externalId === undefined ? byToken : undefined
    if (verifiedId !== undefined) profile.externalId = verifiedId
    let token: string | undefined
    if (visitor) {
      visitor = (await this.deps.store.updateVisitor(visitor.id, profile, now)) ?? visitor
    } else {
      // Unknown or missing token: a new visitor. A token of another site never matches.
      token = newToken('pv_')
      visitor = await this.deps.store.createVisitor(site.id, hashToken(token), profile, now)
    }
    this.identity = { role: 'visitor', site, visitor }
    this.setRole('visitor')
    this.held = []
    this.subscribe(topics.visitor(visitor.id))
    if (!this.isClosed) this.endOn(topics.visitorEnd(visitor.id), 'visitor erased')
    if (!(await this.subscriptionsActive())) return
    if (!this.isClosed) {
      this.visitorCounted = true
      await this.deps.service.visitorConnected(visitor)
    }
    const conversations = await this.deps.store.listConversations({ siteIds: [site.id], visitorId: visitor.id }, 20)
    this.send({
      t: 'welcome',
      as: 'visitor',
      me: { id: visitor.id, ...(visitor.name ? { name: visitor.name } : {}), ...(visitor.email ? { email: visitor.email } : {}) },
      ...(token ? { token } : {}),
      site: { ...toSiteSettings(site), available: await this.deps.service.isAvailable(site.id) },
      conversations: await Promise.all(conversations.map(this.deps.service.summaryOf)),
      limits: this.deps.limits,
    })
    await this.replay('visitor', conversations, frame.last)
  }

  private async helloAgent(frame: Extract<FrameOf<'hello'>, { as: 'agent' }>) {
    if (this.info.site) {
      // A widget URL passed only the site's Origin check, not the console's: a page allowed
      // to embed the widget must not ride an agent's cookie into the agent protocol.
      this.fail('forbidden', 'agents connect without ?site=')
      return this.peer.close(CloseCode.notAuthenticated, 'agents connect without ?site=')
    }
    const agent = await this.deps.auth.agentForSession(this.info.sessionToken)
    if (!agent) {
      this.fail('not_authenticated', 'sign in first: no valid session')
      return this.peer.close(CloseCode.notAuthenticated, 'not signed in')
    }
    const siteIds = await this.deps.service.siteIdsOf(agent)
    this.identity = { role: 'agent', agent, siteIds }
    this.setRole('agent')
    this.held = []
    for (const siteId of siteIds) this.subscribe(topics.site(siteId))
    if (!this.isClosed) this.endOn(topics.agent(agent.id), 'account changed')
    if (!(await this.subscriptionsActive())) return
    await this.deps.service.agentConnected(agent)
    const current = (await this.deps.store.getAgent(agent.id)) ?? agent
    this.identity.agent = current
    const conversations = await this.deps.store.listConversations({ siteIds, statuses: ['queued', 'assigned'] }, WELCOME_CONVERSATIONS)
    const agents = new Map<number, Agent>()
    for (const siteId of siteIds) for (const colleague of await this.deps.store.listAgentsOfSite(siteId)) agents.set(colleague.id, colleague)
    const sites = (await this.deps.store.listSites()).filter((site) => siteIds.includes(site.id)).map((site) => ({ id: site.id, name: site.name }))
    this.send({
      t: 'welcome',
      as: 'agent',
      me: { id: current.id, name: current.name, email: current.email, role: current.role },
      conversations: await Promise.all(conversations.map(this.deps.service.summaryOf)),
      agents: [...agents.values()].map(toAgentSummary),
      visitors: await this.deps.service.liveVisitors(siteIds, WELCOME_VISITORS),
      sites,
      limits: this.deps.limits,
    })
    // Conversations the client knows that have closed since are replayed too.
    const known = frame.last ? Object.keys(frame.last).map(Number) : []
    const extra: Conversation[] = []
    for (const id of known) {
      if (conversations.some((c) => c.id === id)) continue
      const conversation = await this.deps.store.getConversation(id)
      if (conversation && siteIds.includes(conversation.siteId)) extra.push(conversation)
    }
    await this.replay('agent', [...conversations, ...extra], frame.last)
  }

  /** The visitor's conversation named by `conv`, or their latest one. */
  private async visitorConversation(visitor: Visitor, conversationId?: number): Promise<Conversation | undefined> {
    if (conversationId !== undefined) {
      const conversation = await this.deps.store.getConversation(conversationId)
      return conversation?.visitorId === visitor.id ? conversation : undefined
    }
    const [latest] = await this.deps.store.listConversations({ siteIds: [visitor.siteId], visitorId: visitor.id }, 1)
    return latest
  }

  private async conversationFor(who: Identity, conversationId: number | undefined): Promise<Conversation> {
    if (who.role === 'agent') {
      if (conversationId === undefined) throw new ChatError('bad_frame', 'conv is required')
      return this.deps.service.visibleConversation(who.agent, conversationId)
    }
    const conversation = await this.visitorConversation(who.visitor, conversationId)
    if (!conversation) throw new ChatError('not_found', conversationId === undefined ? 'no conversation yet' : `conversation ${conversationId} not found`)
    return conversation
  }

  private async handle(frame: ClientFrame, receivedAt: number) {
    if (frame.t === 'hello') {
      if (this.helloStarted) return this.fail('already_authenticated', 'hello was already sent on this connection')
      this.helloStarted = true
      return frame.as === 'visitor' ? this.helloVisitor(frame) : this.helloAgent(frame)
    }
    const who = this.identity
    const ref = refOf(frame)
    if (!who) return this.fail('not_authenticated', 'send hello first', ref)
    const ok = () => {
      if (ref !== undefined) this.send({ t: 'ok', ref })
    }

    switch (frame.t) {
      case 'send': {
        if (who.role === 'visitor' && frame.note) return this.fail('forbidden', 'notes are for agents', frame.cid)
        const result = who.role === 'visitor'
          ? await this.deps.service.visitorSend(who.site, who.visitor, frame.cid, frame.text, receivedAt)
          : frame.conv === undefined
            ? this.fail('bad_frame', 'send.conv: required for agents', frame.cid)
            : await this.deps.service.agentSend(who.agent, frame.conv, frame.cid, frame.text, receivedAt, frame.note === true)
        if (!result) return
        if (who.role === 'visitor' && frame.conv !== undefined && frame.conv !== result.conversation.id && !result.duplicate) {
          this.deps.logger.debug({ asked: frame.conv, used: result.conversation.id }, 'visitor message went to their current conversation')
        }
        const { message } = result
        return this.send({ t: 'ack', cid: frame.cid, conv: message.conversationId, seq: message.seq, id: message.id, at: message.createdAt })
      }
      case 'typing': {
        const conversation = await this.conversationFor(who, frame.conv)
        if (conversation.status === 'closed') return
        return this.deps.service.typing(conversation, who.role, frame.on, who.role === 'agent' ? who.agent.name : undefined)
      }
      case 'read':
        return this.deps.service.markRead(await this.conversationFor(who, frame.conv), who.role, frame.seq)
      case 'history': {
        const conversation = await this.conversationFor(who, frame.conv)
        const page = await this.deps.service.history(conversation, who.role, frame.before, frame.limit)
        return this.send({ t: 'history', conv: conversation.id, ...(ref !== undefined ? { ref } : {}), ...page })
      }
      case 'profile': {
        if (who.role !== 'visitor') return this.fail('forbidden', 'only visitors have a profile')
        const updated = await this.deps.store.updateVisitor(who.visitor.id, { name: frame.name || undefined, email: frame.email || undefined }, Date.now())
        if (updated && updated.name !== who.visitor.name) await this.deps.service.visitorChanged(updated.id, { name: updated.name })
        if (updated) who.visitor = updated
        return
      }
      case 'page': {
        if (who.role !== 'visitor') return this.fail('forbidden', 'only visitors report pages')
        const { t: _type, ...page } = frame
        await this.deps.store.updateVisitor(who.visitor.id, { pageUrl: page.url, pageTitle: page.title, referrer: page.referrer }, Date.now())
        return this.deps.service.visitorChanged(who.visitor.id, { pageUrl: page.url, pageTitle: page.title })
      }
    }

    if (who.role !== 'agent') return this.fail('forbidden', `${frame.t} is for agents`, ref)
    switch (frame.t) {
      case 'claim':
        await this.deps.service.claim(who.agent, frame.conv)
        return ok()
      case 'transfer':
        await this.deps.service.transfer(who.agent, frame.conv, frame.to)
        return ok()
      case 'close':
        await this.deps.service.close(who.agent, frame.conv)
        return ok()
      case 'start': {
        const { message } = await this.deps.service.startChat(who.agent, frame.visitor, frame.cid, frame.text, receivedAt)
        return this.send({ t: 'ack', cid: frame.cid, conv: message.conversationId, seq: message.seq, id: message.id, at: message.createdAt })
      }
      case 'status':
        await this.deps.service.setStatus(who.agent, frame.status)
        who.agent = { ...who.agent, status: frame.status }
        return ok()
    }
  }

  private run(frame: ClientFrame, receivedAt: number) {
    const ref = refOf(frame)
    this.work = this.work
      .then(() => this.handle(frame, receivedAt))
      .catch((error: unknown) => {
        if (error instanceof ChatError) return this.fail(error.code, error.message, ref, error.conv)
        this.deps.logger.error({ err: error, frame: frame.t }, 'frame handling failed')
        this.fail('internal', 'the server could not handle this frame; it was not applied', ref)
      })
  }

  receive(text: string) {
    if (this.isClosed) return
    const receivedAt = performance.now()
    // String length bounds the byte length from below only; count bytes when it might matter.
    if (text.length * 3 > this.deps.limits.maxFrameBytes && Buffer.byteLength(text) > this.deps.limits.maxFrameBytes) {
      return this.fail('too_large', `frame is larger than ${this.deps.limits.maxFrameBytes} bytes; nothing was applied`)
    }
    const decoded = this.deps.decode(text)
    if (!decoded.ok) {
      // Refusals cost tokens too; past the limit, junk is dropped without an answer.
      if (this.takeToken()) this.fail(decoded.code, decoded.message, decoded.ref)
      return
    }
    const frame = decoded.frame
    // Heartbeats are free and answered at once, even before hello or while throttled.
    if (frame.t === 'ping') return this.send({ t: 'pong' })
    if (frame.t === 'pong') return
    if (!this.takeToken()) {
      return this.fail('rate_limited', 'too many frames: slow down and resend', refOf(frame))
    }
    this.run(frame, receivedAt)
  }

  closed() {
    if (this.isClosed) return
    this.isClosed = true
    this.deps.connections.delete(this.peer)
    this.deps.metrics.connections.dec({ transport: this.peer.transport, role: this.roleLabel })
    for (const unsubscribe of this.unsubscribers) unsubscribe()
    // The hello may still be running: release presence only after it has finished.
    void this.work.then(async () => {
      if (this.identity?.role === 'agent') this.deps.service.agentDisconnected(this.identity.agent)
      if (this.identity?.role === 'visitor' && this.visitorCounted) await this.deps.service.visitorDisconnected(this.identity.visitor.id)
    }).catch((error: unknown) => this.deps.logger.error({ err: error }, 'failed to record a departure'))
  }
}

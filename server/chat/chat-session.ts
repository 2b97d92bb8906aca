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

export function openChatSession(peer: Peer, info: ConnectionInfo, deps: ChatSessionDeps): ChatSession {
  const { service, store, bus, auth, logger, metrics } = deps
  const takeToken = createTokenBucket(deps.rate.burst, deps.rate.perSecond)
  const unsubscribers: (() => void)[] = []
  // Subscriptions made by the hello and not yet known to be active.
  let subscribing: Promise<void>[] = []
  let identity: Identity | undefined
  let helloStarted = false
  let isClosed = false
  let work: Promise<void> = Promise.resolve()
  // While a hello replays missed events, live events wait here so the order stays intact.
  let held: BusMessage[] | undefined
  // Per conversation, the event up to which this client has been sent everything (from its first live event or the replay on).
  const sentUpTo = new Map<number, number>()
  let roleLabel = 'pending'
  // Whether presence counted this connection (one closed during its hello never was).
  let visitorCounted = false

  deps.connections.add(peer)
  metrics.connections.inc({ transport: peer.transport, role: roleLabel })

  const send = (frame: ServerFrame) => {
    if (!isClosed) peer.send(encode(frame))
  }
  const fail = (code: ErrorCode, message: string, ref?: string, conv?: number) => {
    metrics.frameErrors.inc({ code })
    send({ t: 'error', code, message, ...(ref === undefined ? {} : { ref }), ...(conv === undefined ? {} : { conv }) })
  }

  /**
   * Sends a live event on, in sequence order. Events of one conversation may be published by
   * different nodes and so arrive out of order, or after the hello already sent them (a node
   * between its commit and its publish). An event already sent is dropped; an event past a gap
   * waits while the events before it, committed already, are read from the store and sent.
   */
  function deliver(message: BusMessage) {
    if (held) return void held.push(message)
    if (isClosed) return
    const { conv, seq } = message
    if (conv === undefined || seq === undefined) return void peer.send(message.frame)
    const upTo = sentUpTo.get(conv)
    if (upTo !== undefined && seq <= upTo) return
    if (upTo !== undefined && seq > upTo + 1) return void fillGap(conv, upTo, message)
    sentUpTo.set(conv, seq)
    peer.send(message.frame)
  }

  function fillGap(conv: number, upTo: number, message: BusMessage) {
    held = [message]
    const role = identity?.role ?? 'visitor'
    service.missedSince(conv, role, upTo, MAX_REPLAY)
      .then((missed) => {
        // Events past this one stay for deliver: they are held or on their way.
        for (const event of missed) if (event.seq < message.seq!) send(toChatEvent(event))
        const top = missed.filter((event) => event.seq < message.seq!).at(-1)?.seq
        if (top !== undefined) sentUpTo.set(conv, top)
      })
      .catch((error: unknown) => logger.error({ err: error, conv }, 'could not fill a gap in live events'))
      .finally(() => {
        // Past the gap now (or giving up on it): the held event and what came meanwhile go on in order.
        sentUpTo.set(conv, Math.max(sentUpTo.get(conv) ?? 0, message.seq! - 1))
        const waiting = held ?? []
        held = undefined
        for (const next of waiting) deliver(next)
      })
  }

  function listen(topic: string, listener: BusListener) {
    const subscription = bus.subscribe(topic, listener)
    unsubscribers.push(subscription.unsubscribe)
    subscribing.push(subscription.ready)
  }

  function subscribe(topic: string) {
    if (!isClosed) listen(topic, deliver)
  }

  /**
   * Waits until every subscription of the hello delivers, so that what the hello then reads
   * from the store and what arrives live leave no gap between them. False when the bus refused:
   * the client is told to come back, rather than being left with a silent connection.
   */
  async function subscriptionsActive(): Promise<boolean> {
    const pending = subscribing
    subscribing = []
    try {
      await Promise.all(pending)
      return true
    } catch (error) {
      logger.error({ err: error }, 'a connection could not subscribe to its events')
      fail('internal', 'the server cannot deliver events right now: reconnect shortly')
      peer.close(CloseCode.restart, 'events unavailable')
      return false
    }
  }

  /**
   * Only a goodbye travels on `topic`: it is passed on and the connection ends, whether or not
   * the client honours it. The client says hello again and is judged afresh.
   */
  function endOn(topic: string, reason: string) {
    listen(topic, (message) => {
      if (isClosed) return
      peer.send(message.frame)
      peer.close(CloseCode.restart, reason)
    })
  }

  function setRole(role: string) {
    metrics.connections.dec({ transport: peer.transport, role: roleLabel })
    roleLabel = role
    metrics.connections.inc({ transport: peer.transport, role })
  }

  /** Sends what the client missed, then what arrived meanwhile, without repeating anything. */
  async function replay(role: Role, conversations: Conversation[], last: Record<string, number> | undefined) {
    for (const conversation of conversations) {
      const seen = last?.[conversation.id]
      if (seen === undefined || seen >= conversation.lastSeq) continue
      // Far behind: the newest events come live, older ones through `history`.
      const missed = await service.missedSince(conversation.id, role, Math.max(seen, conversation.lastSeq - MAX_REPLAY), MAX_REPLAY)
      for (const message of missed) send(toChatEvent(message))
      const top = missed.at(-1)?.seq
      if (top !== undefined) sentUpTo.set(conversation.id, top)
    }
    const waiting = held ?? []
    held = undefined
    for (const message of waiting) deliver(message)
  }

  async function helloVisitor(frame: Extract<FrameOf<'hello'>, { as: 'visitor' }>) {
    const site = info.site
    if (!site) {
      fail('not_authenticated', 'a visitor connects with ?site=SITE_KEY')
      return peer.close(CloseCode.notAuthenticated, 'site key required')
    }
    const now = Date.now()
    const profile: VisitorProfile = {
      pageUrl: frame.page?.url,
      pageTitle: frame.page?.title,
      referrer: frame.page?.referrer,
      userAgent: info.userAgent?.slice(0, 512),
      locale: frame.locale,
      timeZone: knownTimeZone(frame.tz),
    }
    let verifiedId: string | undefined
    if (frame.identity && site.identitySecret) {
      if (!isVisitorIdentityValid(site.identitySecret, frame.identity)) {
        fail('forbidden', 'identity verification failed: the hash does not match the user id')
        return peer.close(CloseCode.forbidden, 'identity verification failed')
      }
      verifiedId = frame.identity.userId
    }
    if (site.verifiedOnly && verifiedId === undefined) {
      fail('forbidden', 'this site chats only with signed-in visitors')
      return peer.close(CloseCode.forbidden, 'verified visitors only')
    }
    const byToken = frame.token ? await store.getVisitorByToken(site.id, hashToken(frame.token)) : undefined
    // A verified user is the same visitor on every device. A token alone never opens a
    // verified visitor's chats: on a shared computer, the next person is someone else.
    let visitor = verifiedId !== undefined
      ? (await store.getVisitorByExternalId(site.id, verifiedId)) ?? (byToken?.externalId === undefined ? byToken : undefined)
      : byToken?.externalId === undefined ? byToken : undefined
    if (verifiedId !== undefined) profile.externalId = verifiedId
    let token: string | undefined
    if (visitor) {
      visitor = (await store.updateVisitor(visitor.id, profile, now)) ?? visitor
    } else {
      // Unknown or missing token: a new visitor. A token of another site never matches.
      token = newToken('pv_')
      visitor = await store.createVisitor(site.id, hashToken(token), profile, now)
    }
    identity = { role: 'visitor', site, visitor }
    setRole('visitor')
    held = []
    subscribe(topics.visitor(visitor.id))
    if (!isClosed) endOn(topics.visitorEnd(visitor.id), 'visitor erased')
    if (!(await subscriptionsActive())) return
    if (!isClosed) {
      visitorCounted = true
      await service.visitorConnected(visitor)
    }
    const conversations = await store.listConversations({ siteIds: [site.id], visitorId: visitor.id }, 20)
    send({
      t: 'welcome',
      as: 'visitor',
      me: { id: visitor.id, ...(visitor.name ? { name: visitor.name } : {}), ...(visitor.email ? { email: visitor.email } : {}) },
      ...(token ? { token } : {}),
      site: { ...toSiteSettings(site), available: await service.isAvailable(site.id) },
      conversations: await Promise.all(conversations.map(service.summaryOf)),
      limits: deps.limits,
    })
    await replay('visitor', conversations, frame.last)
  }

  async function helloAgent(frame: Extract<FrameOf<'hello'>, { as: 'agent' }>) {
    if (info.site) {
      // A widget URL passed only the site's Origin check, not the console's: a page allowed
      // to embed the widget must not ride an agent's cookie into the agent protocol.
      fail('forbidden', 'agents connect without ?site=')
      return peer.close(CloseCode.notAuthenticated, 'agents connect without ?site=')
    }
    const agent = await auth.agentForSession(info.sessionToken)
    if (!agent) {
      fail('not_authenticated', 'sign in first: no valid session')
      return peer.close(CloseCode.notAuthenticated, 'not signed in')
    }
    const siteIds = await service.siteIdsOf(agent)
    identity = { role: 'agent', agent, siteIds }
    setRole('agent')
    held = []
    for (const siteId of siteIds) subscribe(topics.site(siteId))
    if (!isClosed) endOn(topics.agent(agent.id), 'account changed')
    if (!(await subscriptionsActive())) return
    await service.agentConnected(agent)
    const current = (await store.getAgent(agent.id)) ?? agent
    identity.agent = current
    const conversations = await store.listConversations({ siteIds, statuses: ['queued', 'assigned'] }, WELCOME_CONVERSATIONS)
    const agents = new Map<number, Agent>()
    for (const siteId of siteIds) for (const colleague of await store.listAgentsOfSite(siteId)) agents.set(colleague.id, colleague)
    const sites = (await store.listSites()).filter((site) => siteIds.includes(site.id)).map((site) => ({ id: site.id, name: site.name }))
    send({
      t: 'welcome',
      as: 'agent',
      me: { id: current.id, name: current.name, email: current.email, role: current.role },
      conversations: await Promise.all(conversations.map(service.summaryOf)),
      agents: [...agents.values()].map(toAgentSummary),
      visitors: await service.liveVisitors(siteIds, WELCOME_VISITORS),
      sites,
      limits: deps.limits,
    })
    // Conversations the client knows that have closed since are replayed too.
    const known = frame.last ? Object.keys(frame.last).map(Number) : []
    const extra: Conversation[] = []
    for (const id of known) {
      if (conversations.some((c) => c.id === id)) continue
      const conversation = await store.getConversation(id)
      if (conversation && siteIds.includes(conversation.siteId)) extra.push(conversation)
    }
    await replay('agent', [...conversations, ...extra], frame.last)
  }

  /** The visitor's conversation named by `conv`, or their latest one. */
  async function visitorConversation(visitor: Visitor, conversationId?: number): Promise<Conversation | undefined> {
    if (conversationId !== undefined) {
      const conversation = await store.getConversation(conversationId)
      return conversation?.visitorId === visitor.id ? conversation : undefined
    }
    const [latest] = await store.listConversations({ siteIds: [visitor.siteId], visitorId: visitor.id }, 1)
    return latest
  }

  async function conversationFor(who: Identity, conversationId: number | undefined): Promise<Conversation> {
    if (who.role === 'agent') {
      if (conversationId === undefined) throw new ChatError('bad_frame', 'conv is required')
      return service.visibleConversation(who.agent, conversationId)
    }
    const conversation = await visitorConversation(who.visitor, conversationId)
    if (!conversation) throw new ChatError('not_found', conversationId === undefined ? 'no conversation yet' : `conversation ${conversationId} not found`)
    return conversation
  }

  async function handle(frame: ClientFrame, receivedAt: number) {
    if (frame.t === 'hello') {
      if (helloStarted) return fail('already_authenticated', 'hello was already sent on this connection')
      helloStarted = true
      return frame.as === 'visitor' ? helloVisitor(frame) : helloAgent(frame)
    }
    const who = identity
    const ref = refOf(frame)
    if (!who) return fail('not_authenticated', 'send hello first', ref)
    const ok = () => {
      if (ref !== undefined) send({ t: 'ok', ref })
    }

    switch (frame.t) {
      case 'send': {
        if (who.role === 'visitor' && frame.note) return fail('forbidden', 'notes are for agents', frame.cid)
        const result = who.role === 'visitor'
          ? await service.visitorSend(who.site, who.visitor, frame.cid, frame.text, receivedAt)
          : frame.conv === undefined
            ? fail('bad_frame', 'send.conv: required for agents', frame.cid)
            : await service.agentSend(who.agent, frame.conv, frame.cid, frame.text, receivedAt, frame.note === true)
        if (!result) return
        if (who.role === 'visitor' && frame.conv !== undefined && frame.conv !== result.conversation.id && !result.duplicate) {
          logger.debug({ asked: frame.conv, used: result.conversation.id }, 'visitor message went to their current conversation')
        }
        const { message } = result
        return send({ t: 'ack', cid: frame.cid, conv: message.conversationId, seq: message.seq, id: message.id, at: message.createdAt })
      }
      case 'typing': {
        const conversation = await conversationFor(who, frame.conv)
        if (conversation.status === 'closed') return
        return service.typing(conversation, who.role, frame.on, who.role === 'agent' ? who.agent.name : undefined)
      }
      case 'read':
        return service.markRead(await conversationFor(who, frame.conv), who.role, frame.seq)
      case 'history': {
        const conversation = await conversationFor(who, frame.conv)
        const page = await service.history(conversation, who.role, frame.before, frame.limit)
        return send({ t: 'history', conv: conversation.id, ...(ref !== undefined ? { ref } : {}), ...page })
      }
      case 'profile': {
        if (who.role !== 'visitor') return fail('forbidden', 'only visitors have a profile')
        const updated = await store.updateVisitor(who.visitor.id, { name: frame.name || undefined, email: frame.email || undefined }, Date.now())
        if (updated && updated.name !== who.visitor.name) await service.visitorChanged(updated.id, { name: updated.name })
        if (updated) who.visitor = updated
        return
      }
      case 'page': {
        if (who.role !== 'visitor') return fail('forbidden', 'only visitors report pages')
        const { t: _type, ...page } = frame
        await store.updateVisitor(who.visitor.id, { pageUrl: page.url, pageTitle: page.title, referrer: page.referrer }, Date.now())
        return service.visitorChanged(who.visitor.id, { pageUrl: page.url, pageTitle: page.title })
      }
    }

    if (who.role !== 'agent') return fail('forbidden', `${frame.t} is for agents`, ref)
    switch (frame.t) {
      case 'claim':
        await service.claim(who.agent, frame.conv)
        return ok()
      case 'transfer':
        await service.transfer(who.agent, frame.conv, frame.to)
        return ok()
      case 'close':
        await service.close(who.agent, frame.conv)
        return ok()
      case 'start': {
        const { message } = await service.startChat(who.agent, frame.visitor, frame.cid, frame.text, receivedAt)
        return send({ t: 'ack', cid: frame.cid, conv: message.conversationId, seq: message.seq, id: message.id, at: message.createdAt })
      }
      case 'status':
        await service.setStatus(who.agent, frame.status)
        who.agent = { ...who.agent, status: frame.status }
        return ok()
    }
  }

  function run(frame: ClientFrame, receivedAt: number) {
    const ref = refOf(frame)
    work = work
      .then(() => handle(frame, receivedAt))
      .catch((error: unknown) => {
        if (error instanceof ChatError) return fail(error.code, error.message, ref, error.conv)
        logger.error({ err: error, frame: frame.t }, 'frame handling failed')
        fail('internal', 'the server could not handle this frame; it was not applied', ref)
      })
  }

  return {
    receive(text: string) {
      if (isClosed) return
      const receivedAt = performance.now()
      // String length bounds the byte length from below only; count bytes when it might matter.
      if (text.length * 3 > deps.limits.maxFrameBytes && Buffer.byteLength(text) > deps.limits.maxFrameBytes) {
        return fail('too_large', `frame is larger than ${deps.limits.maxFrameBytes} bytes; nothing was applied`)
      }
      const decoded = deps.decode(text)
      if (!decoded.ok) {
        // Refusals cost tokens too; past the limit, junk is dropped without an answer.
        if (takeToken()) fail(decoded.code, decoded.message, decoded.ref)
        return
      }
      const frame = decoded.frame
      // Heartbeats are free and answered at once, even before hello or while throttled.
      if (frame.t === 'ping') return send({ t: 'pong' })
      if (frame.t === 'pong') return
      if (!takeToken()) {
        return fail('rate_limited', 'too many frames: slow down and resend', refOf(frame))
      }
      run(frame, receivedAt)
    },

    closed() {
      if (isClosed) return
      isClosed = true
      deps.connections.delete(peer)
      metrics.connections.dec({ transport: peer.transport, role: roleLabel })
      for (const unsubscribe of unsubscribers) unsubscribe()
      // The hello may still be running: release presence only after it has finished.
      void work.then(async () => {
        if (identity?.role === 'agent') service.agentDisconnected(identity.agent)
        if (identity?.role === 'visitor' && visitorCounted) await service.visitorDisconnected(identity.visitor.id)
      }).catch((error: unknown) => logger.error({ err: error }, 'failed to record a departure'))
    },
  }
}

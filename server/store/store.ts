/**
 * Everything Parley keeps goes through this interface. It returns promises so that a
 * networked database can implement it without touching callers; each write that records a
 * conversation event is one transaction that also assigns the event's sequence number.
 */
import type { AgentStatus, ConversationStatus, Role, SystemEvent } from '../../protocol/index.js'
import type {
  Agent, AgentRole, ApiToken, AuditEntry, CannedResponse, Conversation, DeliveryStatus, ExportedMessage, Message, SearchHit,
  Session, Site, Visitor, Webhook, WebhookDelivery, WebhookEvent, WidgetSettings,
} from './types.js'

export interface NewSite {
  name: string
  key: string
  allowedOrigins: string[]
  widget: WidgetSettings
  identitySecret?: string
  verifiedOnly?: boolean
  retentionDays?: number
}

/** Fields to change on a site; `identitySecret: null` removes the secret. */
export interface SitePatch {
  name?: string
  allowedOrigins?: string[]
  widget?: WidgetSettings
  identitySecret?: string | null
  verifiedOnly?: boolean
  /** `null`: keep conversations for good. */
  retentionDays?: number | null
}

export interface NewAgent {
  name: string
  email: string
  passwordHash: string
  role: AgentRole
  capacity: number
  siteIds: number[]
}

/** Fields to change on an agent; `siteIds` replaces the whole list. */
export interface AgentPatch {
  name?: string
  email?: string
  passwordHash?: string
  role?: AgentRole
  capacity?: number
  siteIds?: number[]
  active?: boolean
}

export interface NewCannedResponse {
  siteId?: number
  shortcut: string
  text: string
}

export interface CannedResponsePatch {
  siteId?: number | null
  shortcut?: string
  text?: string
}

export interface SearchQuery {
  siteIds: number[]
  /** Words as a person types them; every word must match, as a word or the start of one. */
  text: string
  limit: number
  /** Leave internal notes out. */
  publicOnly?: boolean
}

export interface VisitorProfile {
  /** Set only once the site's server has vouched for it (identity verification). */
  externalId?: string
  name?: string
  email?: string
  attributes?: Record<string, string | number | boolean>
  pageUrl?: string
  pageTitle?: string
  referrer?: string
  userAgent?: string
  locale?: string
  timeZone?: string
}

export interface NewApiToken {
  name: string
  tokenHash: string
  siteIds: number[]
}

export interface VisitorMessageInput {
  siteId: number
  visitorId: number
  visitorName?: string
  clientId: string
  text: string
  /** A closed conversation closed less than this long ago is reopened; an older one is left closed and a new one opened. */
  reopenWindowMs: number
  now: number
}

export interface VisitorMessageResult {
  message: Message
  conversation: Conversation
  /** The client id was seen before: `message` is the stored original and nothing was written. */
  duplicate: boolean
  /** `opened`: a new conversation; `reopened`: a closed one came back (a `reopened` system event precedes the message). */
  change: 'opened' | 'reopened' | 'none'
  /** Events written by this call, in sequence order (empty for a duplicate). */
  events: Message[]
}

/** A REST API caller's Idempotency-Key: the message is stored once per token and key. */
export interface ApiIdempotency {
  tokenId: number
  key: string
}

export interface AgentMessageInput {
  conversationId: number
  /** Absent for a bot writing through the REST API under `agentName`. */
  agentId?: number
  agentName: string
  clientId: string
  text: string
  /** An internal note, for agents only. */
  internal?: boolean
  apiKey?: ApiIdempotency
  now: number
}

/** An agent writes first, to a visitor who has not written. */
export interface StartConversationInput {
  siteId: number
  visitorId: number
  /** Absent for a bot: the conversation then waits in the queue for an agent. */
  agentId?: number
  agentName: string
  clientId: string
  text: string
  /** The text of the `joined` event that opens an agent's conversation. */
  joinedText: string
  apiKey?: ApiIdempotency
  now: number
}

export type StartConversationResult =
  /** `events`: the `joined` event (agents only), then `message`. */
  | { outcome: 'started'; conversation: Conversation; message: Message; events: Message[] }
  /** The client id was stored before: nothing was written. */
  | { outcome: 'duplicate'; conversation: Conversation; message: Message }
  /** The visitor already has this open conversation: nothing was written. */
  | { outcome: 'open'; conversation: Conversation }

export interface AgentMessageResult {
  message: Message
  conversation: Conversation
  duplicate: boolean
}

/**
 * A guarded change of a conversation's status and assignee. It applies only while the
 * conversation still matches `from`, so that two agents claiming at once cannot both win.
 */
export interface TransitionInput {
  conversationId: number
  from: {
    statuses: ConversationStatus[]
    /** When given, the current assignee must be this agent (`null`: must be unassigned). */
    assigneeId?: number | null
  }
  to: { status: ConversationStatus; assigneeId: number | null }
  /** A system event recorded in the same transaction. */
  system?: { event: SystemEvent; text: string }
  now: number
}

export interface TransitionResult {
  conversation: Conversation
  message?: Message
}

export interface ConversationFilter {
  siteIds: number[]
  statuses?: ConversationStatus[]
  visitorId?: number
  assigneeId?: number
  /** Only conversations created before this one (by creation time, then id): the next page. */
  before?: { createdAt: number; id: number }
  /** Time ranges, inclusive of `from`, exclusive of `to`. */
  createdFrom?: number
  createdTo?: number
  updatedFrom?: number
  updatedTo?: number
  /** Only conversations with a message matching these words (as in searchMessages). */
  text?: string
}

export interface ExportQuery {
  siteIds: number[]
  /** Messages created in [from, to). */
  from?: number
  to?: number
  /** Resume after this message (by creation time, then id). */
  after?: { createdAt: number; id: number }
  limit: number
  publicOnly?: boolean
}

export interface NewWebhook {
  siteId: number
  url: string
  secret: string
  events: WebhookEvent[]
}

export interface DeliveryAttempt {
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: number
  responseStatus?: number
  error?: string
  deliveredAt?: number
  /**
   * Who claimed the delivery (see DeliveryClaim). When given, the attempt is recorded only if
   * the claim is still theirs: a node whose lease ran out and was claimed by another must not
   * overwrite what that one recorded.
   */
  claimant?: string
}

export interface DeliveryClaim {
  now: number
  /** At most this many: as many as the claimant can start sending at once. */
  limit: number
  /**
   * How long the claimant holds them. Longer than an attempt can take, so that only a node that
   * stopped without recording lets a lease run out.
   */
  leaseMs: number
  /** Names the claiming node (unique per running dispatcher); kept with the lease. */
  claimant: string
}

/** A delivery due now, with where it goes and how it is signed. */
export interface DueDelivery extends WebhookDelivery {
  url: string
  secret: string
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres'
  /** Applies pending migrations; returns the versions applied by this call. */
  migrate(): Promise<number[]>
  close(): Promise<void>

  createSite(input: NewSite): Promise<Site>
  getSite(id: number): Promise<Site | undefined>
  getSiteByKey(key: string): Promise<Site | undefined>
  listSites(): Promise<Site[]>
  /** `undefined` when the site is missing. */
  updateSite(id: number, patch: SitePatch): Promise<Site | undefined>

  createAgent(input: NewAgent): Promise<Agent>
  getAgent(id: number): Promise<Agent | undefined>
  /** Emails compare case-insensitively. */
  getAgentByEmail(email: string): Promise<Agent | undefined>
  /** Active agents serving the site. */
  listAgentsOfSite(siteId: number): Promise<Agent[]>
  countAgents(): Promise<number>
  /** Every agent, deactivated ones included, by id. */
  listAgents(): Promise<Agent[]>
  /** Throws StoreConflictError on a taken email; `undefined` when the agent is missing. */
  updateAgent(id: number, patch: AgentPatch): Promise<Agent | undefined>
  setAgentStatus(agentId: number, status: AgentStatus): Promise<void>

  createSession(session: Session): Promise<void>
  /** Only a session that has not expired at `now`. */
  getSession(tokenHash: string, now: number): Promise<Session | undefined>
  deleteSession(tokenHash: string): Promise<void>
  /** Signs an agent out everywhere (deactivation, password change). */
  deleteSessionsOfAgent(agentId: number): Promise<void>

  createApiToken(input: NewApiToken): Promise<ApiToken>
  /** Revoked ones included, newest first. */
  listApiTokens(): Promise<ApiToken[]>
  /** A token that exists and is not revoked. */
  getApiTokenByHash(tokenHash: string): Promise<ApiToken | undefined>
  /** `undefined` when missing; revoking twice keeps the first time. */
  revokeApiToken(id: number, now: number): Promise<ApiToken | undefined>

  /** Canned responses of these sites and the shared ones, by shortcut. Throws StoreConflictError on a taken shortcut. */
  createCannedResponse(input: NewCannedResponse): Promise<CannedResponse>
  listCannedResponses(siteIds: number[]): Promise<CannedResponse[]>
  getCannedResponse(id: number): Promise<CannedResponse | undefined>
  /** `siteId: null` shares it with every site. */
  updateCannedResponse(id: number, patch: CannedResponsePatch): Promise<CannedResponse | undefined>
  /** Whether there was one to delete. */
  deleteCannedResponse(id: number): Promise<boolean>

  /** Messages (not system events) matching every word, newest first. */
  searchMessages(query: SearchQuery): Promise<SearchHit[]>

  /** Events of these sites in creation order, one page: the bulk export reads page after page. */
  exportMessages(query: ExportQuery): Promise<ExportedMessage[]>
  /**
   * Erases a visitor with every conversation and message of theirs, their search index entries
   * and webhook deliveries; whether there was one. SQLite also overwrites the freed pages; in
   * PostgreSQL old row versions remain until VACUUM reclaims them.
   */
  deleteVisitor(id: number): Promise<boolean>
  /** Erases up to `limit` of a site's conversations closed before `closedBefore`; returns their ids. */
  purgeClosedConversations(siteId: number, closedBefore: number, limit: number): Promise<number[]>
  recordAudit(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry>
  /** Newest first; `siteIds` limits to entries of those sites. */
  listAudit(options: { siteIds?: number[]; limit: number; beforeId?: number }): Promise<AuditEntry[]>

  createWebhook(input: NewWebhook): Promise<Webhook>
  listWebhooks(siteIds: number[]): Promise<Webhook[]>
  getWebhook(id: number): Promise<Webhook | undefined>
  updateWebhook(id: number, patch: Partial<Pick<Webhook, 'url' | 'events' | 'active' | 'secret'>>): Promise<Webhook | undefined>
  deleteWebhook(id: number): Promise<boolean>
  /**
   * Queues one delivery per active webhook of the site that wants this event; returns how many.
   * A payload given as a function is built only if some webhook wants the event: most sites
   * have none, and every event of every chat passes here.
   */
  enqueueWebhookDeliveries(siteId: number, event: WebhookEvent, payload: string | (() => string), now: number, conversationId?: number): Promise<number>
  /**
   * Leases pending deliveries whose time has come and that nobody holds (or whose lease ran
   * out), oldest first, until `now + leaseMs`: until then no other claim returns them, on any
   * node. Recording an attempt or giving the delivery back ends the lease.
   *
   * @example const due = await store.claimDueDeliveries({ now: Date.now(), limit: 4, leaseMs: 40_000, claimant: 'web-1/4242/9f3c' })
   */
  claimDueDeliveries(claim: DeliveryClaim): Promise<DueDelivery[]>
  /** Records an attempt and ends the lease; whether it was recorded (see `DeliveryAttempt.claimant`). */
  recordDeliveryAttempt(id: number, attempt: DeliveryAttempt): Promise<boolean>
  /** Ends the claimant's lease without recording an attempt (one cut short by a stop): the delivery is due again at once. */
  releaseDelivery(id: number, claimant: string): Promise<void>
  /** Newest first. */
  listWebhookDeliveries(webhookId: number, limit: number): Promise<WebhookDelivery[]>

  createVisitor(siteId: number, tokenHash: string, profile: VisitorProfile, now: number): Promise<Visitor>
  /** The visitor that token belongs to, only if it belongs to that site. */
  getVisitorByToken(siteId: number, tokenHash: string): Promise<Visitor | undefined>
  getVisitor(id: number): Promise<Visitor | undefined>
  /** The visitor a site knows by its own (verified) user id. */
  getVisitorByExternalId(siteId: number, externalId: string): Promise<Visitor | undefined>
  /** Sets the given fields (others untouched) and `lastSeenAt`. */
  updateVisitor(id: number, profile: VisitorProfile, now: number): Promise<Visitor | undefined>

  getConversation(id: number): Promise<Conversation | undefined>
  /** Newest first. */
  listConversations(filter: ConversationFilter, limit: number): Promise<Conversation[]>
  /** Queued conversations of these sites, oldest first. */
  listQueued(siteIds: number[], limit: number): Promise<Conversation[]>
  /** Number of assigned (open) conversations per agent, for agents that have any. */
  countAssignedByAgent(agentIds: number[]): Promise<Map<number, number>>

  appendVisitorMessage(input: VisitorMessageInput): Promise<VisitorMessageResult>
  appendAgentMessage(input: AgentMessageInput): Promise<AgentMessageResult>
  /**
   * Opens a conversation assigned to the agent with a `joined` event and their message, in one
   * transaction, unless the visitor already has an open one (which wins). Idempotent on the client id.
   */
  startConversation(input: StartConversationInput): Promise<StartConversationResult>
  /** `undefined` when the conversation is missing or no longer matches `from`. */
  transition(input: TransitionInput): Promise<TransitionResult | undefined>
  /** The message a REST API token stored under this Idempotency-Key, if any. */
  findMessageByApiKey(apiKey: ApiIdempotency): Promise<Message | undefined>
  /** The message an author sent with this client id, if it was stored. */
  findMessageByClientId(role: Role, authorId: number, clientId: string): Promise<Message | undefined>
  /** Events with `seq > afterSeq`, ascending; `publicOnly` leaves internal notes out (for visitors). */
  messagesAfter(conversationId: number, afterSeq: number, limit: number, options?: { publicOnly?: boolean }): Promise<Message[]>
  /** The `limit` events just below `beforeSeq`, ascending; `publicOnly` as above. */
  messagesBefore(conversationId: number, beforeSeq: number, limit: number, options?: { publicOnly?: boolean }): Promise<Message[]>
  /** Raises the side's read mark to `seq` (never lowers it, never past `lastSeq`). */
  markRead(conversationId: number, role: Role, seq: number): Promise<Conversation | undefined>

  /**
   * Runs `work` while holding the lock called `name`, which no other caller holds meanwhile, on
   * this node or any other sharing the store; others wait their turn. The lock is freed when
   * `work` settles (or throws), and when a node dies holding it. Not re-entrant: calling it
   * again with the same name inside `work` waits forever.
   *
   * @example await store.exclusively(`routing site ${site.id}`, () => assignWaitingChats(site))
   */
  exclusively<T>(name: string, work: () => Promise<T>): Promise<T>
}

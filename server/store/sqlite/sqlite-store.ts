/**
 * The Store on one SQLite file through better-sqlite3. Calls are synchronous underneath and
 * wrapped in promises only to meet the interface. Each event-writing call is one transaction
 * (a savepoint of the turn's commit group, see commit-group.ts) that also assigns the event's
 * sequence number.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { AgentStatus, AuthorRole, Role, SystemEvent } from '../../../protocol/index.js'
import { StoreConflictError } from '../errors.js'
import { startCheckpointer } from './checkpointer.js'
import { createCommitGroup } from './commit-group.js'
import type {
  AgentMessageInput, AgentMessageResult, AgentPatch, ApiIdempotency, ConversationFilter, NewAgent, NewApiToken,
  SitePatch, StartConversationInput, StartConversationResult, Store, TransitionInput, TransitionResult, VisitorMessageInput, VisitorMessageResult,
} from '../store.js'
import type {
  Agent, AgentRole, ApiToken, AuditEntry, Conversation, ExportedMessage, Message, MessageKind,
  SearchHit, Site, Visitor, Webhook, WebhookEvent, WidgetSettings,
} from '../types.js'
import {
  byDueTime, matchesFrom, profileParams, toCannedResponse, toConversation, toDelivery, toMessage, toSession, withPresent,
  type CannedRow, type ConversationRow, type DeliveryRow, type MessageRow, type SessionRow,
} from '../shared-rows.js'
import { createLocalLocks } from '../local-locks.js'
import { toFtsQuery } from './fts-query.js'
import { startSearchIndex } from './search-index.js'
import { migrations } from './migrations.js'

export interface SqliteStoreOptions {
  /** The database file; its directory is created if missing. `:memory:` for a throwaway store. */
  path: string
  /**
   * How hard a commit waits for the disk, in WAL mode. `full` (default): a committed write
   * survives a process crash and a power loss. `normal`: it survives a process crash, but the
   * last commits before a power loss or OS crash may be rolled back (the file stays consistent).
   */
  synchronous?: 'full' | 'normal'
  /** How often stored messages are put in the search index in the background (search-index.ts). */
  searchIndexEveryMs?: number
}

export interface SqliteStore extends Store {
  readonly kind: 'sqlite'
  readonly path: string
}

/** A new agent has never connected; the chat service brings them online on first connection. */
const INITIAL_AGENT_STATUS: AgentStatus = 'offline'
const REOPENED_TEXT = 'Conversation reopened'
/** How long the webhook events a site wants are taken as read (rememberWebhookEvents). */
const WEBHOOK_EVENTS_TTL_MS = 5_000
const LATEST_VERSION = Math.max(0, ...migrations.map((migration) => migration.version))

/**
 * Opens (creating if needed) a SQLite store. Call `migrate()` before anything else.
 *
 * @example
 * const store = openSqliteStore({ path: 'data/parley.db' })
 * await store.migrate()
 */
export function openSqliteStore({ path, synchronous = 'full', searchIndexEveryMs }: SqliteStoreOptions): SqliteStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  // WAL lets readers carry on while one writer commits, and makes commits cheaper.
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
  // SQLite enforces foreign keys per connection and only when asked. better-sqlite3's bundled
  // build happens to default to on; saying so keeps us safe on a build that does not.
  db.pragma('foreign_keys = ON')
  // Deleted rows are overwritten, not just unlinked: an erased visitor's words must not stay
  // readable in free pages of the file.
  db.pragma('secure_delete = ON')
  // Another process holding the write lock makes us wait up to 5 s rather than fail at once.
  db.pragma('busy_timeout = 5000')

  // Statements need the tables, which exist only after migrate(): prepare on first use, once.
  let prepared: Statements | undefined
  const statements = (): Statements => (prepared ??= prepareStatements(db, path))

  function conversationById(id: number): Conversation {
    const row = statements().conversationById.get(id)
    if (!row) throw new Error(`conversation ${id} not found`)
    return toConversation(row)
  }

  /**
   * Takes the conversation's next sequence number and writes the event with it. Returns the
   * event and the conversation as the event left it, so that nobody reads it again to answer.
   */
  function appendEvent(conversationId: number, event: NewEvent, now: number): { message: Message; conversation: Conversation } {
    const s = statements()
    const conversation = s.nextSeq.get(now, conversationId)
    if (conversation === undefined) throw new Error(`conversation ${conversationId} not found`)
    const row = s.insertMessage.get({
      conversationId,
      seq: conversation.last_seq,
      kind: event.kind,
      authorRole: event.authorRole,
      authorId: event.authorId ?? null,
      authorName: event.authorName ?? null,
      text: event.text,
      clientId: event.clientId ?? null,
      systemEvent: event.systemEvent ?? null,
      internal: event.internal ? 1 : 0,
      createdAt: now,
    })
    return { message: toMessage(row!), conversation: toConversation(conversation) }
  }

  function systemEvent(systemEvent: SystemEvent, text: string): NewEvent {
    return { kind: 'system', authorRole: 'system', text, systemEvent }
  }

  // Write transactions are IMMEDIATE: they take the write lock before their first read, so
  // two processes cannot both read a conversation and then fail to upgrade to writing
  // (SQLITE_BUSY, which busy_timeout cannot wait out). The writes of the chat's hot path run in
  // the commit group (commit-group.ts), whose one transaction is immediate; in it, each of these
  // transaction functions is a savepoint.
  // A file with FULL durability flushes its log for the group off the event loop (commit-group.ts).
  // The log is copied into the file by a worker thread, not by whichever commit crosses a threshold.
  const checkpointer = path === ':memory:' ? undefined : startCheckpointer(db, path)
  const group = createCommitGroup(db, {
    walPath: synchronous === 'full' && path !== ':memory:' ? `${path}-wal` : undefined,
    onCommit: checkpointer?.committed,
  })
  const searchIndex = startSearchIndex(db, group, searchIndexEveryMs)
  const webhookEvents = rememberWebhookEvents((siteId) => statements().webhookEventsOfSite.all(siteId))
  const insertVisitorTx = db.transaction((params: Record<string, unknown>) => statements().insertVisitor.get(params)!)
  const updateVisitorTx = db.transaction((params: Record<string, unknown>) => statements().updateVisitor.get(params))
  const markReadTx = db.transaction((conversationId: number, role: Role, seq: number) => {
    const s = statements()
    return (role === 'visitor' ? s.markVisitorRead : s.markAgentRead).get(seq, conversationId)
  })
  const appendVisitorMessageTx = db.transaction(function appendVisitorMessageTx(
    input: VisitorMessageInput,
  ): VisitorMessageResult {
    const s = statements()
    const original = s.messageByClientId.get('visitor', input.visitorId, input.clientId)
    if (original) {
      return {
        message: toMessage(original),
        conversation: conversationById(original.conversation_id),
        duplicate: true,
        change: 'none',
        events: [],
      }
    }

    const events: Message[] = []
    let change: VisitorMessageResult['change']
    let conversationId: number
    const latest = s.latestConversationOfVisitor.get(input.visitorId, input.siteId)
    if (latest && latest.status !== 'closed') {
      conversationId = latest.id
      change = 'none'
    } else if (latest?.closed_at != null && latest.closed_at >= input.now - input.reopenWindowMs) {
      conversationId = latest.id
      change = 'reopened'
      s.reopenConversation.run(conversationId)
      events.push(appendEvent(conversationId, systemEvent('reopened', REOPENED_TEXT), input.now).message)
    } else {
      conversationId = s.insertConversation.get(input.siteId, input.visitorId, input.now, input.now)!
      change = 'opened'
    }

    const { message, conversation } = appendEvent(conversationId, {
      kind: 'message',
      authorRole: 'visitor',
      authorId: input.visitorId,
      authorName: input.visitorName,
      text: input.text,
      clientId: input.clientId,
    }, input.now)
    events.push(message)
    return { message, conversation, duplicate: false, change, events }
  })

  /** The message stored earlier under this Idempotency-Key or, for an agent, this client id. */
  function storedBefore(agentId: number | undefined, clientId: string, apiKey: ApiIdempotency | undefined): MessageRow | undefined {
    const s = statements()
    const byKey = apiKey ? s.idempotentMessage.get(apiKey.tokenId, apiKey.key) : undefined
    return byKey ?? (agentId === undefined ? undefined : s.messageByClientId.get('agent', agentId, clientId))
  }

  function rememberKey(apiKey: ApiIdempotency | undefined, messageId: number) {
    if (apiKey) statements().insertIdempotency.run(apiKey.tokenId, apiKey.key, messageId)
  }

  const appendAgentMessageTx = db.transaction(function appendAgentMessageTx(
    input: AgentMessageInput,
  ): AgentMessageResult {
    const original = storedBefore(input.agentId, input.clientId, input.apiKey)
    if (original) {
      return {
        message: toMessage(original),
        conversation: conversationById(original.conversation_id),
        duplicate: true,
      }
    }
    const { message, conversation } = appendEvent(input.conversationId, {
      kind: 'message',
      authorRole: 'agent',
      authorId: input.agentId,
      authorName: input.agentName,
      text: input.text,
      clientId: input.clientId,
      internal: input.internal,
    }, input.now)
    rememberKey(input.apiKey, message.id)
    return { message, conversation, duplicate: false }
  })

  const startConversationTx = db.transaction(function startConversationTx(
    input: StartConversationInput,
  ): StartConversationResult {
    const s = statements()
    const original = storedBefore(input.agentId, input.clientId, input.apiKey)
    if (original) return { outcome: 'duplicate', message: toMessage(original), conversation: conversationById(original.conversation_id) }
    const latest = s.latestConversationOfVisitor.get(input.visitorId, input.siteId)
    if (latest && latest.status !== 'closed') return { outcome: 'open', conversation: toConversation(latest) }
    const events: Message[] = []
    let conversationId: number
    if (input.agentId === undefined) {
      // A bot's opening line: the conversation waits for an agent like any other.
      conversationId = s.insertConversation.get(input.siteId, input.visitorId, input.now, input.now)!
    } else {
      conversationId = s.insertAssignedConversation.get(input.siteId, input.visitorId, input.agentId, input.now, input.now)!
      events.push(appendEvent(conversationId, systemEvent('joined', input.joinedText), input.now).message)
    }
    const { message } = appendEvent(conversationId, {
      kind: 'message', authorRole: 'agent', authorId: input.agentId, authorName: input.agentName, text: input.text, clientId: input.clientId,
    }, input.now)
    events.push(message)
    rememberKey(input.apiKey, message.id)
    // The agents' side has read what it wrote.
    const conversation = toConversation(s.markAgentRead.get(message.seq, conversationId)!)
    return { outcome: 'started', conversation, message, events }
  })

  const transitionTx = db.transaction(function transitionTx(
    input: TransitionInput,
  ): TransitionResult | undefined {
    const s = statements()
    const current = s.conversationById.get(input.conversationId)
    if (!current || !matchesFrom(current, input.from)) return undefined
    s.setStatus.run({
      id: current.id,
      status: input.to.status,
      assigneeId: input.to.assigneeId,
      closedAt: input.to.status === 'closed' ? input.now : null,
      now: input.now,
    })
    if (!input.system) return { conversation: conversationById(current.id) }
    const { message, conversation } = appendEvent(current.id, systemEvent(input.system.event, input.system.text), input.now)
    return { conversation, message }
  })

  const createAgentTx = db.transaction(function createAgentTx(input: NewAgent): Agent {
    const s = statements()
    const id = s.insertAgent.get({
      name: input.name,
      email: input.email,
      passwordHash: input.passwordHash,
      role: input.role,
      status: INITIAL_AGENT_STATUS,
      capacity: input.capacity,
      createdAt: Date.now(),
    })!
    for (const siteId of new Set(input.siteIds)) s.insertAgentSite.run(id, siteId)
    return toAgent(s.agentById.get(id)!)
  })

  const createApiTokenTx = db.transaction(function createApiTokenTx(input: NewApiToken): ApiToken {
    const s = statements()
    const row = s.insertApiToken.get(input.name, input.tokenHash, Date.now())!
    const siteIds = [...new Set(input.siteIds)].sort((a, b) => a - b)
    for (const siteId of siteIds) s.insertApiTokenSite.run(row.id, siteId)
    return toApiToken(row, siteIds)
  })

  const updateSiteTx = db.transaction(function updateSiteTx(id: number, patch: SitePatch): Site | undefined {
    const s = statements()
    const row = s.siteById.get(id)
    if (!row) return undefined
    const current = toSite(row)
    s.updateSite.run({
      id,
      name: patch.name ?? current.name,
      allowedOrigins: JSON.stringify(patch.allowedOrigins ?? current.allowedOrigins),
      widget: JSON.stringify(patch.widget ?? current.widget),
      identitySecret: patch.identitySecret === undefined ? current.identitySecret ?? null : patch.identitySecret,
      verifiedOnly: (patch.verifiedOnly ?? current.verifiedOnly) ? 1 : 0,
      retentionDays: patch.retentionDays === undefined ? current.retentionDays ?? null : patch.retentionDays,
    })
    return toSite(s.siteById.get(id)!)
  })

  const updateAgentTx = db.transaction(function updateAgentTx(id: number, patch: AgentPatch): Agent | undefined {
    const s = statements()
    const row = s.agentById.get(id)
    if (!row) return undefined
    const current = toAgent(row)
    s.updateAgent.run({
      id,
      name: patch.name ?? current.name,
      email: patch.email ?? current.email,
      passwordHash: patch.passwordHash ?? current.passwordHash,
      role: patch.role ?? current.role,
      capacity: patch.capacity ?? current.capacity,
      active: (patch.active ?? current.active) ? 1 : 0,
    })
    if (patch.siteIds) {
      s.deleteAgentSites.run(id)
      for (const siteId of new Set(patch.siteIds)) s.insertAgentSite.run(id, siteId)
    }
    return toAgent(s.agentById.get(id)!)
  })

  /**
   * Copies what was erased into the database file and empties the write-ahead log, where the
   * erased rows' old pages would otherwise stay readable until the next checkpoint.
   */
  function wipeWal() {
    if (path !== ':memory:') db.pragma('wal_checkpoint(TRUNCATE)')
  }

  const purgeTx = db.transaction(function purgeTx(siteId: number, closedBefore: number, limit: number): number[] {
    const s = statements()
    const ids = s.closedBefore.all(siteId, closedBefore, limit)
    for (const id of ids) s.deleteConversation.run(id)
    return ids
  })

  // One UPDATE … RETURNING picks and leases; IMMEDIATE, like the other writes, so that another
  // process on the same file (a CLI command) cannot slip a write between its read and its write.
  const claimDeliveriesTx = db.transaction(function claimDeliveriesTx(claim: Record<string, unknown>) {
    return statements().claimDeliveries.all(claim)
  })

  const migrateTx = db.transaction(function migrateTx(): number[] {
    const applied: number[] = []
    const current = userVersion(db)
    if (current > LATEST_VERSION) {
      throw new Error(`${path} is at schema version ${current}, newer than this build knows (${LATEST_VERSION})`)
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue
      db.exec(migration.sql)
      // user_version lives in the file header and is written inside this transaction, so a
      // failed migration leaves both the schema and the recorded version untouched.
      db.pragma(`user_version = ${migration.version}`)
      applied.push(migration.version)
    }
    return applied
  })

  const listStatements = new Map<string, Database.Statement<[Record<string, unknown>], ConversationRow>>()
  /** One statement per combination of filters, so each can use its index; prepared once. */
  function conversationListStatement(where: string) {
    let statement = listStatements.get(where)
    if (!statement) {
      statements() // checks the schema version first, like every other statement
      statement = db.prepare<Record<string, unknown>, ConversationRow>(
        `SELECT * FROM conversations WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT @limit`,
      )
      listStatements.set(where, statement)
    }
    return statement
  }

  return {
    kind: 'sqlite',
    path,

    async migrate() {
      return migrateTx.immediate()
    },

    async close() {
      if (!db.open) return
      searchIndex.stop()
      group.flushNow()
      // A file left closed has its index complete: whoever opens it next, to read, writes nothing.
      // (Statements prepared means the schema is there: an unmigrated file has nothing to index.)
      if (prepared) searchIndex.catchUp()
      await group.close()
      await checkpointer?.close()
      // Lets SQLite refresh the planner statistics it found worth having during this run.
      db.pragma('optimize')
      db.close()
    },

    async createSite(input) {
      try {
        const row = statements().insertSite.get({
          name: input.name,
          key: input.key,
          allowedOrigins: JSON.stringify(input.allowedOrigins),
          widget: JSON.stringify(input.widget),
          identitySecret: input.identitySecret ?? null,
          verifiedOnly: input.verifiedOnly ? 1 : 0,
          retentionDays: input.retentionDays ?? null,
          createdAt: Date.now(),
        })
        return toSite(row!)
      } catch (error) {
        if (isUniqueViolation(error, 'sites.key')) {
          throw new StoreConflictError(`a site with key ${input.key} already exists`, 'key')
        }
        throw error
      }
    },

    async getSite(id) {
      return mapOptional(statements().siteById.get(id), toSite)
    },

    async getSiteByKey(key) {
      return mapOptional(statements().siteByKey.get(key), toSite)
    },

    async listSites() {
      return statements().allSites.all().map(toSite)
    },

    async updateSite(id, patch) {
      return updateSiteTx.immediate(id, patch)
    },

    async createAgent(input) {
      try {
        return createAgentTx.immediate(input)
      } catch (error) {
        if (isUniqueViolation(error, 'agents.email')) {
          throw new StoreConflictError(`an agent with email ${input.email} already exists`, 'email')
        }
        throw error
      }
    },

    async getAgent(id) {
      return mapOptional(statements().agentById.get(id), toAgent)
    },

    async getAgentByEmail(email) {
      return mapOptional(statements().agentByEmail.get(email), toAgent)
    },

    async listAgentsOfSite(siteId) {
      return statements().activeAgentsOfSite.all(siteId).map(toAgent)
    },

    async countAgents() {
      return statements().countAgents.get()!
    },

    async listAgents() {
      return statements().allAgents.all().map(toAgent)
    },

    async updateAgent(id, patch) {
      try {
        return updateAgentTx.immediate(id, patch)
      } catch (error) {
        if (isUniqueViolation(error, 'agents.email')) throw new StoreConflictError('an agent with that email already exists', 'email')
        throw error
      }
    },

    async setAgentStatus(agentId, status) {
      statements().setAgentStatus.run(status, agentId)
    },

    async createSession(session) {
      statements().insertSession.run(session.tokenHash, session.agentId, session.createdAt, session.expiresAt)
    },

    async getSession(tokenHash, now) {
      return mapOptional(statements().liveSession.get(tokenHash, now), toSession)
    },

    async deleteSession(tokenHash) {
      statements().deleteSession.run(tokenHash)
    },

    async deleteSessionsOfAgent(agentId) {
      statements().deleteSessionsOfAgent.run(agentId)
    },

    async createApiToken(input) {
      return createApiTokenTx.immediate(input)
    },

    async listApiTokens() {
      return statements().allApiTokens.all().map((row) => toApiToken(row, JSON.parse(row.site_ids) as number[]))
    },

    async getApiTokenByHash(tokenHash) {
      const row = statements().liveApiTokenByHash.get(tokenHash)
      return row ? toApiToken(row, JSON.parse(row.site_ids) as number[]) : undefined
    },

    async revokeApiToken(id, now) {
      const s = statements()
      s.revokeApiToken.run(now, id)
      const row = s.apiTokenById.get(id)
      return row ? toApiToken(row, JSON.parse(row.site_ids) as number[]) : undefined
    },

    async createCannedResponse(input) {
      const now = Date.now()
      try {
        const row = statements().insertCanned.get({ siteId: input.siteId ?? null, shortcut: input.shortcut, text: input.text, now })
        return toCannedResponse(row!)
      } catch (error) {
        if (isUniqueViolation(error, 'canned_responses')) throw new StoreConflictError(`the shortcut /${input.shortcut} is taken`, 'shortcut')
        throw error
      }
    },

    async listCannedResponses(siteIds) {
      return statements().cannedOfSites.all(JSON.stringify(siteIds)).map(toCannedResponse)
    },

    async getCannedResponse(id) {
      return mapOptional(statements().cannedById.get(id), toCannedResponse)
    },

    async updateCannedResponse(id, patch) {
      const s = statements()
      const row = s.cannedById.get(id)
      if (!row) return undefined
      try {
        const updated = s.updateCanned.get({
          id,
          siteId: patch.siteId === undefined ? row.site_id : patch.siteId,
          shortcut: patch.shortcut ?? row.shortcut,
          text: patch.text ?? row.text,
          now: Date.now(),
        })
        return toCannedResponse(updated!)
      } catch (error) {
        if (isUniqueViolation(error, 'canned_responses')) throw new StoreConflictError(`the shortcut /${patch.shortcut ?? row.shortcut} is taken`, 'shortcut')
        throw error
      }
    },

    async deleteCannedResponse(id) {
      return statements().deleteCanned.run(id).changes > 0
    },

    async exportMessages(query) {
      if (query.siteIds.length === 0) return []
      const s = statements()
      // One lower bound, the later of `from` and the cursor (ids start at 1: (from, 0) is just before `from`).
      const from = query.from ?? Number.MIN_SAFE_INTEGER
      const after = query.after && query.after.createdAt >= from ? query.after : { createdAt: from, id: 0 }
      return (query.publicOnly ? s.exportPublic : s.exportAll).all({
        siteIds: JSON.stringify(query.siteIds),
        to: query.to ?? Number.MAX_SAFE_INTEGER,
        afterCreatedAt: after.createdAt,
        afterId: after.id,
        limit: query.limit,
      }).map(toExportedMessage)
    },

    async deleteVisitor(id) {
      // Conversations, messages, their search index entries, idempotency keys and webhook
      // deliveries go with it.
      const deleted = statements().deleteVisitor.run(id).changes > 0
      if (deleted) wipeWal()
      return deleted
    },

    async purgeClosedConversations(siteId, closedBefore, limit) {
      const ids = purgeTx.immediate(siteId, closedBefore, limit)
      if (ids.length > 0) wipeWal()
      return ids
    },

    async recordAudit(entry) {
      const row = statements().insertAudit.get({
        at: entry.at, actor: entry.actor, action: entry.action, siteId: entry.siteId ?? null, subject: entry.subject,
        details: JSON.stringify(entry.details),
      })
      return toAuditEntry(row!)
    },

    async listAudit({ siteIds, limit, beforeId }) {
      return statements().audit.all({
        siteIds: siteIds === undefined ? null : JSON.stringify(siteIds), limit, beforeId: beforeId ?? Number.MAX_SAFE_INTEGER,
      }).map(toAuditEntry)
    },

    async createWebhook(input) {
      webhookEvents.clear()
      const row = statements().insertWebhook.get({
        siteId: input.siteId, url: input.url, secret: input.secret, events: JSON.stringify(input.events), now: Date.now(),
      })
      return toWebhook(row!)
    },

    async listWebhooks(siteIds) {
      return statements().webhooksOfSites.all(JSON.stringify(siteIds)).map(toWebhook)
    },

    async getWebhook(id) {
      return mapOptional(statements().webhookById.get(id), toWebhook)
    },

    async updateWebhook(id, patch) {
      webhookEvents.clear()
      const s = statements()
      const row = s.webhookById.get(id)
      if (!row) return undefined
      const current = toWebhook(row)
      const updated = s.updateWebhook.get({
        id, url: patch.url ?? current.url, secret: patch.secret ?? current.secret, events: JSON.stringify(patch.events ?? current.events),
        active: (patch.active ?? current.active) ? 1 : 0,
      })
      return toWebhook(updated!)
    },

    async deleteWebhook(id) {
      webhookEvents.clear()
      return statements().deleteWebhook.run(id).changes > 0
    },

    async enqueueWebhookDeliveries(siteId, event, payload, now, conversationId) {
      // Known first: no write transaction, and no payload built, for an event nobody listens to.
      if (!webhookEvents.wanted(siteId).has(event)) return 0
      return statements().enqueueDeliveries.run({
        siteId, event, payload: typeof payload === 'string' ? payload : payload(), now, conversationId: conversationId ?? null,
      }).changes
    },

    async claimDueDeliveries({ now, limit, leaseMs, claimant }) {
      const rows = claimDeliveriesTx.immediate({ now, limit, leasedUntil: now + leaseMs, claimant })
      return rows.sort(byDueTime).map((row) => ({ ...toDelivery(row), url: row.url, secret: row.secret }))
    },

    async recordDeliveryAttempt(id, attempt) {
      return statements().recordAttempt.run({
        id,
        status: attempt.status,
        attempts: attempt.attempts,
        nextAttemptAt: attempt.nextAttemptAt,
        responseStatus: attempt.responseStatus ?? null,
        error: attempt.error ?? null,
        deliveredAt: attempt.deliveredAt ?? null,
        claimant: attempt.claimant ?? null,
      }).changes > 0
    },

    async releaseDelivery(id, claimant) {
      statements().releaseDelivery.run(id, claimant)
    },

    async listWebhookDeliveries(webhookId, limit) {
      return statements().deliveriesOfWebhook.all(webhookId, limit).map(toDelivery)
    },

    async searchMessages(query) {
      const match = toFtsQuery(query.text)
      if (match === undefined || query.siteIds.length === 0) return []
      const s = statements()
      searchIndex.catchUp()
      const statement = query.publicOnly ? s.searchPublic : s.searchAll
      return statement.all({ match, siteIds: JSON.stringify(query.siteIds), limit: query.limit }).map(toSearchHit)
    },

    createVisitor(siteId, tokenHash, profile, now) {
      return group.run(() => toVisitor(insertVisitorTx({
        siteId,
        tokenHash,
        ...profileParams(profile),
        attributes: JSON.stringify(profile.attributes ?? {}),
        now,
      })))
    },

    async getVisitorByToken(siteId, tokenHash) {
      return mapOptional(statements().visitorByToken.get(tokenHash, siteId), toVisitor)
    },

    async getVisitor(id) {
      return mapOptional(statements().visitorById.get(id), toVisitor)
    },

    async getVisitorByExternalId(siteId, externalId) {
      return mapOptional(statements().visitorByExternalId.get(siteId, externalId), toVisitor)
    },

    updateVisitor(id, profile, now) {
      return group.run(() => mapOptional(updateVisitorTx({ id, ...profileParams(profile), now }), toVisitor))
    },

    async getConversation(id) {
      return mapOptional(statements().conversationById.get(id), toConversation)
    },

    async listConversations(filter: ConversationFilter, limit: number) {
      const where = ['site_id IN (SELECT value FROM json_each(@siteIds))']
      const params: Record<string, unknown> = { siteIds: JSON.stringify(filter.siteIds), limit }
      if (filter.statuses) {
        where.push('status IN (SELECT value FROM json_each(@statuses))')
        params.statuses = JSON.stringify(filter.statuses)
      }
      if (filter.visitorId !== undefined) {
        where.push('visitor_id = @visitorId')
        params.visitorId = filter.visitorId
      }
      if (filter.assigneeId !== undefined) {
        where.push('assignee_id = @assigneeId')
        params.assigneeId = filter.assigneeId
      }
      if (filter.before) {
        where.push('(created_at, id) < (@beforeCreatedAt, @beforeId)')
        params.beforeCreatedAt = filter.before.createdAt
        params.beforeId = filter.before.id
      }
      const ranges = [
        ['createdFrom', 'created_at >='], ['createdTo', 'created_at <'], ['updatedFrom', 'updated_at >='], ['updatedTo', 'updated_at <'],
      ] as const
      for (const [name, condition] of ranges) {
        if (filter[name] === undefined) continue
        where.push(`${condition} @${name}`)
        params[name] = filter[name]
      }
      if (filter.text !== undefined) {
        const match = toFtsQuery(filter.text)
        if (match === undefined) return []
        searchIndex.catchUp()
        where.push(`id IN (SELECT messages.conversation_id FROM messages_fts JOIN messages ON messages.id = messages_fts.rowid
          WHERE messages_fts MATCH @match)`)
        params.match = match
      }
      return conversationListStatement(where.join(' AND ')).all(params).map(toConversation)
    },

    async listQueued(siteIds, limit) {
      return statements().queued.all(JSON.stringify(siteIds), limit).map(toConversation)
    },

    async countAssignedByAgent(agentIds) {
      const rows = statements().assignedCounts.all(JSON.stringify(agentIds))
      return new Map(rows.map((row) => [row.agent_id, row.assigned]))
    },

    appendVisitorMessage(input) {
      return group.run(() => appendVisitorMessageTx(input))
    },

    appendAgentMessage(input) {
      return group.run(() => appendAgentMessageTx(input))
    },

    startConversation(input) {
      return group.run(() => startConversationTx(input))
    },

    transition(input) {
      return group.run(() => transitionTx(input))
    },

    async findMessageByApiKey(apiKey) {
      return mapOptional(statements().idempotentMessage.get(apiKey.tokenId, apiKey.key), toMessage)
    },

    async findMessageByClientId(role, authorId, clientId) {
      const row = statements().messageByClientId.get(role, authorId, clientId)
      return row ? toMessage(row) : undefined
    },

    async messagesAfter(conversationId, afterSeq, limit, options) {
      const s = statements()
      return (options?.publicOnly ? s.publicMessagesAfter : s.messagesAfter).all(conversationId, afterSeq, limit).map(toMessage)
    },

    async messagesBefore(conversationId, beforeSeq, limit, options) {
      const s = statements()
      return (options?.publicOnly ? s.publicMessagesBefore : s.messagesBefore).all(conversationId, beforeSeq, limit).map(toMessage)
    },

    markRead(conversationId: number, role: Role, seq: number) {
      return group.run(() => mapOptional(markReadTx(conversationId, role, seq), toConversation))
    },

    // A SQLite file serves one Parley server process (several nodes need PostgreSQL), so a lock
    // held in this process's memory is held everywhere that matters. CLI commands opening the
    // same file do not run the sections this guards.
    exclusively: createLocalLocks(),
  }
}

// --- Statements -------------------------------------------------------------------------------

type Statements = ReturnType<typeof prepareStatements>

function prepareStatements(db: Database.Database, path: string) {
  const version = userVersion(db)
  if (version !== LATEST_VERSION) {
    throw new Error(`${path} is at schema version ${version}, this build expects ${LATEST_VERSION}: call migrate() first`)
  }
  const apiTokenColumns = `api_tokens.*,
    (SELECT json_group_array(site_id ORDER BY site_id) FROM api_token_sites WHERE token_id = api_tokens.id) AS site_ids`
  const agentColumns = `agents.*,
    (SELECT json_group_array(site_id ORDER BY site_id) FROM agent_sites WHERE agent_id = agents.id) AS site_ids`

  return {
    insertSite: db.prepare<Record<string, unknown>, SiteRow>(`
      INSERT INTO sites (name, key, allowed_origins, widget, identity_secret, verified_only, retention_days, created_at)
      VALUES (@name, @key, @allowedOrigins, @widget, @identitySecret, @verifiedOnly, @retentionDays, @createdAt) RETURNING *`),
    siteById: db.prepare<[number], SiteRow>('SELECT * FROM sites WHERE id = ?'),
    siteByKey: db.prepare<[string], SiteRow>('SELECT * FROM sites WHERE key = ?'),
    allSites: db.prepare<[], SiteRow>('SELECT * FROM sites ORDER BY id'),
    updateSite: db.prepare<Record<string, unknown>>(`
      UPDATE sites SET name = @name, allowed_origins = @allowedOrigins, widget = @widget,
        identity_secret = @identitySecret, verified_only = @verifiedOnly, retention_days = @retentionDays
      WHERE id = @id`),

    insertAgent: db.prepare<Record<string, unknown>, number>(`
      INSERT INTO agents (name, email, password_hash, role, status, capacity, created_at)
      VALUES (@name, @email, @passwordHash, @role, @status, @capacity, @createdAt) RETURNING id`).pluck(),
    insertAgentSite: db.prepare<[number, number]>('INSERT INTO agent_sites (agent_id, site_id) VALUES (?, ?)'),
    agentById: db.prepare<[number], AgentRow>(`SELECT ${agentColumns} FROM agents WHERE id = ?`),
    // The column's NOCASE collation makes this comparison case-insensitive.
    agentByEmail: db.prepare<[string], AgentRow>(`SELECT ${agentColumns} FROM agents WHERE email = ?`),
    activeAgentsOfSite: db.prepare<[number], AgentRow>(`
      SELECT ${agentColumns} FROM agents
      JOIN agent_sites ON agent_sites.agent_id = agents.id AND agent_sites.site_id = ?
      WHERE agents.active = 1 ORDER BY agents.id`),
    countAgents: db.prepare<[], number>('SELECT count(*) FROM agents').pluck(),
    allAgents: db.prepare<[], AgentRow>(`SELECT ${agentColumns} FROM agents ORDER BY id`),
    updateAgent: db.prepare<Record<string, unknown>>(`
      UPDATE agents SET name = @name, email = @email, password_hash = @passwordHash, role = @role, capacity = @capacity, active = @active
      WHERE id = @id`),
    deleteAgentSites: db.prepare<[number]>('DELETE FROM agent_sites WHERE agent_id = ?'),
    setAgentStatus: db.prepare<[AgentStatus, number]>('UPDATE agents SET status = ? WHERE id = ?'),

    insertSession: db.prepare<[string, number, number, number]>(
      'INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)'),
    liveSession: db.prepare<[string, number], SessionRow>(
      'SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?'),
    deleteSession: db.prepare<[string]>('DELETE FROM sessions WHERE token_hash = ?'),
    deleteSessionsOfAgent: db.prepare<[number]>('DELETE FROM sessions WHERE agent_id = ?'),

    insertApiToken: db.prepare<[string, string, number], ApiTokenRow>(
      'INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?, ?, ?) RETURNING *'),
    insertApiTokenSite: db.prepare<[number, number]>('INSERT INTO api_token_sites (token_id, site_id) VALUES (?, ?)'),
    allApiTokens: db.prepare<[], ApiTokenRow & { site_ids: string }>(`SELECT ${apiTokenColumns} FROM api_tokens ORDER BY id DESC`),
    apiTokenById: db.prepare<[number], ApiTokenRow & { site_ids: string }>(`SELECT ${apiTokenColumns} FROM api_tokens WHERE id = ?`),
    liveApiTokenByHash: db.prepare<[string], ApiTokenRow & { site_ids: string }>(
      `SELECT ${apiTokenColumns} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`),
    revokeApiToken: db.prepare<[number, number]>('UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?'),

    insertCanned: db.prepare<Record<string, unknown>, CannedRow>(`
      INSERT INTO canned_responses (site_id, shortcut, text, created_at, updated_at)
      VALUES (@siteId, @shortcut, @text, @now, @now) RETURNING *`),
    cannedOfSites: db.prepare<[string], CannedRow>(`
      SELECT * FROM canned_responses
      WHERE site_id IS NULL OR site_id IN (SELECT value FROM json_each(?))
      ORDER BY shortcut, site_id`),
    cannedById: db.prepare<[number], CannedRow>('SELECT * FROM canned_responses WHERE id = ?'),
    updateCanned: db.prepare<Record<string, unknown>, CannedRow>(`
      UPDATE canned_responses SET site_id = @siteId, shortcut = @shortcut, text = @text, updated_at = @now
      WHERE id = @id RETURNING *`),
    deleteCanned: db.prepare<[number]>('DELETE FROM canned_responses WHERE id = ?'),

    idempotentMessage: db.prepare<[number, string], MessageRow>(`
      SELECT messages.* FROM api_idempotency JOIN messages ON messages.id = api_idempotency.message_id
      WHERE api_idempotency.token_id = ? AND api_idempotency.key = ?`),
    insertIdempotency: db.prepare<[number, string, number]>('INSERT INTO api_idempotency (token_id, key, message_id) VALUES (?, ?, ?)'),

    exportAll: db.prepare<Record<string, unknown>, ExportRow>(exportSql('')),
    exportPublic: db.prepare<Record<string, unknown>, ExportRow>(exportSql('AND messages.internal = 0')),
    deleteVisitor: db.prepare<[number]>('DELETE FROM visitors WHERE id = ?'),
    closedBefore: db.prepare<[number, number, number], number>(`
      SELECT id FROM conversations WHERE site_id = ? AND status = 'closed' AND closed_at < ? ORDER BY closed_at, id LIMIT ?`).pluck(),
    deleteConversation: db.prepare<[number]>('DELETE FROM conversations WHERE id = ?'),

    insertAudit: db.prepare<Record<string, unknown>, AuditRow>(`
      INSERT INTO audit_log (at, actor, action, site_id, subject, details) VALUES (@at, @actor, @action, @siteId, @subject, @details)
      RETURNING *`),
    audit: db.prepare<Record<string, unknown>, AuditRow>(`
      SELECT * FROM audit_log
      WHERE id < @beforeId AND (@siteIds IS NULL OR site_id IN (SELECT value FROM json_each(@siteIds)))
      ORDER BY id DESC LIMIT @limit`),

    insertWebhook: db.prepare<Record<string, unknown>, WebhookRow>(`
      INSERT INTO webhooks (site_id, url, secret, events, created_at) VALUES (@siteId, @url, @secret, @events, @now) RETURNING *`),
    webhooksOfSites: db.prepare<[string], WebhookRow>(
      'SELECT * FROM webhooks WHERE site_id IN (SELECT value FROM json_each(?)) ORDER BY id'),
    webhookById: db.prepare<[number], WebhookRow>('SELECT * FROM webhooks WHERE id = ?'),
    updateWebhook: db.prepare<Record<string, unknown>, WebhookRow>(
      'UPDATE webhooks SET url = @url, secret = @secret, events = @events, active = @active WHERE id = @id RETURNING *'),
    deleteWebhook: db.prepare<[number]>('DELETE FROM webhooks WHERE id = ?'),
    webhookEventsOfSite: db.prepare<[number], string>(`
      SELECT DISTINCT wanted.value FROM webhooks, json_each(webhooks.events) AS wanted
      WHERE webhooks.site_id = ? AND webhooks.active = 1`).pluck(),
    enqueueDeliveries: db.prepare<Record<string, unknown>>(`
      INSERT INTO webhook_deliveries (webhook_id, conversation_id, event, payload, status, next_attempt_at, created_at)
      SELECT id, @conversationId, @event, @payload, 'pending', @now, @now FROM webhooks
      WHERE site_id = @siteId AND active = 1 AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = @event)`),
    // RETURNING may not read a joined table, but a subquery may: the webhook's URL and secret come that way.
    claimDeliveries: db.prepare<Record<string, unknown>, DeliveryRow & { url: string; secret: string }>(`
      UPDATE webhook_deliveries SET leased_by = @claimant, leased_until = @leasedUntil
      WHERE id IN (
        SELECT id FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at <= @now AND (leased_until IS NULL OR leased_until <= @now)
        ORDER BY next_attempt_at, id LIMIT @limit
      )
      RETURNING *,
        (SELECT url FROM webhooks WHERE webhooks.id = webhook_deliveries.webhook_id) AS url,
        (SELECT secret FROM webhooks WHERE webhooks.id = webhook_deliveries.webhook_id) AS secret`),
    recordAttempt: db.prepare<Record<string, unknown>>(`
      UPDATE webhook_deliveries SET status = @status, attempts = @attempts, next_attempt_at = @nextAttemptAt,
        response_status = @responseStatus, error = @error, delivered_at = @deliveredAt, leased_by = NULL, leased_until = NULL
      WHERE id = @id AND (@claimant IS NULL OR leased_by = @claimant)`),
    releaseDelivery: db.prepare<[number, string]>(
      'UPDATE webhook_deliveries SET leased_by = NULL, leased_until = NULL WHERE id = ? AND leased_by = ?'),
    deliveriesOfWebhook: db.prepare<[number, number], DeliveryRow>(
      'SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?'),

    searchAll: db.prepare<Record<string, unknown>, SearchRow>(searchSql('')),
    searchPublic: db.prepare<Record<string, unknown>, SearchRow>(searchSql('AND messages.internal = 0')),

    insertVisitor: db.prepare<Record<string, unknown>, VisitorRow>(`
      INSERT INTO visitors (site_id, token_hash, external_id, name, email, attributes, page_url, page_title,
        referrer, user_agent, locale, time_zone, first_seen_at, last_seen_at)
      VALUES (@siteId, @tokenHash, @externalId, @name, @email, @attributes, @pageUrl, @pageTitle,
        @referrer, @userAgent, @locale, @timeZone, @now, @now)
      RETURNING *`),
    visitorByToken: db.prepare<[string, number], VisitorRow>(
      'SELECT * FROM visitors WHERE token_hash = ? AND site_id = ?'),
    visitorById: db.prepare<[number], VisitorRow>('SELECT * FROM visitors WHERE id = ?'),
    visitorByExternalId: db.prepare<[number, string], VisitorRow>(
      'SELECT * FROM visitors WHERE site_id = ? AND external_id = ?'),
    // A NULL parameter means "not given": keep the stored value.
    updateVisitor: db.prepare<Record<string, unknown>, VisitorRow>(`
      UPDATE visitors SET
        external_id = coalesce(@externalId, external_id),
        name = coalesce(@name, name),
        email = coalesce(@email, email),
        attributes = coalesce(@attributes, attributes),
        page_url = coalesce(@pageUrl, page_url),
        page_title = coalesce(@pageTitle, page_title),
        referrer = coalesce(@referrer, referrer),
        user_agent = coalesce(@userAgent, user_agent),
        locale = coalesce(@locale, locale),
        time_zone = coalesce(@timeZone, time_zone),
        last_seen_at = @now
      WHERE id = @id RETURNING *`),

    conversationById: db.prepare<[number], ConversationRow>('SELECT * FROM conversations WHERE id = ?'),
    latestConversationOfVisitor: db.prepare<[number, number], ConversationRow>(
      `
      SELECT * FROM conversations WHERE visitor_id = ? AND site_id = ?
      ORDER BY created_at DESC, id DESC LIMIT 1`),
    insertConversation: db.prepare<[number, number, number, number], number>(`
      INSERT INTO conversations (site_id, visitor_id, status, created_at, updated_at)
      VALUES (?, ?, 'queued', ?, ?) RETURNING id`).pluck(),
    insertAssignedConversation: db.prepare<[number, number, number, number, number], number>(`
      INSERT INTO conversations (site_id, visitor_id, status, assignee_id, created_at, updated_at)
      VALUES (?, ?, 'assigned', ?, ?, ?) RETURNING id`).pluck(),
    reopenConversation: db.prepare<[number]>(
      `UPDATE conversations SET status = 'queued', assignee_id = NULL, closed_at = NULL WHERE id = ?`),
    setStatus: db.prepare<Record<string, unknown>>(`
      UPDATE conversations
      SET status = @status, assignee_id = @assigneeId, closed_at = @closedAt, updated_at = @now
      WHERE id = @id`),
    nextSeq: db.prepare<[number, number], ConversationRow>(
      'UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE id = ? RETURNING *'),
    queued: db.prepare<[string, number], ConversationRow>(`
      SELECT * FROM conversations
      WHERE status = 'queued' AND site_id IN (SELECT value FROM json_each(?))
      ORDER BY created_at, id LIMIT ?`),
    assignedCounts: db.prepare<[string], { agent_id: number; assigned: number }>(`
      SELECT assignee_id AS agent_id, count(*) AS assigned FROM conversations
      WHERE status = 'assigned' AND assignee_id IN (SELECT value FROM json_each(?))
      GROUP BY assignee_id`),
    markVisitorRead: db.prepare<[number, number], ConversationRow>(`
      UPDATE conversations SET visitor_read_seq = max(visitor_read_seq, min(?, last_seq))
      WHERE id = ? RETURNING *`),
    markAgentRead: db.prepare<[number, number], ConversationRow>(`
      UPDATE conversations SET agent_read_seq = max(agent_read_seq, min(?, last_seq))
      WHERE id = ? RETURNING *`),

    insertMessage: db.prepare<Record<string, unknown>, MessageRow>(`
      INSERT INTO messages (conversation_id, seq, kind, author_role, author_id, author_name, text,
        client_id, system_event, internal, created_at)
      VALUES (@conversationId, @seq, @kind, @authorRole, @authorId, @authorName, @text,
        @clientId, @systemEvent, @internal, @createdAt)
      RETURNING *`),
    messageByClientId: db.prepare<[AuthorRole, number, string], MessageRow>(
      'SELECT * FROM messages WHERE author_role = ? AND author_id = ? AND client_id = ?'),
    messagesAfter: db.prepare<[number, number, number], MessageRow>(
      'SELECT * FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    messagesBefore: db.prepare<[number, number, number], MessageRow>(`
      SELECT * FROM (
        SELECT * FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?
      ) ORDER BY seq`),
    publicMessagesAfter: db.prepare<[number, number, number], MessageRow>(
      'SELECT * FROM messages WHERE conversation_id = ? AND seq > ? AND internal = 0 ORDER BY seq LIMIT ?'),
    publicMessagesBefore: db.prepare<[number, number, number], MessageRow>(`
      SELECT * FROM (
        SELECT * FROM messages WHERE conversation_id = ? AND seq < ? AND internal = 0 ORDER BY seq DESC LIMIT ?
      ) ORDER BY seq`),
  }
}

/**
 * Messages in creation order after a position, with where each belongs. CROSS JOIN keeps
 * messages as the outer loop, walking messages_by_time from the position: left to itself the
 * planner starts from the sites' conversations and sorts all their messages for every page.
 */
function exportSql(extraCondition: string): string {
  return `
    SELECT messages.*, conversations.site_id AS hit_site_id, conversations.visitor_id AS hit_visitor_id
    FROM messages CROSS JOIN conversations ON conversations.id = messages.conversation_id
    WHERE (messages.created_at, messages.id) > (@afterCreatedAt, @afterId) AND messages.created_at < @to
      AND conversations.site_id IN (SELECT value FROM json_each(@siteIds)) ${extraCondition}
    ORDER BY messages.created_at, messages.id LIMIT @limit`
}

/** Newest matches first; the snippet keeps about a dozen words around the match. */
function searchSql(extraCondition: string): string {
  return `
    SELECT messages.*, conversations.site_id AS hit_site_id, conversations.visitor_id AS hit_visitor_id,
      snippet(messages_fts, 0, char(2), char(3), '…', 12) AS snippet
    FROM messages_fts
    JOIN messages ON messages.id = messages_fts.rowid
    JOIN conversations ON conversations.id = messages.conversation_id
    WHERE messages_fts MATCH @match
      AND conversations.site_id IN (SELECT value FROM json_each(@siteIds)) ${extraCondition}
    ORDER BY messages.id DESC LIMIT @limit`
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

function isUniqueViolation(error: unknown, column: string): boolean {
  return error instanceof Database.SqliteError
    && error.code === 'SQLITE_CONSTRAINT_UNIQUE'
    && error.message.includes(column)
}



// --- Rows and records -------------------------------------------------------------------------

interface NewEvent {
  kind: MessageKind
  authorRole: AuthorRole
  authorId?: number
  authorName?: string | undefined
  text: string
  clientId?: string
  systemEvent?: SystemEvent
  internal?: boolean
}

interface SiteRow {
  id: number
  name: string
  key: string
  allowed_origins: string
  widget: string
  identity_secret: string | null
  verified_only: number
  retention_days: number | null
  created_at: number
}

interface AgentRow {
  id: number
  name: string
  email: string
  password_hash: string
  role: AgentRole
  status: AgentStatus
  capacity: number
  active: number
  created_at: number
  site_ids: string
}


interface ApiTokenRow {
  id: number
  name: string
  token_hash: string
  created_at: number
  revoked_at: number | null
}

interface VisitorRow {
  id: number
  site_id: number
  token_hash: string
  external_id: string | null
  name: string | null
  email: string | null
  attributes: string
  page_url: string | null
  page_title: string | null
  referrer: string | null
  user_agent: string | null
  locale: string | null
  time_zone: string | null
  first_seen_at: number
  last_seen_at: number
}




interface ExportRow extends MessageRow {
  hit_site_id: number
  hit_visitor_id: number
}

interface AuditRow {
  id: number
  at: number
  actor: string
  action: string
  site_id: number | null
  subject: string
  details: string
}

interface WebhookRow {
  id: number
  site_id: number
  url: string
  secret: string
  events: string
  active: number
  created_at: number
}


interface SearchRow extends MessageRow {
  hit_site_id: number
  hit_visitor_id: number
  snippet: string
}

function mapOptional<Row, Record>(row: Row | undefined, map: (row: Row) => Record): Record | undefined {
  return row === undefined ? undefined : map(row)
}


function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    name: row.name,
    key: row.key,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    widget: JSON.parse(row.widget) as WidgetSettings,
    ...(row.identity_secret === null ? {} : { identitySecret: row.identity_secret }),
    verifiedOnly: row.verified_only === 1,
    ...(row.retention_days === null ? {} : { retentionDays: row.retention_days }),
    createdAt: row.created_at,
  }
}

function toAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    status: row.status,
    capacity: row.capacity,
    siteIds: JSON.parse(row.site_ids) as number[],
    active: row.active === 1,
    createdAt: row.created_at,
  }
}


function toApiToken(row: ApiTokenRow, siteIds: number[]): ApiToken {
  return withPresent<ApiToken>(
    { id: row.id, name: row.name, tokenHash: row.token_hash, siteIds, createdAt: row.created_at },
    { revokedAt: row.revoked_at },
  )
}

function toVisitor(row: VisitorRow): Visitor {
  return withPresent<Visitor>({
    id: row.id,
    siteId: row.site_id,
    attributes: JSON.parse(row.attributes) as Visitor['attributes'],
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
  }, {
    externalId: row.external_id,
    name: row.name,
    email: row.email,
    pageUrl: row.page_url,
    pageTitle: row.page_title,
    referrer: row.referrer,
    userAgent: row.user_agent,
    locale: row.locale,
    timeZone: row.time_zone,
  })
}


function toExportedMessage(row: ExportRow): ExportedMessage {
  return { ...toMessage(row), siteId: row.hit_site_id, visitorId: row.hit_visitor_id }
}

function toAuditEntry(row: AuditRow): AuditEntry {
  return withPresent<AuditEntry>(
    { id: row.id, at: row.at, actor: row.actor, action: row.action, subject: row.subject, details: JSON.parse(row.details) as AuditEntry['details'] },
    { siteId: row.site_id },
  )
}

function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id, siteId: row.site_id, url: row.url, secret: row.secret, events: JSON.parse(row.events) as WebhookEvent[],
    active: row.active === 1, createdAt: row.created_at,
  }
}


function toSearchHit(row: SearchRow): SearchHit {
  return { message: toMessage(row), siteId: row.hit_site_id, visitorId: row.hit_visitor_id, snippet: row.snippet }
}



/**
 * Which events each site's active webhooks want, kept in memory: every event of every chat asks,
 * and most sites have no webhook. This store forgets it all whenever it changes a webhook; a
 * change made through another process on the same file counts after WEBHOOK_EVENTS_TTL_MS.
 */
function rememberWebhookEvents(read: (siteId: number) => string[]) {
  const known = new Map<number, { events: Set<string>; readAt: number }>()
  return {
    wanted(siteId: number): Set<string> {
      const now = Date.now()
      let entry = known.get(siteId)
      if (!entry || now - entry.readAt > WEBHOOK_EVENTS_TTL_MS) {
        entry = { events: new Set(read(siteId)), readAt: now }
        known.set(siteId, entry)
      }
      return entry.events
    },
    clear() {
      known.clear()
    },
  }
}

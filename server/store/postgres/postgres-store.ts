/**
 * The Store on PostgreSQL through a pg connection pool, so that several Parley nodes can share
 * one database. Each event-writing call is one transaction; the conversation's sequence number
 * comes from `UPDATE … SET last_seq = last_seq + 1 RETURNING last_seq`, whose row lock makes
 * concurrent writers on any node take turns. Idempotent writes lean on unique constraints: a
 * writer that loses a race to store the same client id gets the stored original back.
 */
import pg from 'pg'
import type { AgentStatus, AuthorRole, Role, SystemEvent } from '../../../protocol/index.js'
import { StoreConflictError } from '../errors.js'
import type {
  AgentPatch, ApiIdempotency, ConversationFilter, NewAgent, NewApiToken, SitePatch, StartConversationResult, Store,
} from '../store.js'
import type { Conversation, Message, MessageKind } from '../types.js'
import { createAdvisoryLocks } from './advisory-locks.js'
import { migrations } from './migrations.js'
import {
  byDueTime, matchesFrom, profileParams, toCannedResponse, toConversation, toDelivery, toMessage, toSession,
  type CannedRow, type ConversationRow, type DeliveryRow, type MessageRow, type SessionRow,
} from '../shared-rows.js'
import {
  MESSAGE_COLUMNS, toAgent, toApiToken, toAuditEntry, toExportedMessage, toSearchHit, toSite, toVisitor, toWebhook,
} from './rows.js'
import type { AgentRow, ApiTokenRow, AuditRow, PlacedMessageRow, SearchRow, SiteRow, VisitorRow, WebhookRow } from './rows.js'
import { hasSearchableWords, searchQuerySql, unfoldSnippet } from './search-query.js'

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` */
  connectionString: string
  /** The schema Parley's tables live in (created by `migrate()` if missing). */
  schema?: string
  /** Connections kept per node. */
  maxConnections?: number
}

export interface PostgresStore extends Store {
  readonly kind: 'postgres'
  readonly schema: string
}

/** A new agent has never connected; the chat service brings them online on first connection. */
const INITIAL_AGENT_STATUS: AgentStatus = 'offline'
const REOPENED_TEXT = 'Conversation reopened'
const LATEST_VERSION = Math.max(0, ...migrations.map((migration) => migration.version))
const UNIQUE_VIOLATION = '23505'
const INT8_OID = 20
/** Schema names are put into connection options and SQL: plain identifiers only. */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/
/** Which field a broken uniqueness rule is about, by constraint name. */
const CONFLICT_FIELDS: Record<string, string> = {
  sites_key_unique: 'key',
  agents_email_unique: 'email',
  canned_responses_shortcut_unique: 'shortcut',
}
/** The idempotency keys: a violation means another writer stored this message first. */
const IDEMPOTENCY_CONSTRAINTS = new Set(['messages_client_id_unique', 'api_idempotency_unique'])
/** ts_headline's options: the marks SearchHit.snippet promises, about a dozen words around the match. */
const HEADLINE_OPTIONS = 'StartSel=\u0002, StopSel=\u0003, MaxWords=15, MinWords=10, ShortWord=0, HighlightAll=false'

/** BIGINT ids, times and counts as numbers: all of them stay below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number.parseInt(value, 10) : pg.types.getTypeParser(oid, format ?? 'text')
  ) as typeof pg.types.getTypeParser,
}

type Queryable = pg.Pool | pg.PoolClient

async function all<Row extends pg.QueryResultRow>(db: Queryable, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await db.query<Row>(sql, params)).rows
}

async function first<Row extends pg.QueryResultRow>(db: Queryable, sql: string, params: unknown[] = []): Promise<Row | undefined> {
  return (await db.query<Row>(sql, params)).rows[0]
}

function isUniqueViolation(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError && error.code === UNIQUE_VIOLATION
}

/** A StoreConflictError for a broken uniqueness rule of the caller's making; anything else as it was. */
function asConflict(error: unknown, message: (field: string) => string): unknown {
  if (!isUniqueViolation(error)) return error
  const field = CONFLICT_FIELDS[error.constraint ?? '']
  return field === undefined ? error : new StoreConflictError(message(field), field)
}

const agentColumns = `agents.*,
  (SELECT coalesce(json_agg(site_id ORDER BY site_id), '[]') FROM agent_sites WHERE agent_id = agents.id) AS site_ids`
const apiTokenColumns = `api_tokens.*,
  (SELECT coalesce(json_agg(site_id ORDER BY site_id), '[]') FROM api_token_sites WHERE token_id = api_tokens.id) AS site_ids`

interface NewEvent {
  kind: MessageKind
  authorRole: AuthorRole
  authorId?: number | undefined
  authorName?: string | undefined
  text: string
  clientId?: string
  systemEvent?: SystemEvent
  internal?: boolean | undefined
}

function systemEvent(event: SystemEvent, text: string): NewEvent {
  return { kind: 'system', authorRole: 'system', text, systemEvent: event }
}

/**
 * Opens a pool on a PostgreSQL database. Call `migrate()` before anything else.
 *
 * @example
 * const store = openPostgresStore({ connectionString: 'postgres://parley@db/parley' })
 * await store.migrate()
 */
export function openPostgresStore({ connectionString, schema = 'public', maxConnections = 10 }: PostgresStoreOptions): PostgresStore {
  if (!PLAIN_IDENTIFIER.test(schema)) throw new Error(`schema "${schema}" must be a plain lower-case identifier`)
  // search_path is set as a startup option, so every pooled connection has it from its first query.
  const pool = new pg.Pool({ connectionString, max: maxConnections, options: `-c search_path=${schema}`, types })
  // An idle connection the server drops must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  const locks = createAdvisoryLocks(connectionString, schema)
  let closed = false

  /** Runs `work` in one transaction on one connection, rolling back if it throws. */
  async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }

  /**
   * Runs an idempotent write; when another writer stored the same client id or Idempotency-Key
   * first (a unique violation, after which this transaction rolled back), answers with `original`.
   */
  async function idempotently<T>(write: () => Promise<T>, original: () => Promise<T | undefined>): Promise<T> {
    try {
      return await write()
    } catch (error) {
      if (!(isUniqueViolation(error) && IDEMPOTENCY_CONSTRAINTS.has(error.constraint ?? ''))) throw error
      const stored = await original()
      if (stored === undefined) throw error
      return stored
    }
  }

  async function conversationById(db: Queryable, id: number): Promise<Conversation> {
    const row = await first<ConversationRow>(db, 'SELECT * FROM conversations WHERE id = $1', [id])
    if (!row) throw new Error(`conversation ${id} not found`)
    return toConversation(row)
  }

  /** Takes the conversation's next sequence number and writes the event with it, in one statement. */
  async function appendEvent(client: pg.PoolClient, conversationId: number, event: NewEvent, now: number): Promise<Message> {
    const row = await first<MessageRow>(client, `
      WITH next AS (
        UPDATE conversations SET last_seq = last_seq + 1, updated_at = $2 WHERE id = $1 RETURNING id, last_seq
      )
      INSERT INTO messages (conversation_id, seq, kind, author_role, author_id, author_name, text, client_id, system_event, internal, created_at)
      SELECT next.id, next.last_seq, $3, $4, $5, $6, $7, $8, $9, $10, $2 FROM next
      RETURNING ${MESSAGE_COLUMNS}`, [
      conversationId, now, event.kind, event.authorRole, event.authorId ?? null, event.authorName ?? null, event.text,
      event.clientId ?? null, event.systemEvent ?? null, event.internal ?? false,
    ])
    if (!row) throw new Error(`conversation ${conversationId} not found`)
    return toMessage(row)
  }

  async function messageByClientId(db: Queryable, role: AuthorRole, authorId: number, clientId: string): Promise<MessageRow | undefined> {
    return first<MessageRow>(db, `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE author_role = $1 AND author_id = $2 AND client_id = $3`,
      [role, authorId, clientId])
  }

  async function messageByApiKey(db: Queryable, apiKey: ApiIdempotency): Promise<MessageRow | undefined> {
    return first<MessageRow>(db, `
      SELECT ${MESSAGE_COLUMNS} FROM api_idempotency JOIN messages ON messages.id = api_idempotency.message_id
      WHERE api_idempotency.token_id = $1 AND api_idempotency.key = $2`, [apiKey.tokenId, apiKey.key])
  }

  /** The message stored earlier under this Idempotency-Key or, for an agent, this client id. */
  async function storedBefore(db: Queryable, agentId: number | undefined, clientId: string, apiKey: ApiIdempotency | undefined) {
    const byKey = apiKey ? await messageByApiKey(db, apiKey) : undefined
    return byKey ?? (agentId === undefined ? undefined : await messageByClientId(db, 'agent', agentId, clientId))
  }

  async function rememberKey(client: pg.PoolClient, apiKey: ApiIdempotency | undefined, messageId: number) {
    if (apiKey) await client.query('INSERT INTO api_idempotency (token_id, key, message_id) VALUES ($1, $2, $3)', [apiKey.tokenId, apiKey.key, messageId])
  }

  /**
   * Locks the visitor's row, then their latest conversation: one visitor's writes take turns, so
   * two first messages cannot open two conversations, and no transition slips in between
   * reading the conversation's status and writing to it.
   */
  async function lockLatestConversation(client: pg.PoolClient, visitorId: number, siteId: number): Promise<ConversationRow | undefined> {
    await client.query('SELECT 1 FROM visitors WHERE id = $1 FOR NO KEY UPDATE', [visitorId])
    return first<ConversationRow>(client, `
      SELECT * FROM conversations WHERE visitor_id = $1 AND site_id = $2
      ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE`, [visitorId, siteId])
  }

  async function insertConversation(client: pg.PoolClient, siteId: number, visitorId: number, assigneeId: number | undefined, now: number) {
    const row = await first<{ id: number }>(client, `
      INSERT INTO conversations (site_id, visitor_id, status, assignee_id, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, [siteId, visitorId, assigneeId === undefined ? 'queued' : 'assigned', assigneeId ?? null, now])
    return row!.id
  }

  async function setAgentSites(client: pg.PoolClient, agentId: number, siteIds: number[]) {
    await client.query('DELETE FROM agent_sites WHERE agent_id = $1', [agentId])
    await client.query('INSERT INTO agent_sites (agent_id, site_id) SELECT $1, unnest($2::bigint[])', [agentId, [...new Set(siteIds)]])
  }

  async function agentById(db: Queryable, id: number) {
    return first<AgentRow>(db, `SELECT ${agentColumns} FROM agents WHERE id = $1`, [id])
  }

  async function apiTokenById(db: Queryable, id: number) {
    return first<ApiTokenRow>(db, `SELECT ${apiTokenColumns} FROM api_tokens WHERE id = $1`, [id])
  }

  /** Takes the migration lock, creating the schema and the migrations table if missing; the versions applied so far. */
  async function lockSchema(client: pg.PoolClient): Promise<number[]> {
    // Several nodes starting at once wait here in turn; the lock ends with the transaction.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('parley migrations ' || $1))`, [schema])
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at BIGINT NOT NULL
      )`)
    return (await all<{ version: number }>(client, 'SELECT version FROM schema_migrations ORDER BY version')).map((row) => row.version)
  }

  return {
    kind: 'postgres',
    schema,

    async migrate() {
      const applied: number[] = []
      // One transaction per migration: a failure keeps the ones before it.
      for (;;) {
        const next = await transaction(async (client) => {
          const done = await lockSchema(client)
          const current = Math.max(0, ...done)
          if (current > LATEST_VERSION) {
            throw new Error(`schema ${schema} is at version ${current}, newer than this build knows (${LATEST_VERSION})`)
          }
          const migration = migrations.find((candidate) => !done.includes(candidate.version))
          if (!migration) return undefined
          await client.query(migration.sql)
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [migration.version, migration.name, Date.now()])
          return migration.version
        })
        if (next === undefined) return applied
        applied.push(next)
      }
    },

    async close() {
      if (closed) return
      closed = true
      await Promise.all([pool.end(), locks.close()])
    },

    async createSite(input) {
      try {
        const row = await first<SiteRow>(pool, `
          INSERT INTO sites (name, key, allowed_origins, widget, identity_secret, verified_only, retention_days, created_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`, [
          input.name, input.key, JSON.stringify(input.allowedOrigins), JSON.stringify(input.widget), input.identitySecret ?? null,
          input.verifiedOnly ?? false, input.retentionDays ?? null, Date.now(),
        ])
        return toSite(row!)
      } catch (error) {
        throw asConflict(error, () => `a site with key ${input.key} already exists`)
      }
    },

    async getSite(id) {
      const row = await first<SiteRow>(pool, 'SELECT * FROM sites WHERE id = $1', [id])
      return row && toSite(row)
    },

    async getSiteByKey(key) {
      const row = await first<SiteRow>(pool, 'SELECT * FROM sites WHERE key = $1', [key])
      return row && toSite(row)
    },

    async listSites() {
      return (await all<SiteRow>(pool, 'SELECT * FROM sites ORDER BY id')).map(toSite)
    },

    async updateSite(id, patch: SitePatch) {
      return transaction(async (client) => {
        const row = await first<SiteRow>(client, 'SELECT * FROM sites WHERE id = $1 FOR UPDATE', [id])
        if (!row) return undefined
        const current = toSite(row)
        const updated = await first<SiteRow>(client, `
          UPDATE sites SET name = $2, allowed_origins = $3, widget = $4, identity_secret = $5, verified_only = $6, retention_days = $7
          WHERE id = $1 RETURNING *`, [
          id,
          patch.name ?? current.name,
          JSON.stringify(patch.allowedOrigins ?? current.allowedOrigins),
          JSON.stringify(patch.widget ?? current.widget),
          patch.identitySecret === undefined ? current.identitySecret ?? null : patch.identitySecret,
          patch.verifiedOnly ?? current.verifiedOnly,
          patch.retentionDays === undefined ? current.retentionDays ?? null : patch.retentionDays,
        ])
        return toSite(updated!)
      })
    },

    async createAgent(input: NewAgent) {
      try {
        return await transaction(async (client) => {
          const row = await first<{ id: number }>(client, `
            INSERT INTO agents (name, email, password_hash, role, status, capacity, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [input.name, input.email, input.passwordHash, input.role, INITIAL_AGENT_STATUS, input.capacity, Date.now()])
          await setAgentSites(client, row!.id, input.siteIds)
          return toAgent((await agentById(client, row!.id))!)
        })
      } catch (error) {
        throw asConflict(error, () => `an agent with email ${input.email} already exists`)
      }
    },

    async getAgent(id) {
      const row = await agentById(pool, id)
      return row && toAgent(row)
    },

    async getAgentByEmail(email) {
      const row = await first<AgentRow>(pool, `SELECT ${agentColumns} FROM agents WHERE lower(email) = lower($1)`, [email])
      return row && toAgent(row)
    },

    async listAgentsOfSite(siteId) {
      return (await all<AgentRow>(pool, `
        SELECT ${agentColumns} FROM agents
        JOIN agent_sites ON agent_sites.agent_id = agents.id AND agent_sites.site_id = $1
        WHERE agents.active ORDER BY agents.id`, [siteId])).map(toAgent)
    },

    async countAgents() {
      return (await first<{ count: number }>(pool, 'SELECT count(*) AS count FROM agents'))!.count
    },

    async listAgents() {
      return (await all<AgentRow>(pool, `SELECT ${agentColumns} FROM agents ORDER BY id`)).map(toAgent)
    },

    async updateAgent(id, patch: AgentPatch) {
      try {
        return await transaction(async (client) => {
          const row = await first<AgentRow>(client, `SELECT ${agentColumns} FROM agents WHERE id = $1 FOR UPDATE`, [id])
          if (!row) return undefined
          const current = toAgent(row)
          await client.query(`
            UPDATE agents SET name = $2, email = $3, password_hash = $4, role = $5, capacity = $6, active = $7 WHERE id = $1`, [
            id, patch.name ?? current.name, patch.email ?? current.email, patch.passwordHash ?? current.passwordHash,
            patch.role ?? current.role, patch.capacity ?? current.capacity, patch.active ?? current.active,
          ])
          if (patch.siteIds) await setAgentSites(client, id, patch.siteIds)
          return toAgent((await agentById(client, id))!)
        })
      } catch (error) {
        throw asConflict(error, () => 'an agent with that email already exists')
      }
    },

    async setAgentStatus(agentId, status) {
      await pool.query('UPDATE agents SET status = $1 WHERE id = $2', [status, agentId])
    },

    async createSession(session) {
      await pool.query('INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
        [session.tokenHash, session.agentId, session.createdAt, session.expiresAt])
    },

    async getSession(tokenHash, now) {
      const row = await first<SessionRow>(pool, 'SELECT * FROM sessions WHERE token_hash = $1 AND expires_at > $2', [tokenHash, now])
      return row && toSession(row)
    },

    async deleteSession(tokenHash) {
      await pool.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash])
    },

    async deleteSessionsOfAgent(agentId) {
      await pool.query('DELETE FROM sessions WHERE agent_id = $1', [agentId])
    },

    async createApiToken(input: NewApiToken) {
      return transaction(async (client) => {
        const row = await first<{ id: number }>(client,
          'INSERT INTO api_tokens (name, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id', [input.name, input.tokenHash, Date.now()])
        await client.query('INSERT INTO api_token_sites (token_id, site_id) SELECT $1, unnest($2::bigint[])', [row!.id, [...new Set(input.siteIds)]])
        return toApiToken((await apiTokenById(client, row!.id))!)
      })
    },

    async listApiTokens() {
      return (await all<ApiTokenRow>(pool, `SELECT ${apiTokenColumns} FROM api_tokens ORDER BY id DESC`)).map(toApiToken)
    },

    async getApiTokenByHash(tokenHash) {
      const row = await first<ApiTokenRow>(pool,
        `SELECT ${apiTokenColumns} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, [tokenHash])
      return row && toApiToken(row)
    },

    async revokeApiToken(id, now) {
      await pool.query('UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2', [now, id])
      const row = await apiTokenById(pool, id)
      return row && toApiToken(row)
    },

    async createCannedResponse(input) {
      try {
        const row = await first<CannedRow>(pool, `
          INSERT INTO canned_responses (site_id, shortcut, text, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING *`,
        [input.siteId ?? null, input.shortcut, input.text, Date.now()])
        return toCannedResponse(row!)
      } catch (error) {
        throw asConflict(error, () => `the shortcut /${input.shortcut} is taken`)
      }
    },

    async listCannedResponses(siteIds) {
      // NULLS FIRST and byte order, as SQLite sorts.
      return (await all<CannedRow>(pool, `
        SELECT * FROM canned_responses WHERE site_id IS NULL OR site_id = ANY($1::bigint[])
        ORDER BY shortcut COLLATE "C", site_id NULLS FIRST`, [siteIds])).map(toCannedResponse)
    },

    async getCannedResponse(id) {
      const row = await first<CannedRow>(pool, 'SELECT * FROM canned_responses WHERE id = $1', [id])
      return row && toCannedResponse(row)
    },

    async updateCannedResponse(id, patch) {
      const row = await first<CannedRow>(pool, 'SELECT * FROM canned_responses WHERE id = $1', [id])
      if (!row) return undefined
      const shortcut = patch.shortcut ?? row.shortcut
      try {
        const updated = await first<CannedRow>(pool, `
          UPDATE canned_responses SET site_id = $2, shortcut = $3, text = $4, updated_at = $5 WHERE id = $1 RETURNING *`,
        [id, patch.siteId === undefined ? row.site_id : patch.siteId, shortcut, patch.text ?? row.text, Date.now()])
        return updated && toCannedResponse(updated)
      } catch (error) {
        throw asConflict(error, () => `the shortcut /${shortcut} is taken`)
      }
    },

    async deleteCannedResponse(id) {
      return ((await pool.query('DELETE FROM canned_responses WHERE id = $1', [id])).rowCount ?? 0) > 0
    },

    async searchMessages(query) {
      if (!hasSearchableWords(query.text) || query.siteIds.length === 0) return []
      const rows = await all<SearchRow & { folded_text: string }>(pool, `
        WITH query AS (SELECT ${searchQuerySql('$1')} AS match)
        SELECT ${MESSAGE_COLUMNS}, conversations.site_id AS hit_site_id, conversations.visitor_id AS hit_visitor_id,
          found.folded_text, ts_headline('simple', found.folded_text, query.match, $4) AS snippet
        FROM query, messages JOIN conversations ON conversations.id = messages.conversation_id,
          LATERAL (SELECT fold_for_search(messages.text) AS folded_text) AS found
        WHERE messages.search_vector @@ query.match AND conversations.site_id = ANY($2::bigint[])
          ${query.publicOnly ? 'AND NOT messages.internal' : ''}
        ORDER BY messages.id DESC LIMIT $3`, [query.text, query.siteIds, query.limit, HEADLINE_OPTIONS])
      return rows.map((row) => toSearchHit({ ...row, snippet: unfoldSnippet(row.snippet, row.folded_text, row.text) }))
    },

    async exportMessages(query) {
      if (query.siteIds.length === 0) return []
      // One lower bound, the later of `from` and the cursor (ids start at 1: (from, 0) is just before `from`).
      const from = query.from ?? Number.MIN_SAFE_INTEGER
      const after = query.after && query.after.createdAt >= from ? query.after : { createdAt: from, id: 0 }
      return (await all<PlacedMessageRow>(pool, `
        SELECT ${MESSAGE_COLUMNS}, conversations.site_id AS hit_site_id, conversations.visitor_id AS hit_visitor_id
        FROM messages JOIN conversations ON conversations.id = messages.conversation_id
        WHERE (messages.created_at, messages.id) > ($1, $2) AND messages.created_at < $3
          AND conversations.site_id = ANY($4::bigint[]) ${query.publicOnly ? 'AND NOT messages.internal' : ''}
        ORDER BY messages.created_at, messages.id LIMIT $5`,
      [after.createdAt, after.id, query.to ?? Number.MAX_SAFE_INTEGER, query.siteIds, query.limit])).map(toExportedMessage)
    },

    async deleteVisitor(id) {
      // Conversations, messages (with their search vectors), idempotency keys and webhook
      // deliveries go with it. The old row versions stay in the table files until VACUUM
      // reclaims them: PostgreSQL cannot promise "no bytes left" the way SQLite's secure_delete does.
      return ((await pool.query('DELETE FROM visitors WHERE id = $1', [id])).rowCount ?? 0) > 0
    },

    async purgeClosedConversations(siteId, closedBefore, limit) {
      // SKIP LOCKED: two nodes purging at once take different conversations.
      const rows = await all<{ id: number; closed_at: number }>(pool, `
        DELETE FROM conversations WHERE id IN (
          SELECT id FROM conversations WHERE site_id = $1 AND status = 'closed' AND closed_at < $2
          ORDER BY closed_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
        ) RETURNING id, closed_at`, [siteId, closedBefore, limit])
      // DELETE … RETURNING promises no order: oldest first, as selected.
      return rows.sort((a, b) => a.closed_at - b.closed_at || a.id - b.id).map((row) => row.id)
    },

    async recordAudit(entry) {
      const row = await first<AuditRow>(pool, `
        INSERT INTO audit_log (at, actor, action, site_id, subject, details) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [entry.at, entry.actor, entry.action, entry.siteId ?? null, entry.subject, JSON.stringify(entry.details)])
      return toAuditEntry(row!)
    },

    async listAudit({ siteIds, limit, beforeId }) {
      return (await all<AuditRow>(pool, `
        SELECT * FROM audit_log WHERE id < $1 AND ($2::bigint[] IS NULL OR site_id = ANY($2::bigint[]))
        ORDER BY id DESC LIMIT $3`, [beforeId ?? Number.MAX_SAFE_INTEGER, siteIds ?? null, limit])).map(toAuditEntry)
    },

    async createWebhook(input) {
      const row = await first<WebhookRow>(pool, `
        INSERT INTO webhooks (site_id, url, secret, events, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [input.siteId, input.url, input.secret, JSON.stringify(input.events), Date.now()])
      return toWebhook(row!)
    },

    async listWebhooks(siteIds) {
      return (await all<WebhookRow>(pool, 'SELECT * FROM webhooks WHERE site_id = ANY($1::bigint[]) ORDER BY id', [siteIds])).map(toWebhook)
    },

    async getWebhook(id) {
      const row = await first<WebhookRow>(pool, 'SELECT * FROM webhooks WHERE id = $1', [id])
      return row && toWebhook(row)
    },

    async updateWebhook(id, patch) {
      const row = await first<WebhookRow>(pool, `
        UPDATE webhooks SET url = coalesce($2, url), secret = coalesce($3, secret), events = coalesce($4::json, events),
          active = coalesce($5, active)
        WHERE id = $1 RETURNING *`,
      [id, patch.url ?? null, patch.secret ?? null, patch.events === undefined ? null : JSON.stringify(patch.events), patch.active ?? null])
      return row && toWebhook(row)
    },

    async deleteWebhook(id) {
      return ((await pool.query('DELETE FROM webhooks WHERE id = $1', [id])).rowCount ?? 0) > 0
    },

    async enqueueWebhookDeliveries(siteId, event, payload, now, conversationId) {
      const result = await pool.query(`
        INSERT INTO webhook_deliveries (webhook_id, conversation_id, event, payload, status, next_attempt_at, created_at)
        SELECT id, $1, $2, $3, 'pending', $4, $4 FROM webhooks
        WHERE site_id = $5 AND active AND EXISTS (SELECT 1 FROM json_array_elements_text(webhooks.events) AS wanted WHERE wanted = $2)`,
      // Built in any case: asking first would cost a round trip to the database of its own.
      [conversationId ?? null, event, typeof payload === 'string' ? payload : payload(), now, siteId])
      return result.rowCount ?? 0
    },

    async claimDueDeliveries({ now, limit, leaseMs, claimant }) {
      // SKIP LOCKED: a row another node is leasing right now is passed over, not waited for, so
      // two nodes claiming at once take disjoint sets. A row whose lease that node has just
      // committed is read again under READ COMMITTED, and the lease check then leaves it out.
      const rows = await all<DeliveryRow & { url: string; secret: string }>(pool, `
        WITH due AS (
          SELECT id FROM webhook_deliveries
          WHERE status = 'pending' AND next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until <= $1)
          ORDER BY next_attempt_at, id LIMIT $2
          FOR UPDATE SKIP LOCKED
        )
        UPDATE webhook_deliveries SET leased_by = $3, leased_until = $4
        FROM due, webhooks
        WHERE webhook_deliveries.id = due.id AND webhooks.id = webhook_deliveries.webhook_id
        RETURNING webhook_deliveries.*, webhooks.url, webhooks.secret`, [now, limit, claimant, now + leaseMs])
      return rows.sort(byDueTime).map((row) => ({ ...toDelivery(row), url: row.url, secret: row.secret }))
    },

    async recordDeliveryAttempt(id, attempt) {
      const result = await pool.query(`
        UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4, response_status = $5, error = $6, delivered_at = $7,
          leased_by = NULL, leased_until = NULL
        WHERE id = $1 AND ($8::text IS NULL OR leased_by = $8)`, [
        id, attempt.status, attempt.attempts, attempt.nextAttemptAt, attempt.responseStatus ?? null, attempt.error ?? null,
        attempt.deliveredAt ?? null, attempt.claimant ?? null,
      ])
      return (result.rowCount ?? 0) > 0
    },

    async releaseDelivery(id, claimant) {
      await pool.query('UPDATE webhook_deliveries SET leased_by = NULL, leased_until = NULL WHERE id = $1 AND leased_by = $2', [id, claimant])
    },

    async listWebhookDeliveries(webhookId, limit) {
      return (await all<DeliveryRow>(pool, 'SELECT * FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2',
        [webhookId, limit])).map(toDelivery)
    },

    async createVisitor(siteId, tokenHash, profile, now) {
      const p = profileParams(profile)
      const row = await first<VisitorRow>(pool, `
        INSERT INTO visitors (site_id, token_hash, external_id, name, email, attributes, page_url, page_title, referrer, user_agent,
          locale, time_zone, first_seen_at, last_seen_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING *`, [
        siteId, tokenHash, p.externalId, p.name, p.email, JSON.stringify(profile.attributes ?? {}), p.pageUrl, p.pageTitle, p.referrer,
        p.userAgent, p.locale, p.timeZone, now,
      ])
      return toVisitor(row!)
    },

    async getVisitorByToken(siteId, tokenHash) {
      const row = await first<VisitorRow>(pool, 'SELECT * FROM visitors WHERE token_hash = $1 AND site_id = $2', [tokenHash, siteId])
      return row && toVisitor(row)
    },

    async getVisitor(id) {
      const row = await first<VisitorRow>(pool, 'SELECT * FROM visitors WHERE id = $1', [id])
      return row && toVisitor(row)
    },

    async getVisitorByExternalId(siteId, externalId) {
      const row = await first<VisitorRow>(pool, 'SELECT * FROM visitors WHERE site_id = $1 AND external_id = $2', [siteId, externalId])
      return row && toVisitor(row)
    },

    async updateVisitor(id, profile, now) {
      const p = profileParams(profile)
      // A NULL parameter means "not given": keep the stored value.
      const row = await first<VisitorRow>(pool, `
        UPDATE visitors SET
          external_id = coalesce($2, external_id), name = coalesce($3, name), email = coalesce($4, email),
          attributes = coalesce($5::json, attributes), page_url = coalesce($6, page_url), page_title = coalesce($7, page_title),
          referrer = coalesce($8, referrer), user_agent = coalesce($9, user_agent), locale = coalesce($10, locale),
          time_zone = coalesce($11, time_zone), last_seen_at = $12
        WHERE id = $1 RETURNING *`, [
        id, p.externalId, p.name, p.email, p.attributes, p.pageUrl, p.pageTitle, p.referrer, p.userAgent, p.locale, p.timeZone, now,
      ])
      return row && toVisitor(row)
    },

    async getConversation(id) {
      const row = await first<ConversationRow>(pool, 'SELECT * FROM conversations WHERE id = $1', [id])
      return row && toConversation(row)
    },

    async listConversations(filter: ConversationFilter, limit: number) {
      const params: unknown[] = []
      const param = (value: unknown) => {
        params.push(value)
        return `$${params.length}`
      }
      const where = [`site_id = ANY(${param(filter.siteIds)}::bigint[])`]
      if (filter.statuses) where.push(`status = ANY(${param(filter.statuses)}::text[])`)
      if (filter.visitorId !== undefined) where.push(`visitor_id = ${param(filter.visitorId)}`)
      if (filter.assigneeId !== undefined) where.push(`assignee_id = ${param(filter.assigneeId)}`)
      if (filter.before) where.push(`(created_at, id) < (${param(filter.before.createdAt)}, ${param(filter.before.id)})`)
      if (filter.createdFrom !== undefined) where.push(`created_at >= ${param(filter.createdFrom)}`)
      if (filter.createdTo !== undefined) where.push(`created_at < ${param(filter.createdTo)}`)
      if (filter.updatedFrom !== undefined) where.push(`updated_at >= ${param(filter.updatedFrom)}`)
      if (filter.updatedTo !== undefined) where.push(`updated_at < ${param(filter.updatedTo)}`)
      if (filter.text !== undefined) {
        if (!hasSearchableWords(filter.text)) return []
        where.push(`id IN (SELECT conversation_id FROM messages WHERE search_vector @@ ${searchQuerySql(param(filter.text))})`)
      }
      return (await all<ConversationRow>(pool, `
        SELECT * FROM conversations WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${param(limit)}`,
      params)).map(toConversation)
    },

    async listQueued(siteIds, limit) {
      return (await all<ConversationRow>(pool, `
        SELECT * FROM conversations WHERE status = 'queued' AND site_id = ANY($1::bigint[])
        ORDER BY created_at, id LIMIT $2`, [siteIds, limit])).map(toConversation)
    },

    async countAssignedByAgent(agentIds) {
      const rows = await all<{ agent_id: number; assigned: number }>(pool, `
        SELECT assignee_id AS agent_id, count(*) AS assigned FROM conversations
        WHERE status = 'assigned' AND assignee_id = ANY($1::bigint[]) GROUP BY assignee_id`, [agentIds])
      return new Map(rows.map((row) => [row.agent_id, row.assigned]))
    },

    async appendVisitorMessage(input) {
      const storedOriginal = async (db: Queryable) => {
        const original = await messageByClientId(db, 'visitor', input.visitorId, input.clientId)
        return original && {
          message: toMessage(original),
          conversation: await conversationById(db, original.conversation_id),
          duplicate: true,
          change: 'none' as const,
          events: [],
        }
      }
      return idempotently(() => transaction(async (client) => {
        const original = await storedOriginal(client)
        if (original) return original
        const events: Message[] = []
        let change: 'opened' | 'reopened' | 'none'
        let conversationId: number
        const latest = await lockLatestConversation(client, input.visitorId, input.siteId)
        if (latest && latest.status !== 'closed') {
          conversationId = latest.id
          change = 'none'
        } else if (latest?.closed_at != null && latest.closed_at >= input.now - input.reopenWindowMs) {
          conversationId = latest.id
          change = 'reopened'
          await client.query(`UPDATE conversations SET status = 'queued', assignee_id = NULL, closed_at = NULL WHERE id = $1`, [conversationId])
          events.push(await appendEvent(client, conversationId, systemEvent('reopened', REOPENED_TEXT), input.now))
        } else {
          conversationId = await insertConversation(client, input.siteId, input.visitorId, undefined, input.now)
          change = 'opened'
        }
        const message = await appendEvent(client, conversationId, {
          kind: 'message', authorRole: 'visitor', authorId: input.visitorId, authorName: input.visitorName, text: input.text, clientId: input.clientId,
        }, input.now)
        events.push(message)
        return { message, conversation: await conversationById(client, conversationId), duplicate: false, change, events }
      }), () => storedOriginal(pool))
    },

    async appendAgentMessage(input) {
      const storedOriginal = async (db: Queryable) => {
        const original = await storedBefore(db, input.agentId, input.clientId, input.apiKey)
        return original && { message: toMessage(original), conversation: await conversationById(db, original.conversation_id), duplicate: true }
      }
      return idempotently(() => transaction(async (client) => {
        const original = await storedOriginal(client)
        if (original) return original
        const message = await appendEvent(client, input.conversationId, {
          kind: 'message', authorRole: 'agent', authorId: input.agentId, authorName: input.agentName, text: input.text,
          clientId: input.clientId, internal: input.internal,
        }, input.now)
        await rememberKey(client, input.apiKey, message.id)
        return { message, conversation: await conversationById(client, input.conversationId), duplicate: false }
      }), () => storedOriginal(pool))
    },

    async startConversation(input) {
      const storedOriginal = async (db: Queryable) => {
        const original = await storedBefore(db, input.agentId, input.clientId, input.apiKey)
        return original && {
          outcome: 'duplicate' as const, message: toMessage(original), conversation: await conversationById(db, original.conversation_id),
        }
      }
      return idempotently<StartConversationResult>(() => transaction(async (client) => {
        const original = await storedOriginal(client)
        if (original) return original
        const latest = await lockLatestConversation(client, input.visitorId, input.siteId)
        if (latest && latest.status !== 'closed') return { outcome: 'open' as const, conversation: toConversation(latest) }
        const events: Message[] = []
        // A bot's opening line (no agent): the conversation waits for an agent like any other.
        const conversationId = await insertConversation(client, input.siteId, input.visitorId, input.agentId, input.now)
        if (input.agentId !== undefined) events.push(await appendEvent(client, conversationId, systemEvent('joined', input.joinedText), input.now))
        const message = await appendEvent(client, conversationId, {
          kind: 'message', authorRole: 'agent', authorId: input.agentId, authorName: input.agentName, text: input.text, clientId: input.clientId,
        }, input.now)
        events.push(message)
        await rememberKey(client, input.apiKey, message.id)
        // The agents' side has read what it wrote.
        const conversation = await first<ConversationRow>(client,
          'UPDATE conversations SET agent_read_seq = greatest(agent_read_seq, least($1, last_seq)) WHERE id = $2 RETURNING *',
          [message.seq, conversationId])
        return { outcome: 'started' as const, conversation: toConversation(conversation!), message, events }
      }), () => storedOriginal(pool))
    },

    async transition(input) {
      return transaction(async (client) => {
        // The row lock holds off any other transition until this one commits; the loser then
        // reads the winner's status and no longer matches `from`.
        const current = await first<ConversationRow>(client, 'SELECT * FROM conversations WHERE id = $1 FOR UPDATE', [input.conversationId])
        if (!current || !matchesFrom(current, input.from)) return undefined
        await client.query(`
          UPDATE conversations SET status = $2, assignee_id = $3, closed_at = $4, updated_at = $5 WHERE id = $1`,
        [current.id, input.to.status, input.to.assigneeId, input.to.status === 'closed' ? input.now : null, input.now])
        if (!input.system) return { conversation: await conversationById(client, current.id) }
        const message = await appendEvent(client, current.id, systemEvent(input.system.event, input.system.text), input.now)
        return { conversation: await conversationById(client, current.id), message }
      })
    },

    async findMessageByApiKey(apiKey) {
      const row = await messageByApiKey(pool, apiKey)
      return row && toMessage(row)
    },

    async findMessageByClientId(role: Role, authorId, clientId) {
      const row = await messageByClientId(pool, role, authorId, clientId)
      return row && toMessage(row)
    },

    async messagesAfter(conversationId, afterSeq, limit, options) {
      return (await all<MessageRow>(pool, `
        SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq > $2 ${options?.publicOnly ? 'AND NOT internal' : ''}
        ORDER BY seq LIMIT $3`, [conversationId, afterSeq, limit])).map(toMessage)
    },

    async messagesBefore(conversationId, beforeSeq, limit, options) {
      return (await all<MessageRow>(pool, `
        SELECT * FROM (
          SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq < $2 ${options?.publicOnly ? 'AND NOT internal' : ''}
          ORDER BY seq DESC LIMIT $3
        ) AS page ORDER BY seq`, [conversationId, beforeSeq, limit])).map(toMessage)
    },

    async markRead(conversationId, role: Role, seq) {
      const column = role === 'visitor' ? 'visitor_read_seq' : 'agent_read_seq'
      const row = await first<ConversationRow>(pool,
        `UPDATE conversations SET ${column} = greatest(${column}, least($1, last_seq)) WHERE id = $2 RETURNING *`, [seq, conversationId])
      return row && toConversation(row)
    },

    exclusively: locks.exclusively,
  }
}



/**
 * The baseline's storage: what a durable relay needs and nothing more (no search index, no
 * webhooks, no audit), on better-sqlite3 with Parley's SQLite settings (WAL, synchronous=FULL,
 * foreign keys, secure_delete, busy_timeout; see server/store/sqlite/sqlite-store.ts). Each
 * message is one transaction, committed before anyone hears of it.
 */
import Database from 'better-sqlite3'
import type { RelayMessage } from './relay-events.js'

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS visitors (
    id INTEGER PRIMARY KEY,
    site INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY,
    site INTEGER NOT NULL,
    visitor_id INTEGER NOT NULL REFERENCES visitors (id),
    agent_id INTEGER,
    status TEXT NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS conversations_by_visitor ON conversations (visitor_id, status);
  CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    seq INTEGER NOT NULL,
    author_role TEXT NOT NULL,
    author_id INTEGER,
    client_id TEXT,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (conversation_id, seq)
  );
  CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client_id ON messages (author_role, author_id, client_id) WHERE client_id IS NOT NULL;
`

interface MessageRow {
  id: number
  conversation_id: number
  seq: number
  author_role: RelayMessage['author']['role']
  author_id: number | null
  client_id: string | null
  text: string
  created_at: number
}

export interface Conversation {
  id: number
  visitorId: number
  agentId: number | null
}

export interface Appended {
  conversation: Conversation
  /** In order: a `joined` event when the message opened the conversation, then the message. */
  events: RelayMessage[]
  opened: boolean
  duplicate: boolean
}

const toMessage = (row: MessageRow): RelayMessage => ({
  conv: row.conversation_id,
  seq: row.seq,
  id: row.id,
  author: { role: row.author_role, ...(row.author_id === null ? {} : { id: row.author_id }) },
  text: row.text,
  at: row.created_at,
  ...(row.client_id === null ? {} : { cid: row.client_id }),
})

export function openRelayStore(path: string) {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('secure_delete = ON')
  db.pragma('busy_timeout = 5000')
  db.exec(SCHEMA)

  const insertVisitor = db.prepare('INSERT INTO visitors (site, created_at) VALUES (?, ?) RETURNING id').pluck()
  const openConversationOf = db.prepare(`SELECT id, visitor_id AS visitorId, agent_id AS agentId FROM conversations WHERE visitor_id = ? AND status = 'open' ORDER BY id DESC LIMIT 1`)
  const conversationById = db.prepare('SELECT id, visitor_id AS visitorId, agent_id AS agentId FROM conversations WHERE id = ?')
  const insertConversation = db.prepare(`INSERT INTO conversations (site, visitor_id, agent_id, status, created_at, updated_at) VALUES (?, ?, ?, 'open', ?, ?) RETURNING id`).pluck()
  const nextSeq = db.prepare('UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE id = ? RETURNING last_seq').pluck()
  const insertMessage = db.prepare(`
    INSERT INTO messages (conversation_id, seq, author_role, author_id, client_id, text, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`)
  const messageByClientId = db.prepare('SELECT * FROM messages WHERE author_role = ? AND author_id = ? AND client_id = ?')

  function append(conversationId: number, role: RelayMessage['author']['role'], authorId: number | null, clientId: string | null, text: string, now: number): RelayMessage {
    const seq = nextSeq.get(now, conversationId) as number
    return toMessage(insertMessage.get(conversationId, seq, role, authorId, clientId, text, now) as MessageRow)
  }

  const appendVisitorMessage = db.transaction((visitorId: number, site: number, clientId: string, text: string, now: number, agentId: number | null): Appended => {
    const stored = messageByClientId.get('visitor', visitorId, clientId) as MessageRow | undefined
    if (stored) {
      const conversation = conversationById.get(stored.conversation_id) as Conversation
      return { conversation, events: [toMessage(stored)], opened: false, duplicate: true }
    }
    let conversation = openConversationOf.get(visitorId) as Conversation | undefined
    const events: RelayMessage[] = []
    const opened = conversation === undefined
    if (!conversation) {
      const id = insertConversation.get(site, visitorId, agentId, now, now) as number
      conversation = { id, visitorId, agentId }
      if (agentId !== null) events.push(append(id, 'system', null, null, `Agent ${agentId} joined the conversation`, now))
    }
    events.push(append(conversation.id, 'visitor', visitorId, clientId, text, now))
    return { conversation, events, opened, duplicate: false }
  })

  const appendAgentMessage = db.transaction((agentId: number, conversationId: number, clientId: string, text: string, now: number): Appended | undefined => {
    const conversation = conversationById.get(conversationId) as Conversation | undefined
    if (!conversation || conversation.agentId !== agentId) return undefined
    const stored = messageByClientId.get('agent', agentId, clientId) as MessageRow | undefined
    if (stored) return { conversation, events: [toMessage(stored)], opened: false, duplicate: true }
    return { conversation, events: [append(conversationId, 'agent', agentId, clientId, text, now)], opened: false, duplicate: false }
  })

  return {
    createVisitor: (site: number, now: number) => insertVisitor.get(site, now) as number,
    /** Whether the visitor's next message opens a conversation (and so needs an agent). */
    hasOpenConversation: (visitorId: number) => openConversationOf.get(visitorId) !== undefined,
    /** Into the visitor's open conversation, or a new one assigned to `agentId`. Idempotent on `clientId`. */
    appendVisitorMessage,
    /** `undefined` when the conversation is missing or not the agent's. Idempotent on `clientId`. */
    appendAgentMessage,
    close() {
      db.pragma('wal_checkpoint(TRUNCATE)')
      db.close()
    },
  }
}

export type RelayStore = ReturnType<typeof openRelayStore>

/**
 * `startConversation` for the SQLite store, on a connection of its own to the same file (WAL
 * lets two connections of one process share it; the write lock and busy_timeout order them).
 * It writes with the store's schema and reads the records back through the Store, so that the
 * mapping of rows stays in one place. A stand-in: see conversation-starter.ts.
 */
import Database from 'better-sqlite3'
import type { Store } from '../store/store.js'
import type { ConversationStarter, StartConversationInput, StartConversationResult } from './conversation-starter.js'

type Written = { outcome: 'started' | 'duplicate' | 'open'; conversationId: number; messageId?: number }

export function sqliteConversationStarter(store: Store, path: string): ConversationStarter {
  let db: Database.Database | undefined
  let write: ((input: StartConversationInput) => Written) | undefined
  let closed = false

  function open() {
    if (closed) throw new Error('the server is shutting down')
    db = new Database(path, { fileMustExist: true })
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    const storedByClientId = db.prepare<[number, string], { id: number; conversation_id: number }>(
      "SELECT id, conversation_id FROM messages WHERE author_role = 'agent' AND author_id = ? AND client_id = ?")
    const latestOfVisitor = db.prepare<[number, number], { id: number; status: string }>(
      'SELECT id, status FROM conversations WHERE visitor_id = ? AND site_id = ? ORDER BY created_at DESC, id DESC LIMIT 1')
    // The agent has read what they wrote: both events count as read on their side.
    const insertConversation = db.prepare<Record<string, unknown>, number>(`
      INSERT INTO conversations (site_id, visitor_id, status, assignee_id, last_seq, agent_read_seq, created_at, updated_at)
      VALUES (@siteId, @visitorId, 'assigned', @agentId, 2, 2, @now, @now) RETURNING id`).pluck()
    const insertEvent = db.prepare<Record<string, unknown>, number>(`
      INSERT INTO messages (conversation_id, seq, kind, author_role, author_id, author_name, text, client_id, system_event, internal, created_at)
      VALUES (@conversationId, @seq, @kind, @authorRole, @authorId, @authorName, @text, @clientId, @systemEvent, 0, @now) RETURNING id`).pluck()
    const transaction = db.transaction(function startConversationTx(input: StartConversationInput): Written {
      const stored = storedByClientId.get(input.agentId, input.clientId)
      if (stored) return { outcome: 'duplicate', conversationId: stored.conversation_id, messageId: stored.id }
      const latest = latestOfVisitor.get(input.visitorId, input.siteId)
      if (latest && latest.status !== 'closed') return { outcome: 'open', conversationId: latest.id }
      const conversationId = insertConversation.get({ siteId: input.siteId, visitorId: input.visitorId, agentId: input.agentId, now: input.now })!
      insertEvent.run({
        conversationId, seq: 1, kind: 'system', authorRole: 'system', authorId: null, authorName: null,
        text: input.joinedText, clientId: null, systemEvent: 'joined', now: input.now,
      })
      const messageId = insertEvent.get({
        conversationId, seq: 2, kind: 'message', authorRole: 'agent', authorId: input.agentId, authorName: input.agentName,
        text: input.text, clientId: input.clientId, systemEvent: null, now: input.now,
      })!
      return { outcome: 'started', conversationId, messageId }
    })
    // IMMEDIATE, as the store's own writes: the lock is taken before the first read.
    write = (input) => transaction.immediate(input)
    return write
  }

  return {
    async startConversation(input): Promise<StartConversationResult> {
      const written = (write ?? open())(input)
      const conversation = await store.getConversation(written.conversationId)
      if (!conversation) throw new Error(`conversation ${written.conversationId} vanished`)
      if (written.outcome === 'open') return { outcome: 'open', conversation }
      if (written.outcome === 'duplicate') {
        const message = await store.findMessageByClientId('agent', input.agentId, input.clientId)
        if (!message) throw new Error(`message ${written.messageId} vanished`)
        return { outcome: 'duplicate', conversation, message }
      }
      const events = await store.messagesAfter(conversation.id, 0, 2)
      const message = events.find((event) => event.id === written.messageId)
      if (!message) throw new Error(`message ${written.messageId} vanished`)
      return { outcome: 'started', conversation, message, events }
    },
    close() {
      closed = true
      db?.close()
      db = undefined
      write = undefined
    },
  }
}

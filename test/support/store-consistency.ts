/**
 * What must hold in a Parley store whatever clients sent: checked through the Store API, and
 * with read-only SQL on the SQLite file for what the API cannot see (rows whose parent is
 * gone). The fuzz tests check it after every sequence of hostile input, and compare snapshots
 * of the file around a refused request: a refusal writes nothing.
 *
 * @example
 * const inspector = inspectStore(server.server.store, server.dbPath)
 * expect(await inspector.problems()).toEqual([])
 * inspector.close()
 */
import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'
import type { Store } from '../../server/store/store.js'
import type { Conversation, Message } from '../../server/store/types.js'

export interface StoreInspector {
  /**
   * Everything wrong with the store, in words; empty when it is consistent. `integrity` adds
   * SQLite's own check of the file, pages and full-text index (slower: once in a while).
   */
  problems(options?: { integrity?: boolean }): Promise<string[]>
  /**
   * Every table as its row count and a hash of its rows: two snapshots are equal when nothing
   * was written in between. Tables in `skip` are left out (those background work writes to).
   */
  snapshot(skip?: readonly string[]): Record<string, string>
  close(): void
}

/** Reads `store` and, read-only, its SQLite file at `dbPath` (one connection, kept until close). */
export function inspectStore(store: Store, dbPath: string): StoreInspector {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true })
  const count = (sql: string) => db.prepare<[], { n: number }>(sql).get()!.n
  // Plain tables only: a virtual table's rows are those of its shadow tables, read here directly.
  const tables = () => db.prepare<[], { name: string }>(`SELECT name FROM sqlite_master
    WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name`).all()

  return {
    async problems({ integrity = false } = {}) {
      const problems: string[] = []
      const sites = await store.listSites()
      const agentIds = new Set((await store.listAgents()).map((agent) => agent.id))
      const conversations = await store.listConversations({ siteIds: sites.map((site) => site.id) }, 1_000_000)
      const clientIds = new Map<string, number>()

      for (const listed of conversations) {
        // A conversation and its messages, read so that no write fell between the two reads.
        const read = await stableRead(store, listed)
        if (!read) continue // erased meanwhile
        const { conversation, messages } = read
        const where = `conversation ${conversation.id}`
        const visitor = await store.getVisitor(conversation.visitorId)
        if (!visitor) problems.push(`${where}: its visitor ${conversation.visitorId} does not exist`)
        else if (visitor.siteId !== conversation.siteId) problems.push(`${where}: its visitor is of site ${visitor.siteId}, not ${conversation.siteId}`)

        const assigned = conversation.assigneeId !== undefined
        if (conversation.status === 'assigned' && !assigned) problems.push(`${where}: assigned without an assignee`)
        if (conversation.status === 'queued' && assigned) problems.push(`${where}: queued with assignee ${conversation.assigneeId}`)
        if (assigned && !agentIds.has(conversation.assigneeId!)) problems.push(`${where}: assignee ${conversation.assigneeId} is no agent`)
        if ((conversation.status === 'closed') !== (conversation.closedAt !== undefined)) {
          problems.push(`${where}: status ${conversation.status} with closedAt ${conversation.closedAt}`)
        }
        for (const [side, seq] of [['visitor', conversation.visitorReadSeq], ['agent', conversation.agentReadSeq]] as const) {
          if (seq < 0 || seq > conversation.lastSeq) problems.push(`${where}: ${side} read up to ${seq} of ${conversation.lastSeq}`)
        }

        const seqs = messages.map((message) => message.seq)
        if (seqs.some((seq, i) => seq !== i + 1) || seqs.length !== conversation.lastSeq) {
          problems.push(`${where}: seq numbers ${abbreviate(seqs)} are not 1 to lastSeq ${conversation.lastSeq}`)
        }
        for (const message of messages) {
          if (message.conversationId !== conversation.id) problems.push(`${where}: lists message ${message.id} of conversation ${message.conversationId}`)
          if (message.clientId === undefined) continue
          const key = `${message.authorRole}:${message.authorId}:${message.clientId}`
          clientIds.set(key, (clientIds.get(key) ?? 0) + 1)
        }
      }
      for (const [key, times] of clientIds) if (times > 1) problems.push(`client id ${key} is stored ${times} times`)

      const orphans = count('SELECT count(*) AS n FROM messages m WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id)')
      if (orphans > 0) problems.push(`${orphans} messages have no conversation`)
      const stored = count('SELECT count(*) AS n FROM conversations')
      if (stored !== conversations.length) problems.push(`the store lists ${conversations.length} conversations of ${stored}`)
      const repeated = db.prepare(`SELECT author_role, author_id, client_id, count(*) AS n FROM messages
        WHERE client_id IS NOT NULL GROUP BY author_role, author_id, client_id HAVING n > 1`).all()
      for (const row of repeated) problems.push(`client id stored twice: ${JSON.stringify(row)}`)
      for (const row of db.pragma('foreign_key_check') as unknown[]) problems.push(`broken foreign key: ${JSON.stringify(row)}`)
      if (integrity) {
        // On a connection of its own: FTS5 keeps what it read of its index per connection, and a
        // connection that outlives other connections' writes reports that stale copy as corrupt.
        const fresh = new Database(dbPath, { readonly: true, fileMustExist: true })
        try {
          const result = fresh.pragma('quick_check', { simple: true })
          if (result !== 'ok') problems.push(`quick_check: ${String(result)}`)
        } finally {
          fresh.close()
        }
      }
      return problems
    },

    snapshot(skip = []) {
      const snapshot: Record<string, string> = {}
      for (const { name } of tables()) {
        if (skip.includes(name)) continue
        const rows = db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).raw().all()
        snapshot[name] = `${rows.length} rows ${createHash('sha1').update(JSON.stringify(rows)).digest('hex')}`
      }
      return snapshot
    },

    close() {
      db.close()
    },
  }
}

/** The conversation's messages, and the conversation as it was when they were read (its lastSeq unchanged around the read). */
async function stableRead(store: Store, listed: Conversation): Promise<{ conversation: Conversation; messages: Message[] } | undefined> {
  let conversation: Conversation | undefined = listed
  for (let attempt = 0; conversation; attempt++) {
    const messages = await store.messagesAfter(conversation.id, 0, 1_000_000)
    const after: Conversation | undefined = await store.getConversation(conversation.id)
    if (after?.lastSeq === conversation.lastSeq || attempt === 10) return after && { conversation: after, messages }
    conversation = after
  }
  return undefined
}

const abbreviate = (seqs: number[]) => (seqs.length > 12 ? `${seqs.slice(0, 12).join(',')}… (${seqs.length})` : `[${seqs.join(',')}]`)

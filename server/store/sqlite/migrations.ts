/**
 * The SQLite schema, as an ordered list of migrations. The SQL lives in TypeScript so the build
 * copies no extra files.
 *
 * No migration library: better-sqlite3 is synchronous, so a library built around async drivers
 * adds nothing, and `PRAGMA user_version` is SQLite's own slot for a schema version, kept in
 * the database header and changed in the same transaction as the migration it records.
 *
 * Never edit a migration that has shipped; append a new one.
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    // STRICT tables reject a value of the wrong type instead of storing it silently.
    // Booleans are 0/1 INTEGERs; times are INTEGER milliseconds since the epoch.
    sql: /* sql */ `
      CREATE TABLE sites (
        id              INTEGER PRIMARY KEY,
        name            TEXT NOT NULL,
        key             TEXT NOT NULL UNIQUE,
        allowed_origins TEXT NOT NULL CHECK (json_valid(allowed_origins)),
        widget          TEXT NOT NULL CHECK (json_valid(widget)),
        created_at      INTEGER NOT NULL
      ) STRICT;

      -- NOCASE folds ASCII letters only; that covers the usual addresses, and anything
      -- fancier belongs in the caller's normalisation, not in a collation.
      CREATE TABLE agents (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,
        email         TEXT NOT NULL COLLATE NOCASE UNIQUE,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
        status        TEXT NOT NULL CHECK (status IN ('online', 'away', 'offline')),
        capacity      INTEGER NOT NULL CHECK (capacity >= 0),
        active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at    INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE agent_sites (
        agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        site_id  INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        PRIMARY KEY (agent_id, site_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX agent_sites_by_site ON agent_sites (site_id, agent_id);

      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        agent_id   INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX sessions_by_agent ON sessions (agent_id);

      CREATE TABLE api_tokens (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;

      -- No rows for a token means it may use every site (see ApiToken.siteIds).
      CREATE TABLE api_token_sites (
        token_id INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
        site_id  INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        PRIMARY KEY (token_id, site_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX api_token_sites_by_site ON api_token_sites (site_id);

      -- A visitor exists on one site only: the token is looked up together with the site.
      -- UNIQUE (id, site_id) is redundant as a key but lets conversations reference the pair,
      -- so a conversation can never name a visitor of another site.
      CREATE TABLE visitors (
        id            INTEGER PRIMARY KEY,
        site_id       INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        token_hash    TEXT NOT NULL UNIQUE,
        name          TEXT,
        email         TEXT,
        attributes    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
        page_url      TEXT,
        page_title    TEXT,
        referrer      TEXT,
        user_agent    TEXT,
        locale        TEXT,
        first_seen_at INTEGER NOT NULL,
        last_seen_at  INTEGER NOT NULL,
        UNIQUE (id, site_id)
      ) STRICT;
      CREATE INDEX visitors_by_site ON visitors (site_id);

      -- An assigned conversation always has an assignee. Deleting an agent unassigns their
      -- closed conversations (history keeps the author names on messages) but fails while
      -- they still hold an open one: reassign first, or deactivate the agent instead.
      CREATE TABLE conversations (
        id               INTEGER PRIMARY KEY,
        site_id          INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        visitor_id       INTEGER NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('queued', 'assigned', 'closed')),
        assignee_id      INTEGER REFERENCES agents (id) ON DELETE SET NULL,
        last_seq         INTEGER NOT NULL DEFAULT 0,
        visitor_read_seq INTEGER NOT NULL DEFAULT 0,
        agent_read_seq   INTEGER NOT NULL DEFAULT 0,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        closed_at        INTEGER,
        FOREIGN KEY (visitor_id, site_id) REFERENCES visitors (id, site_id) ON DELETE CASCADE,
        CHECK (status <> 'assigned' OR assignee_id IS NOT NULL)
      ) STRICT;
      -- A visitor's latest conversation; listConversations by visitor.
      CREATE INDEX conversations_by_visitor ON conversations (visitor_id, created_at);
      -- listQueued, and listConversations by site with or without statuses.
      CREATE INDEX conversations_by_site ON conversations (site_id, status, created_at);
      -- countAssignedByAgent and listConversations by assignee.
      CREATE INDEX conversations_by_assignee ON conversations (assignee_id, status);

      -- Idempotency key: (author_role, author_id, client_id). Visitor and agent ids are separate
      -- number spaces, so the role is part of the key. System events have no author or client
      -- id, and NULLs never collide in a UNIQUE constraint.
      CREATE TABLE messages (
        id              INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        seq             INTEGER NOT NULL CHECK (seq > 0),
        kind            TEXT NOT NULL CHECK (kind IN ('message', 'system')),
        author_role     TEXT NOT NULL CHECK (author_role IN ('visitor', 'agent', 'system')),
        author_id       INTEGER,
        author_name     TEXT,
        text            TEXT NOT NULL,
        client_id       TEXT,
        system_event    TEXT,
        created_at      INTEGER NOT NULL,
        UNIQUE (conversation_id, seq),
        UNIQUE (author_role, author_id, client_id)
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'identity verification',
    // A site may hold a secret that its own server uses to sign visitor identities, and may
    // refuse anonymous visitors. A verified visitor is found again by the site's own user id,
    // on any device.
    sql: /* sql */ `
      ALTER TABLE sites ADD COLUMN identity_secret TEXT;
      ALTER TABLE sites ADD COLUMN verified_only INTEGER NOT NULL DEFAULT 0 CHECK (verified_only IN (0, 1));
      ALTER TABLE visitors ADD COLUMN external_id TEXT;
      CREATE UNIQUE INDEX visitors_by_external_id ON visitors (site_id, external_id) WHERE external_id IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'internal notes',
    // A note is an agent's message that only agents see: it takes a sequence number like any
    // event, and is left out of everything a visitor receives.
    sql: /* sql */ `
      ALTER TABLE messages ADD COLUMN internal INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1));
    `,
  },
  {
    version: 4,
    name: 'console: canned responses, transcript search, visitor time zone',
    // The search index holds message texts only (system events are not worth finding). It is
    // an external-content FTS5 table: the text lives once, in messages, and triggers keep the
    // index in step with every insert and delete, inside the writing transaction.
    // unicode61 with remove_diacritics finds "cafe" in "café".
    sql: /* sql */ `
      ALTER TABLE visitors ADD COLUMN time_zone TEXT;

      CREATE TABLE canned_responses (
        id         INTEGER PRIMARY KEY,
        site_id    INTEGER REFERENCES sites (id) ON DELETE CASCADE,
        shortcut   TEXT NOT NULL,
        text       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      -- One shortcut per site, and shared shortcuts (no site) unique among themselves.
      CREATE UNIQUE INDEX canned_responses_by_shortcut ON canned_responses (coalesce(site_id, 0), shortcut);

      CREATE VIRTUAL TABLE messages_fts USING fts5(
        text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
      );
      -- An erased message leaves no words behind in the index's pages (FTS5 secure-delete).
      INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
      INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE kind = 'message';
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.kind = 'message' BEGIN
        INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.kind = 'message' BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages WHEN old.kind = 'message' BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
      END;
    `,
  },
  {
    version: 5,
    name: 'REST API: export order, retention, audit log, webhooks, idempotency keys',
    sql: /* sql */ `
      -- Bulk export walks messages by time; the id breaks ties so a cursor never skips or repeats.
      CREATE INDEX messages_by_time ON messages (created_at, id);
      -- Conversation lists filtered by last activity.
      CREATE INDEX conversations_by_update ON conversations (site_id, updated_at);

      -- Closed conversations older than this many days are erased on schedule; NULL keeps them.
      ALTER TABLE sites ADD COLUMN retention_days INTEGER CHECK (retention_days IS NULL OR retention_days > 0);

      -- Who did what that a data-protection officer may ask about. Kept when its subject is gone:
      -- no foreign keys, by design.
      CREATE TABLE audit_log (
        id         INTEGER PRIMARY KEY,
        at         INTEGER NOT NULL,
        actor      TEXT NOT NULL,
        action     TEXT NOT NULL,
        site_id    INTEGER,
        subject    TEXT NOT NULL,
        details    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
      ) STRICT;
      CREATE INDEX audit_log_by_time ON audit_log (at, id);

      CREATE TABLE webhooks (
        id         INTEGER PRIMARY KEY,
        site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        url        TEXT NOT NULL,
        secret     TEXT NOT NULL,
        events     TEXT NOT NULL CHECK (json_valid(events)),
        active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX webhooks_by_site ON webhooks (site_id);

      -- A delivery is written in the same transaction as nothing else: it is queued after the
      -- event commits, and retried from here after a restart.
      CREATE TABLE webhook_deliveries (
        id              INTEGER PRIMARY KEY,
        webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        -- Erasing or purging a conversation takes its deliveries (and the texts they carry) with it.
        conversation_id INTEGER REFERENCES conversations (id) ON DELETE CASCADE,
        event           TEXT NOT NULL,
        payload         TEXT NOT NULL CHECK (json_valid(payload)),
        status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        response_status INTEGER,
        error           TEXT,
        created_at      INTEGER NOT NULL,
        delivered_at    INTEGER
      ) STRICT;
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
      CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
      CREATE INDEX webhook_deliveries_by_conversation ON webhook_deliveries (conversation_id);

      -- A message sent through the REST API with an Idempotency-Key is stored once per token and key.
      CREATE TABLE api_idempotency (
        token_id   INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
        key        TEXT NOT NULL,
        message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        PRIMARY KEY (token_id, key)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'webhook deliveries leased by one node at a time',
    sql: /* sql */ `
      -- A node claims a due delivery until leased_until; the others pass it by meanwhile. A node
      -- that stops without recording an attempt lets the lease run out, and another sends it.
      -- Both are NULL when nobody holds it. The names match PostgreSQL's, column for column.
      ALTER TABLE webhook_deliveries ADD COLUMN leased_by TEXT;
      ALTER TABLE webhook_deliveries ADD COLUMN leased_until INTEGER;
    `,
  },
  {
    version: 7,
    name: 'messages indexed for search in batches',
    sql: /* sql */ `
      -- A stored message waits here until search-index.ts puts its words in messages_fts, with
      -- others, in one batch: a segment of the index per batch rather than per commit.
      CREATE TABLE messages_fts_pending (message_id INTEGER PRIMARY KEY) STRICT;

      DROP TRIGGER messages_fts_insert;
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.kind = 'message' BEGIN
        INSERT INTO messages_fts_pending (message_id) VALUES (new.id);
      END;
      -- A message still waiting has nothing in the index to take out.
      DROP TRIGGER messages_fts_delete;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.kind = 'message' BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) SELECT 'delete', old.id, old.text
          WHERE NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE message_id = old.id);
        DELETE FROM messages_fts_pending WHERE message_id = old.id;
      END;
      -- A message still waiting is indexed with whatever text it has by then.
      DROP TRIGGER messages_fts_update;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
      WHEN old.kind = 'message' AND NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE message_id = old.id) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
      END;
    `,
  },
]

/**
 * Copies a Parley SQLite database into PostgreSQL, for moving from one node to several: every
 * table, ids kept, in one PostgreSQL transaction, so the target ends up a full copy or as empty
 * as it was.
 *
 * Tables, columns, types and foreign keys are read from the two databases rather than listed
 * here, so a column or table a later migration adds to both stores is copied without a change
 * to this file. Values are converted by the target column's type: SQLite keeps booleans as
 * 0/1 and JSON as text, and PostgreSQL's `json` columns take that text as it is.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { openStore } from './open-store.js'
import type { PostgresStore } from './postgres/postgres-store.js'
import { migrations as sqliteMigrations } from './sqlite/migrations.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'

/** A refusal or a failed copy, with a message for the operator; nothing was written. */
export class CopyDatabaseError extends Error {
  override readonly name = 'CopyDatabaseError'
}

export interface CopyDatabaseOptions {
  /** `sqlite:PATH`: opened read-only, never changed. */
  from: string
  /** `postgres://…[?schema=NAME]`: migrated, and must hold no data yet. */
  to: string
  /** Rows per INSERT statement (fewer when a table has so many columns that PostgreSQL's parameter limit comes first). */
  batchSize?: number
}

export interface CopiedTable {
  table: string
  rows: number
}

export interface CopyDatabaseResult {
  /** In the order they were filled (parents before children). */
  tables: CopiedTable[]
  /** Source tables, and `table.column`s, the target has no place for. */
  leftBehind: string[]
  /** Migrations an out-of-date source went through, in a temporary copy, before it was read. */
  sourceMigrated: number[]
}

/**
 * Kept by each store for itself, not data: the target's own record of its migrations, and
 * SQLite's queue of messages waiting for its search index (PostgreSQL indexes as it stores).
 */
const BOOKKEEPING_TABLES = new Set(['schema_migrations', 'messages_fts_pending'])
const LATEST_SQLITE_VERSION = Math.max(0, ...sqliteMigrations.map((migration) => migration.version))
/** PostgreSQL's limit on the parameters of one statement. */
const MAX_PARAMETERS = 65_535

interface TargetColumn {
  name: string
  dataType: string
  notNull: boolean
  hasDefault: boolean
  /** Filled from a sequence (identity or serial): it must be moved past the copied ids. */
  sequence: string | null
}

interface TargetTable {
  name: string
  columns: TargetColumn[]
  /** Tables this one's foreign keys point at. */
  references: Set<string>
}

type Convert = (value: unknown) => unknown

/**
 * @example
 * const { tables } = await copyDatabase({ from: 'sqlite:data/parley.db', to: 'postgres://parley@db/parley' })
 */
export async function copyDatabase({ from, to, batchSize = 1000 }: CopyDatabaseOptions): Promise<CopyDatabaseResult> {
  const sourcePath = sqlitePathOf(from)
  if (!/^postgres(ql)?:\/\//.test(to)) throw new CopyDatabaseError(`--to must be a PostgreSQL URL (postgres://USER@HOST/DATABASE), not "${to}"`)
  const schema = await migratedTargetSchema(to)
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'parley-copy-'))
  try {
    const { source, sourceMigrated } = await openUpToDateSource(sourcePath, scratch)
    try {
      const client = new pg.Client({ connectionString: withoutSchemaParameter(to) })
      await client.connect()
      try {
        return { ...(await copyInOneTransaction(source, client, schema, batchSize)), sourceMigrated }
      } finally {
        await client.end()
      }
    } finally {
      source.close()
    }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

function sqlitePathOf(url: string): string {
  if (!url.startsWith('sqlite:') || url === 'sqlite:' || url === 'sqlite::memory:') {
    throw new CopyDatabaseError(`--from must name a SQLite file (sqlite:PATH), not "${url}"`)
  }
  const file = path.resolve(url.slice('sqlite:'.length))
  if (!existsSync(file)) throw new CopyDatabaseError(`--from: there is no file ${file}`)
  return file
}

/** Brings the target's schema up to date, as any Parley node would, and names it. */
async function migratedTargetSchema(url: string): Promise<string> {
  let store: PostgresStore
  try {
    store = (await openStore(url)) as PostgresStore
  } catch (error) {
    throw new CopyDatabaseError(`--to: cannot open the PostgreSQL database: ${(error as Error).message}`)
  }
  await store.close()
  return store.schema
}

/** The driver does not know open-store's `?schema=` parameter. */
function withoutSchemaParameter(url: string): string {
  const parsed = new URL(url)
  parsed.searchParams.delete('schema')
  return parsed.toString()
}

/**
 * The source, read-only. One at an older schema version is first copied (SQLite's online
 * backup) to `scratch` and migrated there, so the operator's file is never written to.
 */
async function openUpToDateSource(file: string, scratch: string): Promise<{ source: Database.Database; sourceMigrated: number[] }> {
  const source = new Database(file, { readonly: true, fileMustExist: true })
  const version = source.pragma('user_version', { simple: true }) as number
  if (version === LATEST_SQLITE_VERSION) return { source, sourceMigrated: [] }
  try {
    if (version === 0) throw new CopyDatabaseError(`--from: ${file} holds no Parley database (schema version 0)`)
    if (version > LATEST_SQLITE_VERSION) {
      throw new CopyDatabaseError(`--from: ${file} is at schema version ${version}, newer than this Parley (${LATEST_SQLITE_VERSION}): upgrade Parley first`)
    }
    const copy = path.join(scratch, 'source.db')
    await source.backup(copy)
    const store = openSqliteStore({ path: copy, synchronous: 'normal' })
    const sourceMigrated = await store.migrate()
    await store.close()
    return { source: new Database(copy, { readonly: true, fileMustExist: true }), sourceMigrated }
  } finally {
    source.close()
  }
}

async function copyInOneTransaction(source: Database.Database, client: pg.Client, schema: string, batchSize: number) {
  const targetTables = await describeTarget(client, schema)
  const sourceTables = describeSource(source)
  const leftBehind = leftBehindOf(sourceTables, targetTables)
  const order = inForeignKeyOrder(targetTables)
  const qualified = (table: string) => `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`

  // One read transaction on the source: every table is read from the same snapshot, even if a
  // Parley node is still writing to the file.
  source.exec('BEGIN')
  await client.query('BEGIN')
  try {
    // Nodes already pointed at the target wait until the copy is committed.
    await client.query(`LOCK TABLE ${order.map((table) => qualified(table.name)).join(', ')} IN EXCLUSIVE MODE`)
    await refuseUnlessEmpty(client, order.map((table) => table.name), qualified)
    const tables: CopiedTable[] = []
    for (const table of order) {
      const columns = sourceTables.get(table.name)
      const rows = columns ? await copyTable(source, client, table, columns, qualified(table.name), batchSize) : 0
      tables.push({ table: table.name, rows })
    }
    // Last, because setval is never rolled back: an earlier failure leaves the sequences alone.
    for (const table of order) await moveSequencesPastCopiedIds(client, table, qualified(table.name))
    await client.query('COMMIT')
    return { tables, leftBehind }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    source.exec('COMMIT')
  }
}

/** The target's tables (the migrations table aside) with their columns and foreign keys. */
async function describeTarget(client: pg.Client, schema: string): Promise<Map<string, TargetTable>> {
  const { rows: columns } = await client.query<{
    table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null
    is_identity: string; is_generated: string; sequence: string | null
  }>(`
    SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default, c.is_identity, c.is_generated,
           pg_get_serial_sequence(quote_ident(c.table_schema) || '.' || quote_ident(c.table_name), c.column_name) AS sequence
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE'
    ORDER BY (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass::oid, c.ordinal_position`, [schema])
  const tables = new Map<string, TargetTable>()
  for (const column of columns) {
    if (BOOKKEEPING_TABLES.has(column.table_name)) continue
    // A generated column (the messages' search vector) is computed by PostgreSQL from the copied ones.
    if (column.is_generated === 'ALWAYS') continue
    let table = tables.get(column.table_name)
    if (!table) tables.set(column.table_name, (table = { name: column.table_name, columns: [], references: new Set() }))
    table.columns.push({
      name: column.column_name,
      dataType: column.data_type,
      notNull: column.is_nullable === 'NO',
      hasDefault: column.column_default !== null || column.is_identity === 'YES',
      sequence: column.sequence,
    })
  }
  const { rows: foreignKeys } = await client.query<{ child: string; parent: string }>(`
    SELECT child.relname AS child, parent.relname AS parent
    FROM pg_constraint constraint_
    JOIN pg_class child ON child.oid = constraint_.conrelid
    JOIN pg_class parent ON parent.oid = constraint_.confrelid
    WHERE constraint_.contype = 'f' AND constraint_.connamespace = $1::regnamespace`, [schema])
  for (const { child, parent } of foreignKeys) tables.get(child)?.references.add(parent)
  return tables
}

/**
 * The source's plain tables and their columns. Left out: FTS5 virtual tables and their shadow
 * tables (PostgreSQL computes its own search vector), SQLite's internal `sqlite_*` tables, and
 * generated or hidden columns.
 */
function describeSource(source: Database.Database): Map<string, string[]> {
  const tables = new Map<string, string[]>()
  const listed = source.pragma('table_list') as { schema: string; name: string; type: string }[]
  for (const { schema, name, type } of listed) {
    if (schema !== 'main' || type !== 'table' || name.startsWith('sqlite_') || BOOKKEEPING_TABLES.has(name)) continue
    const columns = source.pragma(`table_xinfo(${quoteIdentifier(name)})`) as { name: string; hidden: number }[]
    tables.set(name, columns.filter((column) => column.hidden === 0).map((column) => column.name))
  }
  return tables
}

function leftBehindOf(source: Map<string, string[]>, target: Map<string, TargetTable>): string[] {
  const leftBehind: string[] = []
  for (const [table, columns] of source) {
    const targetTable = target.get(table)
    if (!targetTable) leftBehind.push(table)
    else for (const column of columns) if (!targetTable.columns.some((c) => c.name === column)) leftBehind.push(`${table}.${column}`)
  }
  return leftBehind
}

/**
 * Tables ordered so that each comes after every table its foreign keys point at; otherwise in
 * the order the migrations created them.
 *
 * @example inForeignKeyOrder(tables).map((t) => t.name) // ['sites', 'agents', 'agent_sites', …]
 */
function inForeignKeyOrder(tables: Map<string, TargetTable>): TargetTable[] {
  const ordered: TargetTable[] = []
  const placed = new Set<string>()
  const waiting = [...tables.values()]
  while (waiting.length > 0) {
    // A table pointing at itself is filled in one go; rows are copied in the source's order.
    const next = waiting.findIndex((table) => [...table.references].every((parent) => parent === table.name || placed.has(parent) || !tables.has(parent)))
    if (next === -1) throw new CopyDatabaseError(`the foreign keys of ${waiting.map((table) => table.name).join(', ')} form a cycle: no order fills them`)
    const [table] = waiting.splice(next, 1)
    ordered.push(table!)
    placed.add(table!.name)
  }
  return ordered
}

async function refuseUnlessEmpty(client: pg.Client, tables: string[], qualified: (table: string) => string) {
  const holding: string[] = []
  for (const table of tables) {
    const { rows } = await client.query<{ holds: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${qualified(table)}) AS holds`)
    if (rows[0]!.holds) holding.push(table)
  }
  if (holding.length > 0) {
    throw new CopyDatabaseError(`the target already holds data (in ${holding.join(', ')}): copy into an empty database or schema; nothing was written`)
  }
}

/** Streams one table across in multi-row INSERTs; returns how many rows it copied. */
async function copyTable(
  source: Database.Database, client: pg.Client, table: TargetTable, sourceColumns: string[], qualifiedName: string, batchSize: number,
): Promise<number> {
  const columns = table.columns.filter((column) => sourceColumns.includes(column.name))
  const unfilled = table.columns.find((column) => column.notNull && !column.hasDefault && !sourceColumns.includes(column.name))
  if (unfilled) throw new CopyDatabaseError(`${table.name}.${unfilled.name} is required in the target, and the source has no such column; nothing was written`)
  if (columns.length === 0) return 0
  const converters = columns.map((column) => converterFor(column, `${table.name}.${column.name}`))
  const perStatement = Math.max(1, Math.min(batchSize, Math.floor(MAX_PARAMETERS / columns.length)))
  const columnList = columns.map((column) => quoteIdentifier(column.name)).join(', ')
  // safeIntegers: a 64-bit integer arrives whole, and is narrowed only where that loses nothing.
  const rows = source.prepare(`SELECT ${columnList} FROM ${quoteIdentifier(table.name)}`).raw(true).safeIntegers(true).iterate() as IterableIterator<unknown[]>

  let copied = 0
  let batch: unknown[][] = []
  const flush = async () => {
    if (batch.length === 0) return
    const placeholders = batch.map((_, row) => `(${columns.map((_, column) => `$${row * columns.length + column + 1}`).join(', ')})`)
    // OVERRIDING SYSTEM VALUE: ids are kept, even in a column that is GENERATED ALWAYS AS IDENTITY.
    const sql = `INSERT INTO ${qualifiedName} (${columnList}) OVERRIDING SYSTEM VALUE VALUES ${placeholders.join(', ')}`
    try {
      await client.query(sql, batch.flat())
    } catch (error) {
      throw failedCopy(table.name, error)
    }
    copied += batch.length
    batch = []
  }
  for (const row of rows) {
    batch.push(row.map((value, index) => converters[index]!(value)))
    if (batch.length === perStatement) await flush()
  }
  await flush()
  return copied
}

function failedCopy(table: string, error: unknown): Error {
  if (!(error instanceof pg.DatabaseError)) return error as Error
  return new CopyDatabaseError(`copying ${table} failed, nothing was written: ${error.message}${error.detail ? ` (${error.detail})` : ''}`)
}

/** How a SQLite value becomes one the target column takes. */
function converterFor(column: TargetColumn, where: string): Convert {
  switch (column.dataType) {
    case 'boolean':
      return function toBoolean(value) {
        if (value === null) return null
        if (value === 0n || value === 1n) return value === 1n
        throw new CopyDatabaseError(`${where}: ${String(value)} is not a boolean (0 or 1); nothing was written`)
      }
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      // Parley's times are milliseconds since the epoch, in UTC.
      return function toTimestamp(value) {
        return typeof value === 'bigint' ? new Date(Number(value)).toISOString() : value
      }
    default:
      // JSON text goes as text: PostgreSQL parses it, and `json` keeps it exactly as written.
      return function asIs(value) {
        if (typeof value !== 'bigint') return value
        return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()
      }
  }
}

/** A new row after the copy gets the next id after the copied ones, not 1. */
async function moveSequencesPastCopiedIds(client: pg.Client, table: TargetTable, qualifiedName: string) {
  for (const column of table.columns) {
    if (column.sequence === null) continue
    await client.query(`SELECT setval($1, coalesce((SELECT max(${quoteIdentifier(column.name)}) FROM ${qualifiedName}), 0) + 1, false)`, [column.sequence])
  }
}

/** An identifier both databases accept, whatever it holds. */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/**
 * The bulk export (GET /api/v1/export/messages), over real HTTP against a real server: what a
 * record holds in NDJSON and CSV, which messages a request selects (time range, notes, sites),
 * resuming from a cursor, bad requests, and what the server does when a client goes away
 * mid-stream or the store fails midway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiToken, createSite } from '../../server/admin/admin-actions.js'
import type { ExportQuery, Store } from '../../server/store/store.js'
import type { Site } from '../../server/store/types.js'
import { serversPerTest, startTestServer, type TestServer } from '../support/test-server.js'

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0)
const at = (minute: number) => T0 + minute * 60_000

/** A chat on the Shop: a visitor, an agent who joins, a colleague's note, formulas, a close. */
async function seedShopChat(server: TestServer) {
  const store = server.server.store
  const grace = await server.addAgent({ name: 'Grace Hopper' })
  const ada = await store.createVisitor(server.site.id, 'token-ada', { name: 'Ada' }, at(0))
  const visitorSays = (clientId: string, text: string, minute: number) =>
    store.appendVisitorMessage({ siteId: server.site.id, visitorId: ada.id, visitorName: 'Ada', clientId, text, reopenWindowMs: 0, now: at(minute) })
  const first = await visitorSays('a1', 'Hello, my order "the blue one"\nhas not arrived', 1)
  const conversationId = first.conversation.id
  await store.transition({
    conversationId, from: { statuses: ['queued'] }, to: { status: 'assigned', assigneeId: grace.id },
    system: { event: 'joined', text: 'Grace Hopper joined the conversation' }, now: at(2),
  })
  await store.appendAgentMessage({ conversationId, agentId: grace.id, agentName: 'Grace Hopper', clientId: 'g1', text: 'Sorry about that!\nLet me check.', now: at(3) })
  await store.appendAgentMessage({ conversationId, agentId: grace.id, agentName: 'Grace Hopper', clientId: 'g2', text: 'VIP; refund if late', internal: true, now: at(4) })
  await visitorSays('a2', '=HYPERLINK("http://evil.test","click")', 5)
  await visitorSays('a3', '-1 star, @support\r\n+ one more', 6)
  await store.transition({
    conversationId, from: { statuses: ['assigned'] }, to: { status: 'closed', assigneeId: grace.id },
    system: { event: 'closed', text: 'Grace Hopper closed the conversation' }, now: at(7),
  })
  return { grace, ada, conversationId, visitorSays }
}

/** `count` messages from one visitor of `site`, a millisecond apart from `startAt`. */
async function fillMessages(store: Store, site: Site, count: number, text: string, startAt: number) {
  const visitor = await store.createVisitor(site.id, `token-bulk-${site.id}-${startAt}`, {}, startAt)
  for (let i = 0; i < count; i++) {
    await store.appendVisitorMessage({ siteId: site.id, visitorId: visitor.id, clientId: `bulk-${i}`, text: `${text}${i}`, reopenWindowMs: 0, now: startAt + i })
  }
}

async function tokenFor(server: TestServer, sites: Site[] = []) {
  return (await createApiToken(server.server.store, { name: 'Export', siteIds: sites.map((site) => site.id) })).token
}

async function exportRequest(server: TestServer, token: string | undefined, query: Record<string, string | number> = {}, init: RequestInit = {}) {
  const search = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]))
  const request = () => fetch(`${server.url}/api/v1/export/messages?${search}`, { ...init, headers: token ? { authorization: `Bearer ${token}` } : {} })
  try {
    return await request()
  } catch (error) {
    // A kept-alive connection the server closed for idleness just as this request went out is
    // reset; browsers retry such a GET once on a new connection, and so do we. (Long synchronous
    // test set-up in this process can delay the client's own idle timer past the server's.)
    if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error
    return request()
  }
}

async function exportText(server: TestServer, token: string, query: Record<string, string | number> = {}) {
  const response = await exportRequest(server, token, query)
  expect(response.status).toBe(200)
  return response.text()
}

interface ExportLine {
  id: number
  conversationId: number
  siteId: number
  visitorId: number
  seq: number
  createdAt: string
  kind: string
  systemEvent: string | null
  authorRole: string
  authorId: number | null
  authorName: string | null
  text: string
  cursor: string
}

const ndjson = (text: string): ExportLine[] => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ExportLine)
const records = async (server: TestServer, token: string, query: Record<string, string | number> = {}) => ndjson(await exportText(server, token, query))

/**
 * An RFC 4180 reader strict enough to catch a writer's mistakes: records end with CRLF, a quote
 * opens only a whole cell, and a line break outside quotes is an error.
 */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  let closedQuote = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (quoted) {
      if (char !== '"') cell += char
      else if (text[i + 1] === '"') (cell += '"'), i++
      else (quoted = false), (closedQuote = true)
      continue
    }
    if (char === ',' || (char === '\r' && text[i + 1] === '\n')) {
      row.push(cell)
      cell = ''
      closedQuote = false
      if (char === '\r') (rows.push(row), (row = []), i++)
      continue
    }
    if (closedQuote) throw new Error(`text after a closing quote at ${i}`)
    if (char === '"' && cell === '') quoted = true
    else if (char === '"' || char === '\r' || char === '\n') throw new Error(`${JSON.stringify(char)} outside quotes at ${i}`)
    else cell += char
  }
  if (quoted || cell !== '' || row.length > 0) throw new Error('the last record does not end with CRLF')
  return rows
}

/** Reads a body a chunk at a time without keeping it, up to `bytes`, then stops. */
async function readSome(response: Response, bytes: number): Promise<string> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (text.length < bytes) {
    const { done, value } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
  }
  return text
}

/** Counts the store's export reads while it runs `body`. */
async function countingPages<T>(store: Store, body: (pages: () => number) => Promise<T>): Promise<T> {
  const original = store.exportMessages
  let pages = 0
  store.exportMessages = (query: ExportQuery) => {
    pages += 1
    return original.call(store, query)
  }
  try {
    return await body(() => pages)
  } finally {
    store.exportMessages = original
  }
}

describe('the bulk export', () => {
  let server: TestServer
  let otherSite: Site
  let bulkSite: Site
  let everySiteToken: string
  let shopToken: string
  let shop: Awaited<ReturnType<typeof seedShopChat>>
  const BULK = 12_000

  beforeAll(async () => {
    server = await startTestServer()
    shop = await seedShopChat(server)
    otherSite = await server.addSite('Other shop')
    const bob = await server.server.store.createVisitor(otherSite.id, 'token-bob', { name: 'Bob' }, at(0))
    // Written between the Shop's messages: a time range alone would not keep it out.
    await server.server.store.appendVisitorMessage({
      siteId: otherSite.id, visitorId: bob.id, visitorName: 'Bob', clientId: 'b1', text: 'The other shop\'s secret', reopenWindowMs: 0, now: at(3) + 1,
    })
    // Enough bytes (about 24 MB) that no socket buffer holds the whole export.
    bulkSite = await server.addSite('Bulk')
    await fillMessages(server.server.store, bulkSite, BULK, `${'x'.repeat(2000)} `, at(60))
    everySiteToken = await tokenFor(server)
    shopToken = await tokenFor(server, [server.site])
  }, 60_000)

  afterAll(async () => {
    await server?.stop()
  })

  it('streams NDJSON as a file to save: one record a line, in order of creation, notes left out', async () => {
    const response = await exportRequest(server, shopToken)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8')
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="parley-messages-beginning-now.ndjson"')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('cache-control')).toBe('no-store')
    const lines = ndjson(await response.text())
    expect(lines.map((line) => [line.seq, line.kind, line.authorRole, line.text])).toEqual([
      [1, 'message', 'visitor', 'Hello, my order "the blue one"\nhas not arrived'],
      [2, 'system', 'system', 'Grace Hopper joined the conversation'],
      [3, 'message', 'agent', 'Sorry about that!\nLet me check.'],
      [5, 'message', 'visitor', '=HYPERLINK("http://evil.test","click")'],
      [6, 'message', 'visitor', '-1 star, @support\r\n+ one more'],
      [7, 'system', 'system', 'Grace Hopper closed the conversation'],
    ])
    expect(lines[0]).toEqual({
      id: expect.any(Number), conversationId: shop.conversationId, siteId: server.site.id, visitorId: shop.ada.id, seq: 1,
      createdAt: '2026-03-01T09:01:00.000Z', kind: 'message', systemEvent: null, authorRole: 'visitor', authorId: shop.ada.id,
      authorName: 'Ada', text: 'Hello, my order "the blue one"\nhas not arrived', cursor: expect.any(String),
    })
    expect(lines[1]).toMatchObject({ kind: 'system', systemEvent: 'joined', authorRole: 'system', authorId: null, authorName: null })
    expect(lines[2]).toMatchObject({ authorRole: 'agent', authorId: shop.grace.id, authorName: 'Grace Hopper' })
  })

  it('includes internal notes, marked as notes, only when asked', async () => {
    const withNotes = await records(server, shopToken, { notes: 1 })
    expect(withNotes.map((line) => line.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(withNotes[3]).toMatchObject({ kind: 'note', text: 'VIP; refund if late', authorName: 'Grace Hopper' })
    expect((await records(server, shopToken, { notes: 0 })).some((line) => line.kind === 'note')).toBe(false)
  })

  it('keeps to [from, to), given in milliseconds, as a UTC date or as ISO 8601 with an offset', async () => {
    const seqs = async (query: Record<string, string | number>) => (await records(server, shopToken, { notes: 1, ...query })).map((line) => line.seq)
    expect(await seqs({ from: at(2), to: at(5) })).toEqual([2, 3, 4])
    expect(await seqs({ from: '2026-03-01T09:02:00Z', to: '2026-03-01T10:05:00+01:00' })).toEqual([2, 3, 4])
    expect(await seqs({ from: at(2) + 1 })).toEqual([3, 4, 5, 6, 7])
    expect(await seqs({ to: '2026-03-01T09:01:00.001Z' })).toEqual([1])
    expect(await seqs({ from: '2026-03-02' })).toEqual([])
    expect(await seqs({ to: '2026-03-01' })).toEqual([])

    const response = await exportRequest(server, shopToken, { from: '2026-03-01T10:02:00+01:00', to: at(5), format: 'csv' })
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="parley-messages-20260301T090200Z-20260301T090500Z.csv"')
    await response.body?.cancel()
  })

  it('never shows a site-scoped token another site\'s messages, and answers 404 for that site by id', async () => {
    const scoped = await records(server, shopToken)
    expect(scoped.every((line) => line.siteId === server.site.id)).toBe(true)
    expect(scoped.some((line) => line.text.includes('secret'))).toBe(false)

    const asked = await exportRequest(server, shopToken, { site: otherSite.id })
    expect(asked.status).toBe(404)
    const missing = await exportRequest(server, shopToken, { site: 999_999 })
    expect(missing.status).toBe(404)
    // The same answer for another site and a missing one: ids cannot be probed.
    expect((await asked.json()).error.code).toBe((await missing.json()).error.code)

    const otherOnly = await records(server, everySiteToken, { site: otherSite.id })
    expect(otherOnly.map((line) => line.text)).toEqual(['The other shop\'s secret'])
    const everySite = await records(server, everySiteToken, { to: at(60) })
    const [shopId, otherId] = [server.site.id, otherSite.id]
    expect(everySite.map((line) => line.siteId)).toEqual([shopId, shopId, shopId, otherId, shopId, shopId, shopId])
  })

  it('writes CSV that reads back as the same records: quotes, commas and line breaks kept, formulas defused', async () => {
    const response = await exportRequest(server, shopToken, { format: 'csv', notes: 1 })
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present')
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="parley-messages-beginning-now.csv"')
    const text = await response.text()
    expect(text.startsWith('id,conversation_id,site_id,visitor_id,seq,created_at,kind,system_event,author_role,author_id,author_name,text,cursor\r\n')).toBe(true)
    const [header, ...rows] = parseCsv(text)
    const lines = await records(server, shopToken, { notes: 1 })
    expect(rows).toHaveLength(lines.length)
    const defused = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value)
    rows.forEach((row, index) => {
      const line = lines[index]!
      expect(Object.fromEntries(header!.map((column, i) => [column, row[i]]))).toEqual({
        id: String(line.id), conversation_id: String(line.conversationId), site_id: String(line.siteId), visitor_id: String(line.visitorId),
        seq: String(line.seq), created_at: line.createdAt, kind: line.kind, system_event: line.systemEvent ?? '', author_role: line.authorRole,
        author_id: String(line.authorId ?? ''), author_name: line.authorName ?? '', text: defused(line.text), cursor: line.cursor,
      })
    })
    expect(rows[0]![11]).toBe('Hello, my order "the blue one"\nhas not arrived')
    expect(rows[4]![11]).toBe('\'=HYPERLINK("http://evil.test","click")')
    expect(rows[5]![11]).toBe('\'-1 star, @support\r\n+ one more')
  })

  it('starts CSV with a byte order mark only when asked, and writes the header even when nothing matched', async () => {
    // text() would drop a byte order mark: look at the bytes.
    const firstBytes = async (query: Record<string, string | number>) =>
      Buffer.from(await (await exportRequest(server, shopToken, query)).arrayBuffer()).subarray(0, 5).toString('latin1')
    expect(await firstBytes({ format: 'csv', bom: 1, to: at(2) })).toBe('\xEF\xBB\xBFid')
    expect(await firstBytes({ format: 'csv', to: at(2) })).toBe('id,co')
    // An NDJSON export has no byte order mark to ask for.
    expect(await firstBytes({ bom: 1, to: at(2) })).toBe('{"id"')
    expect(parseCsv(await exportText(server, shopToken, { format: 'csv', from: '2030-01-01' }))).toHaveLength(1)
    expect(await exportText(server, shopToken, { from: '2030-01-01' })).toBe('')
  })

  it('reads thousands of messages page after page, each once, in order, in both formats', async () => {
    const lines = await records(server, everySiteToken, { site: bulkSite.id })
    expect(lines).toHaveLength(BULK)
    expect(new Set(lines.map((line) => line.id)).size).toBe(BULK)
    expect(lines.every((line, i) => i === 0 || Date.parse(line.createdAt) - Date.parse(lines[i - 1]!.createdAt) === 1)).toBe(true)
    expect(lines.map((line) => line.text.slice(2001))).toEqual(Array.from({ length: BULK }, (_, i) => String(i)))

    const csv = parseCsv(await exportText(server, everySiteToken, { site: bulkSite.id, format: 'csv' }))
    expect(csv).toHaveLength(BULK + 1)
    expect(csv.slice(1).map((row) => row[0])).toEqual(lines.map((line) => String(line.id)))
  })

  it('continues after any record\'s cursor, in either format, with nothing missed or repeated', async () => {
    const all = await records(server, everySiteToken, { site: bulkSite.id })
    // Cursors at a page's last record, at the first of the next, and anywhere.
    for (const index of [999, 1000, 4321]) {
      const rest = await records(server, everySiteToken, { site: bulkSite.id, cursor: all[index]!.cursor })
      expect(rest.map((line) => line.id)).toEqual(all.slice(index + 1).map((line) => line.id))
    }
    const csvRest = parseCsv(await exportText(server, everySiteToken, { site: bulkSite.id, format: 'csv', cursor: all[BULK - 3]!.cursor }))
    expect(csvRest.slice(1).map((row) => Number(row[0]))).toEqual(all.slice(BULK - 2).map((line) => line.id))
    expect(await exportText(server, everySiteToken, { site: bulkSite.id, cursor: all[BULK - 1]!.cursor })).toBe('')
  })

  it('stops reading when the client goes away mid-stream, keeps serving, and the rest comes from the last cursor', async () => {
    const store = server.server.store
    const full = Math.ceil(BULK / 1000)
    const received = await countingPages(store, async (pages) => {
      const controller = new AbortController()
      const response = await exportRequest(server, everySiteToken, { site: bulkSite.id }, { signal: controller.signal })
      const text = await readSome(response, 300_000)
      controller.abort()
      // Answering the next requests proves the server noticed and went on; by then the
      // abandoned export has read what it ever will.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
      expect(await records(server, shopToken)).toHaveLength(6)
      const readForShop = 1
      expect(pages() - readForShop).toBeLessThan(full)
      return text
    })
    const complete = ndjson(received.slice(0, received.lastIndexOf('\n') + 1))
    expect(complete.length).toBeGreaterThan(0)
    const rest = await records(server, everySiteToken, { site: bulkSite.id, cursor: complete[complete.length - 1]!.cursor })
    expect([...complete, ...rest].map((line) => line.text.slice(2001))).toEqual(Array.from({ length: BULK }, (_, i) => String(i)))
  })

  it('cuts the transfer rather than end it cleanly when the store fails midway', async () => {
    const store = server.server.store
    const original = store.exportMessages
    let calls = 0
    store.exportMessages = (query: ExportQuery) => {
      calls += 1
      return calls === 3 ? Promise.reject(new Error('disk on fire')) : original.call(store, query)
    }
    try {
      const response = await exportRequest(server, everySiteToken, { site: bulkSite.id })
      expect(response.status).toBe(200)
      await expect(response.text()).rejects.toThrow()
    } finally {
      store.exportMessages = original
    }
    expect(await records(server, shopToken)).toHaveLength(6)
  })

  it('refuses a bad cursor, format, time or range with 422 naming the parameter', async () => {
    const refusals: [Record<string, string | number>, string][] = [
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [{ cursor: Buffer.from('12.x').toString('base64url') }, 'cursor'],
      [{ format: 'xml' }, 'format'],
      [{ from: 'yesterday' }, 'from'],
      [{ from: '2026-02-30' }, 'from'],
      // Whose local time would that be?
      [{ from: '2026-03-01T09:00:00' }, 'from'],
      [{ to: '-5' }, 'to'],
      [{ from: at(5), to: at(5) }, 'to'],
      [{ from: at(5), to: at(4) }, 'to'],
      [{ notes: 'yes' }, 'notes'],
      [{ site: 'shop' }, 'site'],
    ]
    for (const [query, parameter] of refusals) {
      const response = await exportRequest(server, shopToken, query)
      expect(response.status, JSON.stringify(query)).toBe(422)
      const { error } = await response.json()
      expect(error.code).toBe('invalid_request')
      expect(error.message.startsWith(`${parameter}: `), `${JSON.stringify(query)}: ${error.message}`).toBe(true)
    }
  })

  it('answers 401 without a token, with a made-up one and with a revoked one', async () => {
    const { record, token } = await createApiToken(server.server.store, { name: 'Soon revoked' })
    expect((await exportRequest(server, token, { to: at(2) })).status).toBe(200)
    await server.server.store.revokeApiToken(record.id, Date.now())
    for (const attempt of [undefined, 'pat_made-up', token]) {
      const response = await exportRequest(server, attempt)
      expect(response.status).toBe(401)
      expect((await response.json()).error.code).toBe('invalid_token')
    }
  })

  it('is described in the OpenAPI document with the keys every NDJSON line has', async () => {
    const spec = await (await fetch(`${server.url}/api/v1/openapi.json`)).json()
    const operation = spec.paths['/export/messages'].get
    const line = (await records(server, shopToken, { to: at(2) }))[0]!
    expect(Object.keys(operation.responses['200'].content['application/x-ndjson'].schema.properties)).toEqual(Object.keys(line))
    expect(operation.parameters.map((parameter: { name: string }) => parameter.name).sort()).toEqual(['bom', 'cursor', 'format', 'from', 'notes', 'site', 'to'])
  })
})

describe('resuming an export while people keep writing', () => {
  const start = serversPerTest()

  it('gives exactly the rest: the messages after the cursor, new ones included unless past `to`', async () => {
    const server = await start()
    const { visitorSays } = await seedShopChat(server)
    const token = await tokenFor(server, [server.site])
    const first = await records(server, token, { notes: 1 })
    expect(first).toHaveLength(7)

    // Between the two requests: a new conversation on another visitor, and a reopened chat.
    await visitorSays('a4', 'Me again', 20)
    const zoe = await server.server.store.createVisitor(server.site.id, 'token-zoe', { name: 'Zoe' }, at(21))
    await server.server.store.appendVisitorMessage({ siteId: server.site.id, visitorId: zoe.id, visitorName: 'Zoe', clientId: 'z1', text: 'Hi', reopenWindowMs: 0, now: at(21) })

    const rest = await records(server, token, { notes: 1, cursor: first[3]!.cursor })
    expect(rest.map((line) => line.text)).toEqual([...first.slice(4).map((line) => line.text), 'Me again', 'Hi'])
    const fresh = await records(server, token, { notes: 1 })
    expect([...first.slice(0, 4), ...rest].map((line) => line.id)).toEqual(fresh.map((line) => line.id))

    const bounded = await records(server, token, { notes: 1, cursor: first[3]!.cursor, to: at(10) })
    expect(bounded.map((line) => line.id)).toEqual(first.slice(4).map((line) => line.id))
  })

  it('with a site-scoped token, resumes only within its sites', async () => {
    const server = await start()
    await seedShopChat(server)
    const other = await createSite(server.server.store, { name: 'Other' })
    const bob = await server.server.store.createVisitor(other.id, 'token-bob', {}, at(0))
    await server.server.store.appendVisitorMessage({ siteId: other.id, visitorId: bob.id, clientId: 'b1', text: 'Not yours', reopenWindowMs: 0, now: at(30) })
    const token = await tokenFor(server, [server.site])
    const first = await records(server, token)
    const rest = await records(server, token, { cursor: first[0]!.cursor })
    expect(rest.map((line) => line.siteId)).toEqual(first.slice(1).map(() => server.site.id))
  })
})

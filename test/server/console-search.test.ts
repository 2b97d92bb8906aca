/**
 * The console's search, canned responses, transcript downloads and older conversations, over
 * real HTTP against a real server and SQLite file. Each test has sites of its own, so that what
 * one test writes never shows in another's answers.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConversationSummary } from '../../protocol/index.js'
import type { Site } from '../../server/store/types.js'
import { connectAgent, connectVisitor, signIn } from '../support/chat-client.js'
import { startTestServer, type TestServer } from '../support/test-server.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server.stop()
})

/** GETs a console API path with a session cookie (or none). */
const get = (path: string, cookie?: string) => fetch(`${server.url}/api/console${path}`, { headers: cookie ? { cookie } : {} })

async function getJson<T = any>(path: string, cookie: string): Promise<T> {
  const response = await get(path, cookie)
  expect(response.status, await response.clone().text()).toBe(200)
  return response.json() as Promise<T>
}

/** A site of its own with an agent signed in to it. */
async function siteWithAgent(name: string) {
  const site = await server.addSite(`${name} ${randomUUID().slice(0, 6)}`)
  const agent = await server.addAgent({ name: `${name} Agent`, sites: [site] })
  return { site, agent, cookie: await signIn(server, agent.email) }
}

/** A conversation written straight into the store (no routing): a visitor saying each text in turn. */
async function conversationSaying(site: Site, texts: string[], profile: { name?: string; email?: string } = {}) {
  const store = server.server.store
  const visitor = await store.createVisitor(site.id, randomUUID(), profile, Date.now())
  let conversation
  for (const text of texts) {
    ;({ conversation } = await store.appendVisitorMessage({
      siteId: site.id, visitorId: visitor.id, clientId: randomUUID(), text, reopenWindowMs: 0, now: Date.now(),
    }))
  }
  return conversation!
}

async function closeInStore(conversationId: number) {
  const closed = await server.server.store.transition({
    conversationId,
    from: { statuses: ['queued', 'assigned'] },
    to: { status: 'closed', assigneeId: null },
    system: { event: 'closed', text: 'Conversation closed' },
    now: Date.now(),
  })
  expect(closed).toBeDefined()
}

interface Hit {
  conversation: ConversationSummary
  site: { id: number; name: string }
  message: { seq: number; text: string; note?: true; author: { role: string } }
  snippet: string
}
const search = async (q: string, cookie: string) => (await getJson<{ hits: Hit[] }>(`/search?q=${encodeURIComponent(q)}`, cookie)).hits

describe('the console API', () => {
  it('answers 401 to anyone signed out', async () => {
    for (const path of ['/search?q=order', '/canned', '/conversations/1/transcript', '/conversations?status=closed']) {
      const response = await get(path)
      expect(response.status, path).toBe(401)
      expect((await response.json()).error.code).toBe('not_authenticated')
    }
  })
})

describe('search across transcripts', () => {
  it('finds words as they are typed, accents or not, newest first, with the matches marked', async () => {
    const { site, cookie } = await siteWithAgent('Search')
    const older = await conversationSaying(site, ['Is my refund coming?'], { name: 'Ada', email: 'ada@example.com' })
    const newer = await conversationSaying(site, ['I would like a café crème', 'and a refund for the last one'], { name: 'Bo' })

    const hits = await search('refu', cookie)
    expect(hits.map((hit) => [hit.conversation.id, hit.message.text])).toEqual([
      [newer.id, 'and a refund for the last one'],
      [older.id, 'Is my refund coming?'],
    ])
    expect(hits[0]).toMatchObject({
      conversation: { id: newer.id, site: site.id, visitor: { name: 'Bo' }, status: 'queued' },
      site: { id: site.id, name: site.name },
      message: { seq: 2, author: { role: 'visitor' } },
      snippet: 'and a \u0002refund\u0003 for the last one',
    })
    expect(hits[1]!.conversation.visitor).toEqual({ id: older.visitorId, name: 'Ada', email: 'ada@example.com' })

    expect((await search('cafe creme', cookie)).map((hit) => hit.snippet)).toEqual(['I would like a \u0002café\u0003 \u0002crème\u0003'])
    expect(await search('refund café', cookie)).toEqual([])
    expect(await search('   ', cookie)).toEqual([])
    expect(await getJson('/search', cookie)).toEqual({ hits: [] })
    expect((await getJson<{ hits: Hit[] }>('/search?q=refund&limit=1', cookie)).hits).toHaveLength(1)
  })

  it('finds agents’ internal notes and marks them as notes', async () => {
    const { site, agent } = await siteWithAgent('Notes')
    const ada = await connectAgent(server, agent)
    const { client: visitor } = await connectVisitor(server, { siteKey: site.key })
    const { conv } = await visitor.say('My parcel never came')
    await ada.client.waitFor('conv', (f) => f.conv.id === conv && f.conv.status === 'assigned')
    await ada.client.note('Courier lost the parcel; reship', conv)
    await ada.client.say('We are sending another parcel today.', conv)

    const hits = await search('parcel', ada.cookie)
    expect(hits.map((hit) => [hit.message.text, hit.message.note ?? false, hit.message.author.role])).toEqual([
      ['We are sending another parcel today.', false, 'agent'],
      ['Courier lost the parcel; reship', true, 'agent'],
      ['My parcel never came', false, 'visitor'],
    ])
    await visitor.close()
    await ada.client.close()
  })

  it('never shows another site’s messages', async () => {
    const mine = await siteWithAgent('Mine')
    const theirs = await siteWithAgent('Theirs')
    await conversationSaying(mine.site, ['blue widget for me'])
    await conversationSaying(theirs.site, ['blue widget for them'])
    expect((await search('blue widget', mine.cookie)).map((hit) => hit.message.text)).toEqual(['blue widget for me'])
    expect((await search('blue widget', theirs.cookie)).map((hit) => hit.message.text)).toEqual(['blue widget for them'])

    // Serving both sites, one sees both.
    const both = await server.addAgent({ name: 'Both', sites: [mine.site, theirs.site] })
    expect(await search('blue widget', await signIn(server, both.email))).toHaveLength(2)
  })

  it('reads search syntax as words, never as an error', async () => {
    const { site, cookie } = await siteWithAgent('Syntax')
    await conversationSaying(site, ['order 1042 refund please', 'the "blue" one'])
    const typed = ['"', '""', 'refund"', 'refund*', '*', 'order OR nothing', 'NEAR(order', 'NEAR(order refund)', '-refund', 'order -refund',
      'text:order', '^order', '(order', 'order)', 'AND', 'NOT order', '{text}: order', 'order +', '\'', '%', '\\', '\u0002', '🙂']
    for (const q of typed) {
      const response = await get(`/search?q=${encodeURIComponent(q)}`, cookie)
      expect(response.status, q).toBe(200)
      expect(Array.isArray((await response.json()).hits), q).toBe(true)
    }
    // OR is a word to find, not an operator; a leading '-' excludes nothing.
    expect(await search('order OR nothing', cookie)).toEqual([])
    expect((await search('-refund', cookie)).map((hit) => hit.message.text)).toEqual(['order 1042 refund please'])
    expect((await search('"blue', cookie)).map((hit) => hit.message.text)).toEqual(['the "blue" one'])
    expect((await search('NEAR(order', cookie)).map((hit) => hit.message.text)).toEqual([])
  })

  it('refuses a limit out of range or a query longer than any search', async () => {
    const { cookie } = await siteWithAgent('Limits')
    for (const path of ['/search?q=a&limit=0', '/search?q=a&limit=51', '/search?q=a&limit=ten', `/search?q=${'a'.repeat(201)}`, '/search?q=a&q=b']) {
      const response = await get(path, cookie)
      expect(response.status, path).toBe(422)
      expect((await response.json()).error.code).toBe('invalid_request')
    }
  })
})

describe('canned responses for the composer', () => {
  it('lists the agent’s sites’ responses and the shared ones, never another site’s', async () => {
    const store = server.server.store
    const mine = await siteWithAgent('Canned')
    const theirs = await siteWithAgent('Other canned')
    const suffix = randomUUID().slice(0, 6)
    await store.createCannedResponse({ siteId: mine.site.id, shortcut: `refund-${suffix}`, text: 'Your refund is on its way.' })
    await store.createCannedResponse({ siteId: theirs.site.id, shortcut: `theirs-${suffix}`, text: 'Not for you.' })
    await store.createCannedResponse({ shortcut: `hello-${suffix}`, text: 'Hello! How can I help?' })

    const { canned } = await getJson<{ canned: { siteId?: number; shortcut: string; text: string }[] }>('/canned', mine.cookie)
    const ours = canned.filter((response) => response.shortcut.endsWith(suffix))
    expect(ours.map((response) => [response.shortcut, response.siteId, response.text])).toEqual([
      [`hello-${suffix}`, undefined, 'Hello! How can I help?'],
      [`refund-${suffix}`, mine.site.id, 'Your refund is on its way.'],
    ])
    expect(canned.every((response) => response.siteId === undefined || response.siteId === mine.site.id)).toBe(true)
  })
})

describe('transcript downloads', () => {
  /** A real chat: the visitor writes, the agent answers and notes, then closes. */
  async function closedChat(name: string) {
    const { site, agent, cookie } = await siteWithAgent(name)
    const ada = await connectAgent(server, agent, { cookie })
    const { client: visitor } = await connectVisitor(server, { siteKey: site.key })
    const { conv } = await visitor.say('Hello, order "1042", please\nthanks')
    const { visitorId } = (await server.server.store.getConversation(conv))!
    await server.server.store.updateVisitor(visitorId, { name: 'Ada Lovelace', email: 'ada@example.com' }, Date.now())
    await ada.client.waitFor('conv', (f) => f.conv.id === conv && f.conv.status === 'assigned')
    await ada.client.note('=cmd|calc', conv)
    await ada.client.say('On its way!', conv)
    ada.client.send({ t: 'close', conv, ref: 'close' })
    await ada.client.waitFor('ok', (f) => f.ref === 'close')
    await visitor.close()
    await ada.client.close()
    return { site, agent, cookie, conv }
  }

  it('serves plain text with a header, the events and the notes marked', async () => {
    const { site, agent, cookie, conv } = await closedChat('Transcript')
    const response = await get(`/conversations/${conv}/transcript?format=txt`, cookie)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="parley-conversation-${conv}.txt"`)
    const text = await response.text()
    const lines = text.split('\n')
    expect(lines.slice(0, 5)).toEqual([
      `Parley conversation #${conv}`,
      `Site: ${site.name}`,
      'Visitor: Ada Lovelace <ada@example.com>',
      `Agents: ${agent.name}`,
      'Status: closed',
    ])
    expect(lines[5]).toMatch(/^Started: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(lines[6]).toMatch(/^Closed: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(lines.slice(7, 10)).toEqual(['Time zone: UTC', 'Internal notes: included, marked (internal note)', ''])
    expect(lines.slice(10).map((line) => line.replace(/^\[[^\]]+\] /, ''))).toEqual([
      'Ada Lovelace: Hello, order "1042", please',
      '    thanks',
      `* ${agent.name} joined the conversation`,
      `${agent.name} (internal note): =cmd|calc`,
      `${agent.name}: On its way!`,
      `* ${agent.name} closed the conversation`,
      '',
    ])
    // The default is plain text; times in the zone asked for; notes left out on request.
    expect(await (await get(`/conversations/${conv}/transcript`, cookie)).text()).toBe(text)
    const paris = await (await get(`/conversations/${conv}/transcript?tz=Europe/Paris&notes=0`, cookie)).text()
    expect(paris).toMatch(/\nStarted: \S+\+0[12]:00\n/)
    expect(paris).not.toContain('=cmd')
    expect(paris).toContain('Internal notes: not included')
  })

  it('serves CSV with quotes, line breaks, defused formulas and, when asked, a BOM', async () => {
    const { site, agent, cookie, conv } = await closedChat('CSV')
    const response = await get(`/conversations/${conv}/transcript?format=csv`, cookie)
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present')
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="parley-conversation-${conv}.csv"`)
    const csv = await response.text()
    const records = csv.split('\r\n')
    const time = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
    const prefix = `${conv},${site.name},Ada Lovelace,ada@example.com,`
    expect(records[0]).toBe('conversation,site,visitor,visitor_email,time,seq,type,author_role,author,text')
    const rows = records.slice(1).map((record) => {
      expect(record.startsWith(prefix) || record === '', record).toBe(true)
      const [at, ...rest] = record.slice(prefix.length).split(/,(.*)/s)
      if (record) expect(at).toMatch(time)
      return rest[0]
    })
    expect(rows).toEqual([
      '1,message,visitor,Ada Lovelace,"Hello, order ""1042"", please\nthanks"',
      `2,system,system,,${agent.name} joined the conversation`,
      `3,note,agent,${agent.name},'=cmd|calc`,
      `4,message,agent,${agent.name},On its way!`,
      `5,system,system,,${agent.name} closed the conversation`,
      undefined,
    ])
    const withBom = await (await get(`/conversations/${conv}/transcript?format=csv&bom=1`, cookie)).arrayBuffer()
    expect([...new Uint8Array(withBom).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(withBom)).toBe(`\uFEFF${csv}`)
  })

  it('serves JSON with the same content', async () => {
    const { site, agent, cookie, conv } = await closedChat('JSON')
    const response = await get(`/conversations/${conv}/transcript?format=json&notes=0`, cookie)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="parley-conversation-${conv}.json"`)
    const transcript = await response.json()
    expect(transcript.conversation).toMatchObject({
      id: conv, status: 'closed', site: { id: site.id, name: site.name }, visitor: { name: 'Ada Lovelace', email: 'ada@example.com' },
      agents: [{ id: agent.id, name: agent.name }],
    })
    expect(transcript.notesIncluded).toBe(false)
    expect(transcript.events.map((event: { type: string; text: string }) => `${event.type}: ${event.text}`)).toEqual([
      'message: Hello, order "1042", please\nthanks',
      `system: ${agent.name} joined the conversation`,
      'message: On its way!',
      `system: ${agent.name} closed the conversation`,
    ])
  })

  it('answers another site’s conversation exactly as a missing one, and refuses bad options', async () => {
    const { conv } = await closedChat('Private')
    const stranger = await siteWithAgent('Stranger')
    const theirs = await get(`/conversations/${conv}/transcript`, stranger.cookie)
    const missing = await get('/conversations/999999/transcript', stranger.cookie)
    expect(theirs.status).toBe(404)
    expect(missing.status).toBe(404)
    expect((await theirs.json()).error.code).toBe('not_found')
    expect((await missing.json()).error.code).toBe('not_found')
    expect(theirs.headers.get('content-disposition')).toBeNull()
    expect((await get('/conversations/abc/transcript', stranger.cookie)).status).toBe(404)
    for (const query of ['format=pdf', 'bom=yes', 'notes=2', 'tz=Mars/Olympus']) {
      const response = await get(`/conversations/${conv}/transcript?${query}`, stranger.cookie)
      expect(response.status, query).toBe(422)
    }
  })
})

describe('older conversations, a page at a time', () => {
  type Page = { conversations: ConversationSummary[]; next?: string }
  const page = (cookie: string, before?: string, limit = 3) =>
    getJson<Page>(`/conversations?status=closed&limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ''}`, cookie)

  it('pages closed conversations newest first, with no repeat and no gap while others close between pages', async () => {
    const { site, cookie } = await siteWithAgent('Paging')
    const closedBefore: number[] = []
    const stillOpen = await conversationSaying(site, ['open since the start'])
    for (let i = 0; i < 7; i++) {
      const conversation = await conversationSaying(site, [`question ${i}`], { name: `Visitor ${i}` })
      await closeInStore(conversation.id)
      closedBefore.push(conversation.id)
    }
    await conversationSaying(site, ['still waiting'])

    const seen: number[] = []
    const closedBetween: number[] = []
    let first = await page(cookie)
    expect(first.conversations.every((conversation) => conversation.status === 'closed')).toBe(true)
    expect(first.conversations.map((conversation) => conversation.visitor.name)).toEqual(['Visitor 6', 'Visitor 5', 'Visitor 4'])
    let next: string | undefined = first.next
    seen.push(...first.conversations.map((conversation) => conversation.id))
    while (next) {
      // Between pages: a new chat is closed, and the oldest one, open until now, too.
      const fresh = await conversationSaying(site, ['a new one'])
      await closeInStore(fresh.id)
      closedBetween.push(fresh.id)
      if (seen.length === 3) await closeInStore(stillOpen.id)
      const more: Page = await page(cookie, next)
      seen.push(...more.conversations.map((conversation) => conversation.id))
      next = more.next
    }
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen).toEqual([...closedBefore].reverse().concat(stillOpen.id))
    expect(first.next).toMatch(/^[\w-]+$/)

    // Those closed meanwhile are on a first page asked for again.
    first = await page(cookie, undefined, 20)
    expect(first.conversations.map((conversation) => conversation.id)).toEqual([...closedBetween.reverse(), ...seen])
    expect(first.next).toBeUndefined()
  })

  it('shows only the agent’s own sites, and refuses a cursor it did not hand out', async () => {
    const mine = await siteWithAgent('Paging mine')
    const theirs = await siteWithAgent('Paging theirs')
    const their = await conversationSaying(theirs.site, ['theirs'])
    await closeInStore(their.id)
    expect((await page(mine.cookie)).conversations).toEqual([])
    expect((await page(theirs.cookie)).conversations.map((conversation) => conversation.id)).toEqual([their.id])
    expect((await page(theirs.cookie)).next).toBeUndefined()
    for (const query of ['before=nonsense', `before=${Buffer.from('1.2.3').toString('base64url')}`, 'limit=0', 'limit=101', 'status=archived']) {
      const response = await get(`/conversations?${query}`, mine.cookie)
      expect(response.status, query).toBe(422)
    }
  })
})

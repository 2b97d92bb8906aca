/**
 * Search, canned responses, transcript downloads and older closed chats, as an agent meets them
 * in Debian's Chromium. Each test has a site of its own. Screenshots go to
 * os.tmpdir()/parley-shots, to look at by eye.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Browser, BrowserContextOptions } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent, Site } from '../../server/store/types.js'
import { launchBrowser, SHOTS, UI_MS } from '../support/browser.js'
import { connectVisitor } from '../support/chat-client.js'
import { freePort } from '../support/free-port.js'
import { startTestServer, TEST_PASSWORD, type TestServer } from '../support/test-server.js'

let server: TestServer
let browser: Browser

beforeAll(async () => {
  // Agents' connections must come from Parley's own origin (PUBLIC_URL): the page's origin.
  const port = await freePort()
  server = await startTestServer({ port: String(port), 'public-url': `http://127.0.0.1:${port}` })
  browser = await launchBrowser()
  await mkdir(SHOTS, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

async function signedInConsole(agent: Agent, options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, ...options })
  const page = await context.newPage()
  const errors: Error[] = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(`${server.url}/console`)
  await page.getByLabel('Email').fill(agent.email)
  await page.getByLabel('Password').fill(TEST_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByText('Connected').waitFor({ timeout: UI_MS })
  return { page, errors }
}

async function siteWithAgent(name: string) {
  const site = await server.addSite(`${name} ${randomUUID().slice(0, 4)}`)
  const agent = await server.addAgent({ name: `${name} Agent`, sites: [site] })
  return { site, agent }
}

/** A conversation written straight into the store, then closed: one from before the console opened. */
async function closedConversation(site: Site, texts: string[], name?: string) {
  const store = server.server.store
  const visitor = await store.createVisitor(site.id, randomUUID(), name ? { name } : {}, Date.now())
  let conversationId = 0
  for (const text of texts) {
    const { conversation } = await store.appendVisitorMessage({
      siteId: site.id, visitorId: visitor.id, clientId: randomUUID(), text, reopenWindowMs: 0, now: Date.now(),
    })
    conversationId = conversation.id
  }
  await store.transition({
    conversationId,
    from: { statuses: ['queued'] },
    to: { status: 'closed', assigneeId: null },
    system: { event: 'closed', text: 'Conversation closed' },
    now: Date.now(),
  })
  return conversationId
}

describe('search, canned responses and transcripts in the console', () => {
  it('searches transcripts as the agent types and opens a result in the inbox', async () => {
    const { site, agent } = await siteWithAgent('Search')
    const other = await siteWithAgent('Elsewhere')
    const older = await closedConversation(site, ['Where is my parcel? It was due on Monday.'], 'Ada Lovelace')
    await closedConversation(site, ['The <b>parcel</b> arrived damaged & wet'], 'Bo')
    await closedConversation(other.site, ['A parcel of another site'], 'Stranger')
    const { page, errors } = await signedInConsole(agent)

    await page.getByRole('link', { name: 'Search' }).click()
    const field = page.getByLabel('Search transcripts')
    await field.pressSequentially('parc')
    const hits = page.locator('.search-hit')
    await expect.poll(() => hits.count(), { timeout: UI_MS }).toBe(2)
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/search/parc')
    // Newest first; the words marked, markup in a message shown as text.
    expect(await hits.nth(0).locator('.hit-snippet').textContent()).toBe('The <b>parcel</b> arrived damaged & wet')
    expect(await hits.nth(0).locator('mark').allTextContents()).toEqual(['parcel'])
    expect(await hits.nth(0).locator('b').count()).toBe(0)
    expect(await hits.nth(1).locator('.hit-visitor').textContent()).toBe('Ada Lovelace')
    expect(await hits.nth(1).locator('.hit-site').textContent()).toBe(site.name)
    expect(await page.getByText('A parcel of another site').count()).toBe(0)
    await page.screenshot({ path: path.join(SHOTS, 'console-search.png') })

    // Typing on narrows the results; the address keeps the query, replaced rather than stacked.
    await field.pressSequentially('el mon')
    await expect.poll(() => hits.count(), { timeout: UI_MS }).toBe(1)
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/search/parcel%20mon')
    expect(await page.evaluate(() => history.length)).toBeLessThanOrEqual(3)

    // A reload shows the same search.
    await page.reload()
    await page.getByText('Connected').waitFor({ timeout: UI_MS })
    expect(await page.getByLabel('Search transcripts').inputValue()).toBe('parcel mon')
    await expect.poll(() => hits.count(), { timeout: UI_MS }).toBe(1)

    // The conversation closed before this session opens in the Closed tab.
    await hits.first().click()
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/inbox/closed/${older}`)
    await page.locator('.message.from-visitor', { hasText: 'due on Monday' }).waitFor({ timeout: UI_MS })
    expect(await page.locator('.conv-header h2').textContent()).toBe('Ada Lovelace')
    expect(errors).toEqual([])
    await page.context().close()
  })

  it('marks internal notes among the results', async () => {
    const { site, agent } = await siteWithAgent('Note search')
    const { page, errors } = await signedInConsole(agent)
    const { client: visitor } = await connectVisitor(server, { siteKey: site.key })
    await visitor.say('My voucher code does not work')
    await page.locator('.row', { hasText: 'voucher' }).click({ timeout: UI_MS })
    await page.getByLabel('Internal note').check()
    await page.getByLabel('Reply').fill('Voucher expired last week; offer a new one')
    await page.getByLabel('Reply').press('Enter')
    await page.locator('.message.is-note', { hasText: 'expired' }).waitFor({ timeout: UI_MS })

    await page.goto(`${server.url}/console#/search/voucher`)
    const hits = page.locator('.search-hit')
    await expect.poll(() => hits.count(), { timeout: UI_MS }).toBe(2)
    expect(await hits.nth(0).locator('.hit-note').textContent()).toBe('Internal note')
    expect(await hits.nth(0).locator('.hit-author').textContent()).toBe('Note search Agent: ')
    expect(await hits.nth(1).locator('.hit-note').count()).toBe(0)
    // Still open: the result opens it in All open.
    await hits.nth(1).click()
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#\/inbox\/open\/\d+$/)
    expect(errors).toEqual([])
    await visitor.close()
    await page.context().close()
  })

  it('inserts a canned response picked with the keyboard or the mouse, and Enter sends only afterwards', async () => {
    const { site, agent } = await siteWithAgent('Canned')
    const other = await siteWithAgent('Other canned')
    const store = server.server.store
    await store.createCannedResponse({ siteId: site.id, shortcut: 'refund', text: 'Your refund is on its way: 3 to 5 working days.' })
    await store.createCannedResponse({ siteId: site.id, shortcut: 'refused', text: 'Sorry, this payment was refused.' })
    await store.createCannedResponse({ siteId: other.site.id, shortcut: 'refurbished', text: 'Not this site.' })
    await store.createCannedResponse({ shortcut: `hello-${site.id}`, text: 'Hello! How can I help?' })
    const { page, errors } = await signedInConsole(agent)
    const { client: visitor } = await connectVisitor(server, { siteKey: site.key })
    const { conv } = await visitor.say('I want my money back')
    await page.locator('.row', { hasText: 'money back' }).click({ timeout: UI_MS })

    const reply = page.getByLabel('Reply')
    await reply.pressSequentially('/ref')
    const options = page.getByRole('listbox', { name: 'Canned responses' }).getByRole('option')
    await expect.poll(() => options.allTextContents(), { timeout: UI_MS }).toEqual([
      '/refundYour refund is on its way: 3 to 5 working days.',
      '/refusedSorry, this payment was refused.',
    ])
    expect(await reply.getAttribute('aria-expanded')).toBe('true')
    await page.screenshot({ path: path.join(SHOTS, 'console-canned.png') })

    await reply.press('ArrowDown')
    const selected = () => options.and(page.getByRole('option', { selected: true })).textContent()
    await expect.poll(selected).toContain('/refused')
    // Both ends wrap round.
    await reply.press('ArrowDown')
    await expect.poll(selected).toContain('/refund')
    await reply.press('ArrowUp')
    await expect.poll(selected).toContain('/refused')
    await reply.press('ArrowUp')
    await expect.poll(selected).toContain('/refund')
    await reply.press('Enter')
    await expect.poll(() => reply.inputValue()).toBe('Your refund is on its way: 3 to 5 working days.')
    await expect.poll(() => options.count()).toBe(0)

    // Nothing was sent by that Enter; this one sends.
    await visitor.roundTrip()
    expect(visitor.events(conv).filter((m) => m.author.role === 'agent')).toEqual([])
    await reply.press('Enter')
    const sent = await visitor.waitFor('msg', (m) => m.author.role === 'agent', UI_MS)
    expect(sent.text).toBe('Your refund is on its way: 3 to 5 working days.')

    // Mid-reply after a space, with Tab; Escape closes; the mouse picks a shared one.
    await reply.pressSequentially('Thanks. /refu')
    await reply.press('Tab')
    await expect.poll(() => reply.inputValue()).toBe('Thanks. Your refund is on its way: 3 to 5 working days.')
    await reply.fill('')
    await reply.pressSequentially('/re')
    await options.first().waitFor({ timeout: UI_MS })
    await reply.press('Escape')
    await expect.poll(() => options.count()).toBe(0)
    await reply.fill('')
    await reply.pressSequentially('/hel')
    await options.filter({ hasText: 'How can I help' }).click()
    await expect.poll(() => reply.inputValue()).toBe('Hello! How can I help?')
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Reply')
    // A '/' inside a word opens nothing.
    await reply.fill('')
    await reply.pressSequentially('and/ref')
    expect(await options.count()).toBe(0)

    // The same /re, typed again after that Escape, opens the list; on a tablet it keeps within the one column.
    await page.setViewportSize({ width: 820, height: 1180 })
    await reply.fill('')
    await reply.pressSequentially('/re')
    await options.first().waitFor({ timeout: UI_MS })
    const menu = (await page.getByRole('listbox', { name: 'Canned responses' }).boundingBox())!
    expect(menu.x).toBeGreaterThanOrEqual(0)
    expect(menu.x + menu.width).toBeLessThanOrEqual(820)
    await page.screenshot({ path: path.join(SHOTS, 'console-canned-tablet.png') })
    expect(errors).toEqual([])
    await visitor.close()
    await page.context().close()
  })

  it('downloads the transcript as text, CSV and JSON, in the agent’s time zone', async () => {
    const { site, agent } = await siteWithAgent('Download')
    const { page, errors } = await signedInConsole(agent, { timezoneId: 'America/St_Johns' })
    const { client: visitor } = await connectVisitor(server, { siteKey: site.key })
    const { conv } = await visitor.say('=SUM(A1:A9), "quoted", and a comma')
    await page.locator('.row', { hasText: 'quoted' }).click({ timeout: UI_MS })
    await page.getByLabel('Internal note').check()
    await page.getByLabel('Reply').fill('Looks like a test')
    await page.getByLabel('Reply').press('Enter')
    await page.locator('.message.is-note', { hasText: 'test' }).waitFor({ timeout: UI_MS })
    await page.getByRole('button', { name: 'Close', exact: true }).click()
    await page.getByText('This conversation is closed').waitFor({ timeout: UI_MS })

    async function download(label: string) {
      await page.locator('.download summary').click()
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: label }).click()])
      return { name: file.suggestedFilename(), body: await readFile((await file.path())!, 'utf8') }
    }

    await page.getByTitle('Download the transcript').click()
    await page.getByText('Download the transcript as').waitFor({ timeout: UI_MS })
    await page.screenshot({ path: path.join(SHOTS, 'console-download-menu.png') })
    await page.keyboard.press('Escape')
    await expect.poll(() => page.locator('.download-menu').isVisible()).toBe(false)

    const text = await download('Plain text')
    expect(text.name).toBe(`parley-conversation-${conv}.txt`)
    expect(text.body).toContain(`Parley conversation #${conv}\nSite: ${site.name}\n`)
    expect(text.body).toContain('Agents: Download Agent\n')
    expect(text.body).toMatch(/\nStarted: \S+-0[23]:30\n/)
    expect(text.body).toContain('Time zone: America/St_Johns\n')
    expect(text.body).toMatch(/\] Download Agent \(internal note\): Looks like a test\n/)
    expect(text.body).toMatch(/\] \* Download Agent closed the conversation\n$/)
    expect(await page.locator('.download-menu').isVisible()).toBe(false)

    const csv = await download('CSV (spreadsheet)')
    expect(csv.name).toBe(`parley-conversation-${conv}.csv`)
    expect(csv.body.startsWith('\uFEFFconversation,site,visitor,')).toBe(true)
    expect(csv.body).toContain(`,message,visitor,Visitor #`)
    expect(csv.body).toContain(`,"'=SUM(A1:A9), ""quoted"", and a comma"\r\n`)

    const json = JSON.parse((await download('JSON')).body)
    expect(json.conversation).toMatchObject({ id: conv, status: 'closed', site: { name: site.name } })
    expect(json.events.map((event: { type: string }) => event.type)).toEqual(['message', 'system', 'note', 'system'])
    expect(errors).toEqual([])
    await visitor.close()
    await page.context().close()
  })

  it('shows in the Closed tab chats closed before the page was loaded, and loads older ones', async () => {
    const { site, agent } = await siteWithAgent('History')
    const ids: number[] = []
    for (let i = 1; i <= 32; i++) ids.push(await closedConversation(site, [`Old question number ${i}`], `Old visitor ${i}`))
    const { page, errors } = await signedInConsole(agent, { viewport: { width: 1280, height: 600 } })

    await page.getByRole('tab', { name: 'Closed' }).click()
    const rows = page.locator('.inbox .row')
    // The first page: the newest closed chats, though this session never saw them close.
    await page.locator(`.row[data-conv="${ids[31]}"]`).waitFor({ timeout: UI_MS }).catch(() => {
      throw new Error('the Closed tab loaded no earlier closed chat: does Workspace pass `learn={actions.learn}` to <Inbox>?')
    })
    expect(await page.locator(`.row[data-conv="${ids[31]}"] .row-name`).textContent()).toBe('Old visitor 32')
    await page.screenshot({ path: path.join(SHOTS, 'console-closed-tab.png') })

    // Scrolling to the end, or the button, brings the rest.
    const more = page.getByRole('button', { name: 'Load older conversations' })
    if (await more.isVisible()) await more.scrollIntoViewIfNeeded()
    await expect.poll(() => rows.count(), { timeout: UI_MS }).toBe(32)
    await page.locator(`.row[data-conv="${ids[0]}"]`).waitFor({ timeout: UI_MS })
    await expect.poll(() => more.count(), { timeout: UI_MS }).toBe(0)

    await page.locator(`.row[data-conv="${ids[0]}"]`).click()
    await page.locator('.message.from-visitor', { hasText: 'Old question number 1' }).waitFor({ timeout: UI_MS })
    expect(errors).toEqual([])
    await page.context().close()
  })
})

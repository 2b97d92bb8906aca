/**
 * The widget's options and edge cases, as a visitor meets them in Debian's Chromium: the forms
 * shown before the first message (a site asking who the visitor is, nobody online), the page
 * title flashing for a message that arrives while the chat is closed, identity verification
 * across devices, sites for verified visitors only, and an honest panel when the server is down
 * or refuses messages for coming too fast. The host page lives on an origin of its own; agents
 * are protocol clients; what was stored is read from the server's own store.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createSite } from '../../server/admin/admin-actions.js'
import type { SiteInput } from '../../server/admin/inputs.js'
import { signVisitorIdentity } from '../../server/auth/visitor-identity.js'
import type { Site } from '../../server/store/types.js'
import { launchBrowser, snippet, startHostSite, UI_MS, STUB } from '../support/browser.js'
import { connectAgent, type TestClient } from '../support/chat-client.js'
import { startTestServer, type TestServer } from '../support/test-server.js'


let server: TestServer
let host: Awaited<ReturnType<typeof startHostSite>>
let browser: Browser
const cleanups: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  server = await startTestServer()
  host = await startHostSite({})
  browser = await launchBrowser()
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
})

afterAll(async () => {
  await browser?.close()
  await host?.close()
  await server?.stop()
})

/** A site of `parley` (the shared server unless told) allowing the host page's origin. */
function newSite(options: Omit<SiteInput, 'allowedOrigins'>, parley: TestServer = server): Promise<Site> {
  return createSite(parley.server.store, { ...options, allowedOrigins: [host.origin] })
}

/** An agent of `site`, signed in and connected over the protocol: online from now on. */
async function onlineAgent(site: Site, parley: TestServer = server, name = 'Ada'): Promise<TestClient> {
  const agent = await parley.addAgent({ name, sites: [site] })
  const { client } = await connectAgent(parley, agent)
  cleanups.push(() => client.close())
  return client
}

/** A Parley server of the test's own (to stop, or to configure), stopped after the test. */
async function ownServer(settings: Record<string, string> = {}): Promise<TestServer> {
  const parley = await startTestServer(settings)
  cleanups.push(() => parley.stop())
  return parley
}

let pageCount = 0
/** Serves a host page at a fresh path and returns its URL. */
function hostPage(body: string): string {
  const pagePath = `/options-page-${++pageCount}`
  host.pages[pagePath] = { html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>${body}</body></html>` }
  return `${host.origin}${pagePath}`
}

/** The host page's script that queues `Parley('identify', profile)` before widget.js loads. */
const identifyFirst = (profile: Record<string, string>) => `<script>${STUB} Parley('identify', ${JSON.stringify(profile)})</script>`

/** A fresh browser profile: another visitor, or the same user on another device. */
async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext()
  // Clicks, fills and reloads wait no longer than a visitor-side wait: a stuck one fails by name.
  context.setDefaultTimeout(UI_MS)
  cleanups.push(() => context.close())
  return context
}

/** Opens `url` in a new tab; `errors` collects what the page threw (the widget must never throw into it). */
async function visit(context: BrowserContext, url: string) {
  const page = await context.newPage()
  const errors: Error[] = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(url)
  return { page, errors }
}

// Playwright's role and CSS locators pierce open shadow roots: these find the widget's parts
// inside <parley-chat> as a visitor (or a screen reader) would.
const launcher = (page: Page, name = 'Open chat') =>
  page.locator('parley-chat button.launcher').and(page.getByRole('button', { name, exact: true }))
const messageField = (page: Page) => page.getByRole('textbox', { name: 'Message', exact: true })
const bubble = (page: Page, kind: 'visitor' | 'agent', text: string) => page.locator(`parley-chat .message.${kind}`, { hasText: text })
/** The form asked before the first message (a site's pre-chat form, or the away form). */
const introForm = (page: Page) => page.locator('parley-chat form.away')
const banner = (page: Page) => page.locator('parley-chat .banner')
const widget = (page: Page) => page.locator('parley-chat')

async function openChat(page: Page) {
  await launcher(page).click()
  await messageField(page).waitFor({ timeout: UI_MS })
}

/** Types a message and sends it with Enter, as a visitor does. */
async function write(page: Page, text: string) {
  await messageField(page).fill(text)
  await messageField(page).press('Enter')
}

/** Waits until the agent holds a visitor message with this text, and returns it. */
const visitorMessage = (agent: TestClient, text: string, timeoutMs = UI_MS) =>
  agent.waitFor('msg', (m) => m.author.role === 'visitor' && m.text === text, timeoutMs)

/** The texts of the visitor messages stored in a conversation, in order. */
async function storedVisitorTexts(parley: TestServer, conversationId: number): Promise<string[]> {
  const events = await parley.server.store.messagesAfter(conversationId, 0, 200)
  return events.filter((m) => m.kind === 'message' && m.authorRole === 'visitor').map((m) => m.text)
}

/** Every title the page showed during `ms` milliseconds, sampled every 100 ms, each once. */
const titlesDuring = (page: Page, ms: number) =>
  page.evaluate(async (ms) => {
    const seen = new Set([document.title])
    for (const end = Date.now() + ms; Date.now() < end; ) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      seen.add(document.title)
    }
    return [...seen]
  }, ms)

/** Whether widget.js ran on the page (the API stays when the widget removes its element). */
const widgetBooted = (page: Page) => page.evaluate(() => (window as unknown as { Parley?: { version?: string } }).Parley?.version)

describe('the widget’s options, in a browser', { timeout: 20_000 }, () => {
  it('asks for a name, an email and the message first on a site with a pre-chat form, and remembers them', async () => {
    const site = await newSite({ name: 'Pre-chat shop', prechat: true })
    const agent = await onlineAgent(site)
    const context = await newContext()
    const url = hostPage(`<h1>Shop</h1>${snippet(server.url, site.key)}`)
    const { page, errors } = await visit(context, url)

    await launcher(page).click()
    const form = introForm(page)
    // The form replaces the composer once the site's settings have arrived.
    await form.getByRole('textbox', { name: 'Email', exact: true }).waitFor({ timeout: UI_MS })
    expect(await form.getByRole('textbox', { name: 'Name', exact: true }).isVisible()).toBe(true)
    expect(await form.getByRole('textbox', { name: 'Message', exact: true }).isVisible()).toBe(true)
    expect(await page.locator('parley-chat .message.visitor').count()).toBe(0)

    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('Grace Hopper')
    await form.getByRole('textbox', { name: 'Email', exact: true }).fill('grace@example.com')
    await form.getByRole('textbox', { name: 'Message', exact: true }).fill('Do you ship to Norway?')
    await form.getByRole('button', { name: 'Send', exact: true }).click()

    const question = await visitorMessage(agent, 'Do you ship to Norway?')
    // The profile went ahead of the message: the agent sees who wrote it.
    expect(question.author.name).toBe('Grace Hopper')
    await bubble(page, 'visitor', 'Do you ship to Norway?').waitFor({ timeout: UI_MS })
    await messageField(page).waitFor({ timeout: UI_MS })
    const conversation = await server.server.store.getConversation(question.conv)
    const visitor = await server.server.store.getVisitor(conversation!.visitorId)
    expect({ name: visitor?.name, email: visitor?.email }).toEqual({ name: 'Grace Hopper', email: 'grace@example.com' })

    // After a reload the conversation goes on (which alone keeps the form away), and the
    // browser keeps the profile for the widget's forms.
    await page.reload()
    await launcher(page).click()
    await bubble(page, 'visitor', 'Do you ship to Norway?').waitFor({ timeout: UI_MS })
    await messageField(page).waitFor({ timeout: UI_MS })
    expect(await introForm(page).count()).toBe(0)
    expect(await page.evaluate((key) => JSON.parse(localStorage.getItem(`parley:${key}:profile`) ?? 'null'), site.key)).toEqual({
      name: 'Grace Hopper',
      email: 'grace@example.com',
    })
    expect(errors).toEqual([])
  })

  it('asks for an email with the first message when nobody is online, and queues the conversation', async () => {
    const site = await newSite({ name: 'Night shop' })
    const context = await newContext()
    const url = hostPage(`<h1>Shop</h1>${snippet(server.url, site.key)}`)
    const { page, errors } = await visit(context, url)

    await launcher(page).click()
    const form = introForm(page)
    await form.getByRole('textbox', { name: 'Email', exact: true }).waitFor({ timeout: UI_MS })
    expect(await form.getByText('We are away right now').isVisible()).toBe(true)
    // Only a site with a pre-chat form asks for a name.
    expect(await form.getByRole('textbox', { name: 'Name', exact: true }).count()).toBe(0)

    await form.getByRole('textbox', { name: 'Email', exact: true }).fill('night@example.com')
    await form.getByRole('textbox', { name: 'Message', exact: true }).fill('Is the shop open on Sunday?')
    await form.getByRole('button', { name: 'Send', exact: true }).click()
    await expect
      .poll(() => bubble(page, 'visitor', 'Is the shop open on Sunday?').locator('.meta').textContent(), { timeout: UI_MS })
      .toMatch(/ · Delivered$/)
    expect(await page.getByText('We will answer by email if you have left.').isVisible()).toBe(true)

    const queued = await server.server.store.listQueued([site.id], 10)
    expect(queued).toHaveLength(1)
    expect(await storedVisitorTexts(server, queued[0]!.id)).toEqual(['Is the shop open on Sunday?'])
    expect((await server.server.store.getVisitor(queued[0]!.visitorId))?.email).toBe('night@example.com')
    expect(errors).toEqual([])
  })

  it('flashes the page title for an agent message while the chat is closed, until it is opened; data-title-flash="off" leaves the title alone', async () => {
    const site = await newSite({ name: 'Flashing shop' })
    const agent = await onlineAgent(site)

    /** A visitor who has asked something and closed the chat: returns the tab and the conversation id. */
    async function askAndClose(extra: string, question: string) {
      const { page, errors } = await visit(await newContext(), hostPage(`<h1>Shop</h1>${snippet(server.url, site.key, extra)}`))
      await openChat(page)
      await write(page, question)
      const { conv } = await visitorMessage(agent, question)
      await launcher(page, 'Close chat').click()
      await page.getByRole('dialog', { name: 'Chat with us' }).waitFor({ state: 'hidden', timeout: UI_MS })
      expect(await page.title()).toBe('Shop')
      return { page, errors, conv }
    }

    const flashing = await askAndClose('', 'Where is my parcel?')
    await agent.say('It left this morning.', flashing.conv)
    await expect.poll(() => flashing.page.title(), { timeout: 5_000 }).toContain('new message')
    await launcher(flashing.page).click()
    await bubble(flashing.page, 'agent', 'It left this morning.').waitFor({ timeout: UI_MS })
    // Back for good: the flashing (every 1.2 s) has stopped.
    expect(await titlesDuring(flashing.page, 2_500)).toEqual(['Shop'])

    const quiet = await askAndClose('data-title-flash="off"', 'Can I pay by invoice?')
    await agent.say('Yes, up to 30 days.', quiet.conv)
    // The message did arrive while the chat was closed…
    await quiet.page.locator('parley-chat .badge').waitFor({ timeout: UI_MS })
    // …and the title stays as the page set it.
    expect(await titlesDuring(quiet.page, 3_000)).toEqual(['Shop'])
    expect([...flashing.errors, ...quiet.errors]).toEqual([])
  })

  it('gives a verified user the same conversation on another device, and removes itself for a wrong signature', async () => {
    const site = await newSite({ name: 'Verified shop', identityVerification: true })
    const secret = site.identitySecret!
    const agent = await onlineAgent(site)
    const grace = identifyFirst({ userId: 'user-7', userHash: signVisitorIdentity(secret, 'user-7'), name: 'Grace' })
    const url = hostPage(`${grace}<h1>Shop</h1>${snippet(server.url, site.key)}`)

    const laptop = await visit(await newContext(), url)
    await openChat(laptop.page)
    await write(laptop.page, 'My invoice is wrong.')
    const question = await visitorMessage(agent, 'My invoice is wrong.')
    await agent.say('Let me look, Grace.', question.conv)
    await bubble(laptop.page, 'agent', 'Let me look, Grace.').waitFor({ timeout: UI_MS })
    const verified = await server.server.store.getVisitorByExternalId(site.id, 'user-7')
    expect(verified?.id).toBe((await server.server.store.getConversation(question.conv))?.visitorId)

    // Another device: no shared storage, only the same signed user id.
    const phone = await visit(await newContext(), url)
    await openChat(phone.page)
    await bubble(phone.page, 'visitor', 'My invoice is wrong.').waitFor({ timeout: UI_MS })
    await bubble(phone.page, 'agent', 'Let me look, Grace.').waitFor({ timeout: UI_MS })
    await write(phone.page, 'Sent from my phone.')
    expect((await visitorMessage(agent, 'Sent from my phone.')).conv).toBe(question.conv)
    await bubble(laptop.page, 'visitor', 'Sent from my phone.').waitFor({ timeout: UI_MS })

    // A page that signs with something else than the site's secret.
    const forged = identifyFirst({ userId: 'user-8', userHash: signVisitorIdentity('not the secret', 'user-8') })
    const impostor = await visit(await newContext(), hostPage(`${forged}<h1>Shop</h1>${snippet(server.url, site.key)}`))
    expect(await widgetBooted(impostor.page)).toBe('1')
    await widget(impostor.page).waitFor({ state: 'detached', timeout: UI_MS })
    expect(await server.server.store.getVisitorByExternalId(site.id, 'user-8')).toBeUndefined()
    expect([...laptop.errors, ...phone.errors, ...impostor.errors]).toEqual([])
  })

  // Known bug, kept failing on purpose: the loader sends the profile of `identify` with
  // `connection?.send`, which drops it when no welcomed connection exists (widget/loader.ts,
  // `sendProfile`). A call queued before the script loaded runs before the loader connects, and
  // a call with `userId` closes the connection and opens a new one just before sending: both
  // times the name and email stay in the browser (localStorage `profile`), and `hello` does not
  // carry them. The server never learns them, so agents do not see who the visitor is.
  it('tells the server the name and email given with identify, queued before the script or called with a userId after it', async () => {
    const plain = await newSite({ name: 'Named shop' })
    const agent = await onlineAgent(plain)
    const ada = await visit(await newContext(), hostPage(`${identifyFirst({ name: 'Ada Lovelace', email: 'ada@example.com' })}${snippet(server.url, plain.key)}`))
    await openChat(ada.page)
    await write(ada.page, 'Hello, it is Ada.')
    const question = await visitorMessage(agent, 'Hello, it is Ada.')
    const adaRecord = await server.server.store.getVisitor((await server.server.store.getConversation(question.conv))!.visitorId)
    // Soft: each of the three ways is reported, whichever fails.
    expect.soft({ author: question.author.name, name: adaRecord?.name, email: adaRecord?.email }, 'queued identify { name, email }').toEqual({
      author: 'Ada Lovelace',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    })

    const verifiedSite = await newSite({ name: 'Named verified shop', identityVerification: true })
    const sign = (userId: string) => signVisitorIdentity(verifiedSite.identitySecret!, userId)
    const grace = await visit(await newContext(), hostPage(`${identifyFirst({ userId: 'user-31', userHash: sign('user-31'), name: 'Grace' })}${snippet(server.url, verifiedSite.key)}`))
    await openChat(grace.page)
    await expect.poll(() => server.server.store.getVisitorByExternalId(verifiedSite.id, 'user-31'), { timeout: UI_MS }).toBeDefined()
    expect.soft((await server.server.store.getVisitorByExternalId(verifiedSite.id, 'user-31'))?.name, 'queued identify { userId, userHash, name }').toBe('Grace')

    // Signing in after the widget has connected (a single-page app's login).
    const later = await visit(await newContext(), hostPage(snippet(server.url, verifiedSite.key)))
    await openChat(later.page)
    await expect.poll(() => later.page.evaluate((key) => localStorage.getItem(`parley:${key}:token`), verifiedSite.key), { timeout: UI_MS }).toBeTruthy()
    await later.page.evaluate(
      (profile) => (window as unknown as { Parley: (name: string, profile: object) => void }).Parley('identify', profile),
      { userId: 'user-32', userHash: sign('user-32'), name: 'Katherine' },
    )
    await expect.poll(() => server.server.store.getVisitorByExternalId(verifiedSite.id, 'user-32'), { timeout: UI_MS }).toBeDefined()
    await expect
      .poll(async () => (await server.server.store.getVisitorByExternalId(verifiedSite.id, 'user-32'))?.name, { timeout: 3_000, message: 'identify { userId, userHash, name } after connecting' })
      .toBe('Katherine')
    expect([...ada.errors, ...grace.errors, ...later.errors]).toEqual([])
  })

  it('does not show on a site for verified visitors only unless the page identifies its user', async () => {
    const site = await newSite({ name: 'Members shop', verifiedOnly: true })
    const agent = await onlineAgent(site)

    const anonymous = await visit(await newContext(), hostPage(`<h1>Shop</h1>${snippet(server.url, site.key)}`))
    expect(await widgetBooted(anonymous.page)).toBe('1')
    await widget(anonymous.page).waitFor({ state: 'detached', timeout: UI_MS })

    const member = identifyFirst({ userId: 'member-1', userHash: signVisitorIdentity(site.identitySecret!, 'member-1') })
    const signedIn = await visit(await newContext(), hostPage(`${member}<h1>Shop</h1>${snippet(server.url, site.key)}`))
    await openChat(signedIn.page)
    await write(signedIn.page, 'Members here?')
    const question = await visitorMessage(agent, 'Members here?')
    await agent.say('Welcome back.', question.conv)
    await bubble(signedIn.page, 'agent', 'Welcome back.').waitFor({ timeout: UI_MS })
    expect(await widget(signedIn.page).count()).toBe(1)
    expect((await server.server.store.getVisitorByExternalId(site.id, 'member-1'))?.id).toBe(
      (await server.server.store.getConversation(question.conv))?.visitorId,
    )
    expect([...anonymous.errors, ...signedIn.errors]).toEqual([])
  })

  it('says it is reconnecting while the server is down, keeps a message written meanwhile as "Sending…", and sends it once it is back', {
    // The widget's reconnect backoff grows while the server is down: up to several seconds more.
    timeout: 30_000,
  }, async () => {
    const parley = await ownServer()
    const site = await newSite({ name: 'Outage shop' }, parley)
    const agent = await onlineAgent(site, parley)
    const { page, errors } = await visit(await newContext(), hostPage(`<h1>Shop</h1>${snippet(parley.url, site.key)}`))
    await openChat(page)
    await write(page, 'First question.')
    const { conv } = await visitorMessage(agent, 'First question.')
    expect(await banner(page).count()).toBe(0)

    await parley.server.stop()
    await banner(page).filter({ hasText: /Reconnecting|offline/ }).waitFor({ timeout: UI_MS })
    await write(page, 'Written while you were down.')
    const status = bubble(page, 'visitor', 'Written while you were down.').locator('.meta')
    await expect.poll(() => status.textContent(), { timeout: UI_MS }).toMatch(/ · Sending…$/)
    const outbox = await page.evaluate((key) => JSON.parse(localStorage.getItem(`parley:${key}:outbox`) ?? '[]'), site.key)
    expect(outbox.map((item: { text: string }) => item.text)).toEqual(['Written while you were down.'])

    // The same database and port: the widget finds the server again (with backoff) and sends.
    await parley.restart()
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toMatch(/ · (Delivered|Read)$/)
    await banner(page).waitFor({ state: 'detached', timeout: UI_MS })
    expect(await storedVisitorTexts(parley, conv)).toEqual(['First question.', 'Written while you were down.'])
    expect(await page.evaluate((key) => JSON.parse(localStorage.getItem(`parley:${key}:outbox`) ?? '[]'), site.key)).toEqual([])
    expect(errors).toEqual([])
  })

  it('tells the visitor to slow down when the server refuses messages for coming too fast, then delivers each once', async () => {
    const parley = await ownServer({ 'rate-burst': '2', 'rate-per-second': '1' })
    const site = await newSite({ name: 'Chatty shop' }, parley)
    const agent = await onlineAgent(site, parley)
    const { page, errors } = await visit(await newContext(), hostPage(`<h1>Shop</h1>${snippet(parley.url, site.key)}`))
    await openChat(page)

    // Eight messages: enough to outrun a bucket that refills one a second even when a loaded
    // machine types slowly.
    const texts = ['One.', 'Two.', 'Three.', 'Four.', 'Five.', 'Six.', 'Seven.', 'Eight.']
    for (const text of texts) await write(page, text)
    await banner(page).filter({ hasText: 'too fast' }).waitFor({ timeout: UI_MS })

    const received = []
    for (const text of texts) received.push(await visitorMessage(agent, text, 15_000))
    const conv = received[0]!.conv
    expect(received.every((m) => m.conv === conv)).toBe(true)
    await expect
      .poll(() => bubble(page, 'visitor', 'Eight.').locator('.meta').textContent(), { timeout: UI_MS })
      .toMatch(/ · (Delivered|Read)$/)
    // Resent until accepted, stored once each (the client id makes a resend harmless), in order.
    expect(await storedVisitorTexts(parley, conv)).toEqual(texts)
    for (const text of texts) expect(await page.locator('parley-chat .message.visitor', { hasText: text }).count()).toBe(1)
    expect(errors).toEqual([])
  })
})

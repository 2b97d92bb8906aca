/**
 * The visitors screen and the visitor panel, in Debian's Chromium: the real widget on a host
 * page of another origin shows up live in the console, an agent writes to that visitor first
 * and the widget shows it, and the panel beside the conversation tells who the visitor is.
 * Screenshots go to os.tmpdir()/parley-shots, to look at by eye.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, snippet, startHostSite, SHOTS, UI_MS } from '../support/browser.js'
import { connectAgent, openClient } from '../support/chat-client.js'
import { freePort } from '../support/free-port.js'
import { HOST_ORIGIN, TEST_PASSWORD, startTestServer, type TestServer } from '../support/test-server.js'
import type { Agent, Site } from '../../server/store/types.js'

let server: TestServer
let host: Awaited<ReturnType<typeof startHostSite>>
let browser: Browser
const cleanups: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  // Agents' connections must come from Parley's own origin (PUBLIC_URL): the page's origin.
  const port = await freePort()
  server = await startTestServer({ port: String(port), 'public-url': `http://127.0.0.1:${port}` })
  host = await startHostSite({})
  browser = await launchBrowser()
  await mkdir(SHOTS, { recursive: true })
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
})

afterAll(async () => {
  await browser?.close()
  await host?.close()
  await server?.stop()
})

async function newPage(options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options })
  cleanups.push(() => context.close())
  const page = await context.newPage()
  const errors: Error[] = []
  page.on('pageerror', (error) => errors.push(error))
  return { page, errors }
}

/** A signed-in console, on the visitors screen. */
async function consoleOn(agent: Agent, options: BrowserContextOptions = {}) {
  const opened = await newPage(options)
  const { page } = opened
  await page.goto(`${server.url}/console`)
  await page.getByLabel('Email').fill(agent.email)
  await page.getByLabel('Password').fill(TEST_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByText('Connected').waitFor({ timeout: UI_MS })
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Visitors' }).click()
  await page.getByRole('heading', { name: 'Visitors' }).waitFor({ timeout: UI_MS })
  return opened
}

/** Host pages of a shop that pastes the embed snippet of `site`. */
function shopPages(site: Site) {
  const page = (title: string) => ({
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${snippet(server.url, site.key)}</body></html>`,
  })
  host.pages['/shoes'] = page('Running shoes')
  host.pages['/cart'] = page('Your cart')
}

const widgetBubble = (page: Page, kind: 'visitor' | 'agent', text: string) => page.locator(`parley-chat .message.${kind}`, { hasText: text })
const visitorRow = (page: Page, text: string) => page.locator('.visitor-row', { hasText: text })

describe('the visitors screen', () => {
  it('shows a widget visitor live, starts a chat the widget shows, and describes the visitor beside the conversation', async () => {
    const site = await server.addSite('Shoe shop', [host.origin])
    shopPages(site)
    const ann = await server.addAgent({ name: 'Ann Agent', sites: [site] })
    const agentConsole = await consoleOn(ann)
    await agentConsole.page.getByText('Nobody on your sites right now').waitFor({ timeout: UI_MS })

    // A visitor in Tokyo opens the shop: the widget connects on its own, without a click.
    const visitor = await newPage({ timezoneId: 'Asia/Tokyo', locale: 'en-GB' })
    await visitor.page.goto(`${host.origin}/shoes`)
    const row = visitorRow(agentConsole.page, 'Running shoes')
    await row.waitFor({ timeout: UI_MS })
    await expect.poll(() => row.textContent()).toContain('Shoe shop')
    expect(await row.textContent()).toContain('New')
    const visitorId = Number(await row.getAttribute('data-visitor'))

    // An earlier conversation of theirs, closed, for the panel to list.
    const protocolAnn = await connectAgent(server, ann)
    cleanups.push(() => protocolAnn.client.close())
    await visitor.page.getByRole('button', { name: 'Open chat', exact: true }).click()
    const field = visitor.page.getByRole('textbox', { name: 'Message', exact: true })
    await field.fill('Do you have these in size 38?')
    await field.press('Enter')
    const earlier = await protocolAnn.client.waitFor('conv', (f) => f.conv.visitor.id === visitorId, UI_MS)
    await expect.poll(() => row.textContent(), { timeout: UI_MS }).toContain('Chatting')
    protocolAnn.client.send({ t: 'close', conv: earlier.conv.id, ref: 'close' })
    await protocolAnn.client.waitFor('ok', (f) => f.ref === 'close')
    await expect.poll(() => row.textContent(), { timeout: UI_MS }).toContain('Start chat')

    // They move on to their cart: a new page load, the same visit, the row follows.
    await visitor.page.goto(`${host.origin}/cart`)
    const cartRow = visitorRow(agentConsole.page, 'Your cart')
    await cartRow.waitFor({ timeout: UI_MS })
    expect(await cartRow.getAttribute('data-visitor')).toBe(String(visitorId))
    expect(await cartRow.textContent()).toContain(`${new URL(host.origin).host}/cart`)
    await agentConsole.page.screenshot({ path: path.join(SHOTS, 'console-visitors.png') })

    // Ann writes first, from the visitors screen.
    await cartRow.getByRole('button', { name: 'Start chat' }).click()
    const message = agentConsole.page.getByRole('textbox', { name: /Message to/ })
    await message.fill('Hello! Free delivery ends tonight if you need it.')
    await agentConsole.page.screenshot({ path: path.join(SHOTS, 'console-visitors-start.png') })
    await message.press('Enter')
    await agentConsole.page.waitForURL(/#\/inbox\/mine\/\d+$/, { timeout: UI_MS })
    const conv = Number(new URL(agentConsole.page.url()).hash.split('/').at(-1))
    expect(conv).not.toBe(earlier.conv.id)
    await agentConsole.page.locator('.message.from-agent', { hasText: 'Free delivery' }).waitFor({ timeout: UI_MS })
    await agentConsole.page.getByText('Ann Agent started the conversation').waitFor({ timeout: UI_MS })

    // The widget tells of it as of any agent message: a count on the closed launcher, the
    // message in the panel once opened.
    const badge = visitor.page.locator('parley-chat .launcher .badge')
    await expect.poll(() => badge.textContent(), { timeout: UI_MS }).toBe('1')
    expect(await badge.isVisible()).toBe(true)
    await visitor.page.screenshot({ path: path.join(SHOTS, 'widget-agent-started-badge.png') })
    await visitor.page.getByRole('button', { name: 'Open chat', exact: true }).click()
    await widgetBubble(visitor.page, 'agent', 'Free delivery ends tonight').waitFor({ timeout: UI_MS })
    expect(await badge.isVisible()).toBe(false)
    await visitor.page.locator('parley-chat .panel').evaluate((panel) => Promise.all(panel.getAnimations().map((animation) => animation.finished)))
    await visitor.page.screenshot({ path: path.join(SHOTS, 'widget-agent-started-chat.png') })

    // The panel beside the conversation.
    const panel = agentConsole.page.getByRole('complementary', { name: 'Visitor' })
    await panel.getByText('Online now').waitFor({ timeout: UI_MS })
    await expect.poll(() => panel.textContent(), { timeout: UI_MS }).toContain('Your cart')
    const text = await panel.textContent()
    expect(text).toContain('Chrome')
    expect(text).toContain('on Linux')
    expect(text).toContain('Asia/Tokyo')
    expect(text).toContain('Shoe shop')
    expect(text).toContain('en-GB')
    // The console's browser speaks en-US: the clock reads as it would there, in Tokyo.
    const tokyo = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', weekday: 'short', hour: 'numeric', minute: '2-digit' })
    const shown = (await panel.locator('.visitor-facts dd').nth(1).textContent())?.replace(/\s/g, ' ')
    expect([tokyo.format(Date.now() - 60_000), tokyo.format(Date.now())].map((t) => t.replace(/\s/g, ' ')).some((t) => shown?.startsWith(t))).toBe(true)
    const previous = panel.locator('.visitor-conv')
    await expect.poll(() => previous.count()).toBe(1)
    expect(await previous.textContent()).toContain('Closed')
    await agentConsole.page.screenshot({ path: path.join(SHOTS, 'console-visitor-context.png') })

    // An earlier conversation opens in the console.
    await previous.click()
    await agentConsole.page.waitForURL(new RegExp(`#/inbox/closed/${earlier.conv.id}$`), { timeout: UI_MS })
    await agentConsole.page.locator('.message.from-visitor', { hasText: 'size 38' }).waitFor({ timeout: UI_MS })

    // The visitor answers in the widget; then leaves, and drops off the visitors screen.
    const reply = visitor.page.getByRole('textbox', { name: 'Message', exact: true })
    await reply.fill('Great, thanks!')
    await reply.press('Enter')
    await expect.poll(async () => (await server.server.store.messagesAfter(conv, 0, 10)).map((m) => m.text), { timeout: UI_MS }).toContain('Great, thanks!')
    await visitor.page.close()
    await agentConsole.page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Visitors' }).click()
    await agentConsole.page.getByText('Nobody on your sites right now').waitFor({ timeout: UI_MS })
    expect(agentConsole.errors).toEqual([])
    expect(visitor.errors).toEqual([])
  }, 60_000)

  it('points at the open conversation when the visitor wrote first meanwhile; an agent of another site sees none of it', async () => {
    const site = await server.addSite('Hat shop', [HOST_ORIGIN])
    const other = await server.addSite('Glove shop', [HOST_ORIGIN])
    const bea = await server.addAgent({ name: 'Bea Agent', sites: [site] })
    const outsider = await server.addAgent({ name: 'Olga Outsider', sites: [other] })
    const beaConsole = await consoleOn(bea)
    const outsiderConsole = await consoleOn(outsider)

    const visitor = await openClient(server, { siteKey: site.key, origin: HOST_ORIGIN })
    cleanups.push(() => visitor.close())
    visitor.send({ t: 'hello', as: 'visitor', page: { url: 'https://hats.test/felt', title: 'Felt hats' } })
    await visitor.waitFor('welcome')
    const row = visitorRow(beaConsole.page, 'Felt hats')
    await row.getByRole('button', { name: 'Start chat' }).click({ timeout: UI_MS })
    await beaConsole.page.getByRole('textbox', { name: /Message to/ }).fill('Can I help you choose?')

    // The visitor writes before Bea sends: their chat wins, and Bea is pointed at it.
    const first = await visitor.say('Which hat suits a round face?')
    await expect.poll(() => row.textContent(), { timeout: UI_MS }).toContain('Chatting')
    await beaConsole.page.getByRole('button', { name: 'Send' }).click()
    const refusal = beaConsole.page.getByRole('alert').filter({ hasText: 'already has an open conversation' })
    await refusal.waitFor({ timeout: UI_MS })
    await beaConsole.page.screenshot({ path: path.join(SHOTS, 'console-visitors-refused.png') })
    await refusal.getByRole('button', { name: 'Open that conversation' }).click()
    await beaConsole.page.waitForURL(new RegExp(`#/inbox/open/${first.conv}$`), { timeout: UI_MS })
    await beaConsole.page.locator('.message.from-visitor', { hasText: 'round face' }).waitFor({ timeout: UI_MS })

    await outsiderConsole.page.getByRole('heading', { name: 'Visitors' }).waitFor()
    expect(await outsiderConsole.page.locator('.visitor-row').count()).toBe(0)
    expect(await outsiderConsole.page.getByText('Nobody on your sites right now').isVisible()).toBe(true)
    expect(beaConsole.errors).toEqual([])
  })

  it('folds the visitor panel into a button on a tablet, which opens it over the conversation, and leaves it out in one column', async () => {
    const site = await server.addSite('Tablet shop', [HOST_ORIGIN])
    const cy = await server.addAgent({ name: 'Cy Agent', sites: [site] })
    const visitor = await openClient(server, { siteKey: site.key, origin: HOST_ORIGIN })
    cleanups.push(() => visitor.close())
    visitor.send({ t: 'hello', as: 'visitor', page: { url: 'https://tablets.test/', title: 'Tablets' }, tz: 'Europe/Paris' })
    await visitor.waitFor('welcome')
    visitor.send({ t: 'profile', name: 'Tom Tablet', email: 'tom@example.com' })
    const { conv } = await visitor.say('Is the 11 inch in stock?')

    const { page } = await newPage({ viewport: { width: 1024, height: 768 } })
    await page.goto(`${server.url}/console#/inbox/mine/${conv}`)
    await page.getByLabel('Email').fill(cy.email)
    await page.getByLabel('Password').fill(TEST_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.locator('.message.from-visitor', { hasText: '11 inch' }).waitFor({ timeout: UI_MS })
    const panel = page.getByRole('complementary', { name: 'Visitor' })
    const toggle = panel.getByRole('button', { name: 'Visitor' })
    await toggle.waitFor({ timeout: UI_MS })
    expect(await panel.getByText('Local time').isVisible()).toBe(false)
    await page.screenshot({ path: path.join(SHOTS, 'console-visitor-context-tablet-folded.png') })
    // The conversation keeps nearly all the room beside the inbox.
    const conversationWidth = await page.locator('.conversation').evaluate((element) => element.getBoundingClientRect().width)
    expect(conversationWidth).toBeGreaterThan(1024 - 340 - 60)
    await toggle.click()
    await panel.getByText('Local time').waitFor({ timeout: UI_MS })
    expect(await panel.textContent()).toContain('Europe/Paris')
    expect(await panel.textContent()).toContain('tom@example.com')
    await page.screenshot({ path: path.join(SHOTS, 'console-visitor-context-tablet.png') })
    await page.keyboard.press('Escape')
    await expect.poll(() => panel.getByText('Local time').isVisible()).toBe(false)

    // One column (a tablet held upright): the conversation takes the whole width.
    await page.setViewportSize({ width: 820, height: 1180 })
    await expect.poll(() => toggle.isVisible()).toBe(false)
    expect((await page.locator('.conversation').boundingBox())?.width).toBe(820)
  })
})

/**
 * The widget as a visitor meets it: Debian's Chromium loads a host page on an origin of its
 * own, which pastes the embed snippet; the widget talks to a real Parley server; an agent
 * answers over the protocol. Screenshots go to os.tmpdir()/parley-shots, to look at by eye.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Browser, BrowserContext, BrowserContextOptions, ConsoleMessage, Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, snippet, startHostSite, UI_MS, STUB, SHOTS } from '../support/browser.js'
import { connectAgent, type TestClient } from '../support/chat-client.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'
import { startTestServer, type TestServer } from '../support/test-server.js'
import type { Site } from '../../server/store/types.js'

const HOSTILE_CSS = '<style>* { all: unset } body { font-size: 40px } button { display:none !important }</style>'

let server: TestServer
let host: Awaited<ReturnType<typeof startHostSite>>
let browser: Browser
const cleanups: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  server = await startTestServer()
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

/** A site allowing the host page's origin, so each test has its own conversations. */
async function newSite(name: string): Promise<Site> {
  return server.addSite(name, [host.origin])
}

/** An agent of `site`, signed in and connected over the protocol: online from now on. */
async function onlineAgent(site: Site, name = 'Ada'): Promise<TestClient> {
  const agent = await server.addAgent({ name, sites: [site] })
  const { client } = await connectAgent(server, agent)
  cleanups.push(() => client.close())
  return client
}

let pageCount = 0
/** Serves a host page at a fresh path and returns its URL. */
function hostPage({ body = '', head = '', headers }: { body?: string; head?: string; headers?: Record<string, string> }): string {
  const pagePath = `/page-${++pageCount}`
  host.pages[pagePath] = {
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>${head}</head><body>${body}</body></html>`,
    ...(headers ? { headers } : {}),
  }
  return `${host.origin}${pagePath}`
}

async function newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options)
  cleanups.push(() => context.close())
  return context
}

interface Visit {
  page: Page
  /** Uncaught errors of the page (`pageerror`): the widget must never throw into it. */
  errors: Error[]
  console: ConsoleMessage[]
}

async function visit(context: BrowserContext, url: string): Promise<Visit> {
  const page = await context.newPage()
  const errors: Error[] = []
  const messages: ConsoleMessage[] = []
  page.on('pageerror', (error) => errors.push(error))
  page.on('console', (message) => messages.push(message))
  await page.goto(url)
  return { page, errors, console: messages }
}

// Playwright's role and CSS locators pierce open shadow roots: these find the widget's parts
// inside <parley-chat> as a visitor (or a screen reader) would.
/** The round launcher button (the panel's header has a "Close chat" button of its own). */
const launcher = (page: Page, name = 'Open chat') =>
  page.locator('parley-chat button.launcher').and(page.getByRole('button', { name, exact: true }))
const panel = (page: Page) => page.getByRole('dialog', { name: 'Chat with us' })
const messageField = (page: Page) => page.getByRole('textbox', { name: 'Message', exact: true })
const bubble = (page: Page, kind: 'visitor' | 'agent', text: string) => page.locator(`parley-chat .message.${kind}`, { hasText: text })

async function openChat(page: Page) {
  await launcher(page).click()
  await messageField(page).waitFor({ timeout: UI_MS })
}

/** Types a message and sends it with Enter, as a visitor does. */
async function write(page: Page, text: string) {
  await messageField(page).fill(text)
  await messageField(page).press('Enter')
}

/** The aria-label (or id) of the focused element, looking inside shadow roots. */
function focusedElement(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    let element = document.activeElement
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement
    return element?.getAttribute('aria-label') ?? element?.id ?? null
  })
}

/**
 * Resolves once the page has painted twice and run what was queued after: Preact runs effects
 * (such as a focus) after a paint, so whatever the panel does on mounting has been done.
 */
const settle = (page: Page) =>
  page.evaluate(async () => {
    for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))
  })

const textOf = (locator: Locator) => locator.textContent({ timeout: UI_MS })

/** Waits until the agent holds a visitor message with this text, and returns it. */
const visitorMessage = (agent: TestClient, text: string) =>
  agent.waitFor('msg', (m) => m.author.role === 'visitor' && m.text === text, UI_MS)

describe('the widget in a browser', { timeout: 20_000 }, () => {
  it('draws a 56×56 launcher in the corner of a hostile page, throws nothing and adds only `Parley` to window', async () => {
    const site = await newSite('Hostile shop')
    const context = await newContext()
    // Every global name of the page before any of its scripts runs, kept under a symbol so as
    // not to add a name of our own.
    await context.addInitScript(() => {
      ;(window as unknown as Record<symbol, string[]>)[Symbol.for('globals-before')] = Object.getOwnPropertyNames(window)
    })
    const url = hostPage({ head: HOSTILE_CSS, body: `<h1>Hostile shop</h1><button>Buy</button>${snippet(server.url, site.key)}` })
    const { page, errors } = await visit(context, url)

    const button = launcher(page)
    await button.waitFor({ timeout: UI_MS })
    expect(await button.isVisible()).toBe(true)
    const box = (await button.boundingBox())!
    expect({ width: box.width, height: box.height }).toEqual({ width: 56, height: 56 })
    // 20 px from the bottom right corner of the 1280×720 viewport, whatever `all: unset` did.
    expect({ right: box.x + box.width, bottom: box.y + box.height }).toEqual({ right: 1260, bottom: 700 })
    // The page's own button is hidden by its own CSS; the launcher, in its shadow root, is not.
    expect(await page.getByRole('button', { name: 'Buy' }).isVisible()).toBe(false)

    // The panel loads in the background once the page is idle: wait for it, then count globals.
    await page.locator('parley-chat textarea').waitFor({ state: 'attached', timeout: UI_MS })
    const added = await page.evaluate(() => {
      const before = new Set((window as unknown as Record<symbol, string[]>)[Symbol.for('globals-before')])
      return Object.getOwnPropertyNames(window).filter((name) => !before.has(name))
    })
    expect(added).toEqual(['Parley'])
    expect(errors).toEqual([])
    await page.screenshot({ path: path.join(SHOTS, 'launcher-on-hostile-page.png') })
  })

  it('lets a visitor chat with an agent: focus, Enter to send, typing, delivered and read, safe links and text', async () => {
    const site = await newSite('Chat shop')
    const agent = await onlineAgent(site, 'Ada')
    const context = await newContext()
    // The page puts the keyboard in its own field before the widget has even loaded.
    const url = hostPage({
      body: `<h1>Shop</h1><label>Search <input id="search"></label><script>search.focus()</script>${snippet(server.url, site.key)}`,
    })
    const { page, errors } = await visit(context, url)

    // The panel mounts in the background, hidden: the page's own field keeps the keyboard.
    await page.locator('parley-chat textarea').waitFor({ state: 'attached', timeout: UI_MS })
    await settle(page)
    expect(await focusedElement(page)).toBe('search')

    await openChat(page)
    expect(await focusedElement(page)).toBe('Message')

    await write(page, 'Hello, where is my order?')
    const question = await visitorMessage(agent, 'Hello, where is my order?')
    const status = bubble(page, 'visitor', 'Hello, where is my order?').locator('.meta')
    await expect.poll(() => textOf(status), { timeout: UI_MS }).toMatch(/ · Delivered$/)

    agent.send({ t: 'typing', conv: question.conv, on: true })
    await page.getByText('Ada is typing…').waitFor({ timeout: UI_MS })

    agent.send({ t: 'read', conv: question.conv, seq: question.seq })
    await expect.poll(() => textOf(status), { timeout: UI_MS }).toMatch(/ · Read$/)

    const answer = 'Track it at https://example.com/track?id=42. <img src=x onerror="window.pwned=1">'
    await agent.say(answer, question.conv)
    const reply = bubble(page, 'agent', 'Track it at')
    await reply.waitFor({ timeout: UI_MS })
    expect(await reply.locator('.bubble').textContent()).toBe(answer)
    expect(await reply.locator('.author').textContent()).toBe('Ada')
    expect(await page.getByRole('heading', { name: 'You are chatting with Ada' }).isVisible()).toBe(true)
    // An agent message ends their typing.
    expect(await page.getByText('Ada is typing…').count()).toBe(0)

    const link = reply.getByRole('link', { name: 'https://example.com/track?id=42' })
    expect(await link.getAttribute('href')).toBe('https://example.com/track?id=42')
    expect((await link.getAttribute('rel'))?.split(' ')).toContain('noopener')
    expect(await link.getAttribute('target')).toBe('_blank')
    // The markup arrived as text: no element was made from it and its handler never ran.
    expect(await page.locator('parley-chat img').count()).toBe(0)
    expect(await page.locator('img').count()).toBe(0)
    expect(await page.evaluate(() => 'pwned' in window)).toBe(false)

    // The visitor, panel open, has seen the answer: the agent is told.
    const answerSeq = agent.events(question.conv).find((m) => m.text === answer)!.seq
    await agent.waitFor('read', (r) => r.role === 'visitor' && r.conv === question.conv && r.seq === answerSeq, UI_MS)

    await page.screenshot({ path: path.join(SHOTS, 'panel-mid-conversation.png') })
    expect(errors).toEqual([])
  })

  it('keeps the conversation across a reload and shows it live in a second tab', async () => {
    const site = await newSite('Two tab shop')
    const agent = await onlineAgent(site, 'Ada')
    const context = await newContext()
    const url = hostPage({ body: `<h1>Shop</h1>${snippet(server.url, site.key)}` })
    const first = await visit(context, url)
    const tabA = first.page

    await openChat(tabA)
    await write(tabA, 'Is the blue kettle in stock?')
    const question = await visitorMessage(agent, 'Is the blue kettle in stock?')
    await agent.say('Yes, three left.', question.conv)
    await bubble(tabA, 'agent', 'Yes, three left.').waitFor({ timeout: UI_MS })

    const token = () => tabA.evaluate((key) => localStorage.getItem(`parley:${key}:token`), site.key)
    const tokenBefore = await token()
    expect(tokenBefore).toBeTruthy()
    await tabA.reload()
    await openChat(tabA)
    expect(await token()).toBe(tokenBefore)
    await bubble(tabA, 'visitor', 'Is the blue kettle in stock?').waitFor({ timeout: UI_MS })
    await bubble(tabA, 'agent', 'Yes, three left.').waitFor({ timeout: UI_MS })

    const second = await visit(context, url)
    const tabB = second.page
    await openChat(tabB)
    await bubble(tabB, 'agent', 'Yes, three left.').waitFor({ timeout: UI_MS })

    await write(tabA, 'I will take one.')
    await bubble(tabB, 'visitor', 'I will take one.').waitFor({ timeout: UI_MS })
    // Still one conversation: the agent sees the new message in the same one.
    expect((await visitorMessage(agent, 'I will take one.')).conv).toBe(question.conv)

    await agent.say('Reserved for you.', question.conv)
    await bubble(tabA, 'agent', 'Reserved for you.').waitFor({ timeout: UI_MS })
    await bubble(tabB, 'agent', 'Reserved for you.').waitFor({ timeout: UI_MS })
    expect([...first.errors, ...second.errors]).toEqual([])
  })

  it('counts agent messages that arrive while the panel is closed, tells Parley.on("unread"), and clears on opening', async () => {
    const site = await newSite('Badge shop')
    const agent = await onlineAgent(site, 'Ada')
    const context = await newContext()
    const url = hostPage({
      body: `<h1>Shop</h1><script>${STUB} window.unreadSeen = []; Parley('on', 'unread', function (n) { unreadSeen.push(n) })</script>${snippet(server.url, site.key)}`,
    })
    const { page, errors } = await visit(context, url)
    const badge = page.locator('parley-chat .badge')

    await openChat(page)
    await write(page, 'Can I change my address?')
    const question = await visitorMessage(agent, 'Can I change my address?')
    await launcher(page, 'Close chat').click()
    await panel(page).waitFor({ state: 'hidden', timeout: UI_MS })
    expect(await badge.isVisible()).toBe(false)

    await agent.say('Sure, what is the new one?', question.conv)
    await badge.waitFor({ timeout: UI_MS })
    expect(await badge.textContent()).toBe('1')
    expect(await page.evaluate(() => (window as unknown as { unreadSeen: number[] }).unreadSeen)).toEqual([1])

    await launcher(page).click()
    await badge.waitFor({ state: 'hidden', timeout: UI_MS })
    await bubble(page, 'agent', 'Sure, what is the new one?').waitFor({ timeout: UI_MS })
    expect(await page.evaluate(() => (window as unknown as { unreadSeen: number[] }).unreadSeen)).toEqual([1, 0])
    expect(errors).toEqual([])
  })

  it('runs calls queued before the script loaded, then open, close and toggle; an unknown call only warns', async () => {
    const site = await newSite('Queue shop')
    const context = await newContext()
    const url = hostPage({
      body: `<h1>Shop</h1><script>${STUB} Parley('open'); Parley('on', 'ready', function () { window.readyRan = true })</script>${snippet(server.url, site.key)}`,
    })
    const { page, errors, console } = await visit(context, url)

    await panel(page).waitFor({ timeout: UI_MS })
    expect(await launcher(page, 'Close chat').getAttribute('aria-expanded')).toBe('true')
    await expect.poll(() => page.evaluate(() => (window as unknown as { readyRan?: boolean }).readyRan), { timeout: UI_MS }).toBe(true)
    expect(await page.evaluate(() => (window as unknown as { Parley: { version: string } }).Parley.version)).toBe('1')

    await page.evaluate(() => (window as unknown as { Parley: { close(): void } }).Parley.close())
    await panel(page).waitFor({ state: 'hidden', timeout: UI_MS })
    expect(await launcher(page).getAttribute('aria-expanded')).toBe('false')

    await page.evaluate(() => (window as unknown as { Parley: { toggle(): void } }).Parley.toggle())
    await panel(page).waitFor({ timeout: UI_MS })
    await page.evaluate(() => (window as unknown as { Parley: { toggle(): void } }).Parley.toggle())
    await panel(page).waitFor({ state: 'hidden', timeout: UI_MS })

    await page.evaluate(() => (window as unknown as { Parley: (name: string) => void }).Parley('explode'))
    await expect
      .poll(() => console.filter((m) => m.type() === 'warning').map((m) => m.text()), { timeout: UI_MS })
      .toContain('[parley] unknown call explode')
    expect(errors).toEqual([])
  })

  it('works end to end under a strict Content-Security-Policy, without a single violation', async () => {
    const site = await newSite('Strict shop')
    const agent = await onlineAgent(site, 'Ada')
    const context = await newContext()
    // Installed by the browser before the page's scripts, so the policy does not apply to it.
    await context.addInitScript(() => {
      const seen: string[] = ((window as unknown as { cspViolations: string[] }).cspViolations = [])
      document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI}`))
    })
    const parley = server.url
    const policy = `default-src 'none'; script-src ${parley} 'nonce-xyz'; connect-src ${parley} ${parley.replace(/^http/, 'ws')}; style-src 'self'`
    const url = hostPage({ body: `<h1>Strict shop</h1>${snippet(server.url, site.key)}`, headers: { 'Content-Security-Policy': policy } })
    const sockets: string[] = []
    context.on('page', (opened) => opened.on('websocket', (socket) => sockets.push(new URL(socket.url()).pathname)))
    const { page, errors, console } = await visit(context, url)
    const violations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)

    await openChat(page)
    await write(page, 'Does this work behind a strict policy?')
    const question = await visitorMessage(agent, 'Does this work behind a strict policy?')
    await agent.say('It does.', question.conv)
    await bubble(page, 'agent', 'It does.').waitFor({ timeout: UI_MS })

    // Over a WebSocket, which is what the policy's ws: source is for.
    expect(sockets).toContain('/ws')
    expect(await violations()).toEqual([])
    expect(console.filter((m) => m.type() === 'error' && /Content Security Policy/i.test(m.text())).map((m) => m.text())).toEqual([])
    expect(errors).toEqual([])

    // The listener does hear violations: a connection the policy does not allow is reported.
    await page.evaluate(() => fetch('http://127.0.0.1:9/').catch(() => {}))
    await expect.poll(violations, { timeout: UI_MS }).toEqual(['connect-src http://127.0.0.1:9/'])
  })

  it('chats over long polling, both ways, when a proxy refuses WebSocket upgrades', async () => {
    const site = await newSite('Proxied shop')
    const agent = await onlineAgent(site, 'Ada')
    const proxy: TcpProxy = await startTcpProxy(server.server.port)
    cleanups.push(() => proxy.close())
    proxy.refuseWebSockets()
    const context = await newContext()
    const url = hostPage({ body: `<h1>Shop behind a proxy</h1>${snippet(proxy.url, site.key)}` })
    const polls: string[] = []
    context.on('request', (request) => {
      if (new URL(request.url()).pathname === '/poll') polls.push(request.method())
    })
    const { page, errors } = await visit(context, url)

    await openChat(page)
    await write(page, 'Hello from behind a proxy')
    const question = await visitorMessage(agent, 'Hello from behind a proxy')
    await agent.say('Heard you over polling.', question.conv)
    await bubble(page, 'agent', 'Heard you over polling.').waitFor({ timeout: UI_MS })
    const status = bubble(page, 'visitor', 'Hello from behind a proxy').locator('.meta')
    await expect.poll(() => textOf(status), { timeout: UI_MS }).toMatch(/ · (Delivered|Read)$/)

    expect(proxy.stats.refusedUpgrades).toBeGreaterThanOrEqual(1)
    expect(polls).toContain('GET')
    expect(polls).toContain('POST')
    expect(errors).toEqual([])
  })

  it('fills a phone screen with the open panel', async () => {
    const site = await newSite('Mobile shop')
    const agent = await onlineAgent(site, 'Ada')
    const context = await newContext({ viewport: { width: 390, height: 780 } })
    const url = hostPage({ head: '<meta name="viewport" content="width=device-width, initial-scale=1">', body: `<h1>Shop</h1>${snippet(server.url, site.key)}` })
    const { page, errors } = await visit(context, url)

    await openChat(page)
    // Polled: the panel slides in (a short animation) before it settles.
    await expect.poll(() => panel(page).boundingBox(), { timeout: UI_MS }).toEqual({ x: 0, y: 0, width: 390, height: 780 })
    // The launcher steps aside: the one way to close is the panel's own button.
    expect(await page.locator('parley-chat .launcher').isVisible()).toBe(false)
    expect(await page.getByRole('button', { name: 'Close chat' }).count()).toBe(1)

    await write(page, 'Hi from my phone')
    const question = await visitorMessage(agent, 'Hi from my phone')
    await agent.say('Hello! How can I help?', question.conv)
    await bubble(page, 'agent', 'Hello! How can I help?').waitFor({ timeout: UI_MS })
    await page.screenshot({ path: path.join(SHOTS, 'mobile-open-panel.png') })

    await panel(page).getByRole('button', { name: 'Close chat' }).click()
    await launcher(page).waitFor({ timeout: UI_MS })
    expect(errors).toEqual([])
  })

  it('speaks the language asked for with data-locale', async () => {
    const site = await newSite('Boutique')
    const context = await newContext()
    const url = hostPage({ body: `<h1>Boutique</h1>${snippet(server.url, site.key, 'data-locale="fr"')}` })
    const { page, errors } = await visit(context, url)

    await launcher(page, 'Ouvrir le chat').waitFor({ timeout: UI_MS })
    await launcher(page, 'Ouvrir le chat').click()
    await launcher(page, 'Fermer le chat').waitFor({ timeout: UI_MS })
    expect(await page.getByRole('dialog', { name: 'Discutons' }).isVisible()).toBe(true)
    expect(errors).toEqual([])
  })
})

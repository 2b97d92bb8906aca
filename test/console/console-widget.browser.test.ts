/**
 * The console and the real widget together, each in Debian's Chromium: a visitor writes from a
 * host page on another origin, agents answer from their consoles in browser contexts of their
 * own. Screenshots go to os.tmpdir()/parley-shots, to look at by eye.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, snippet, startHostSite, SHOTS, UI_MS } from '../support/browser.js'
import { connectVisitor } from '../support/chat-client.js'
import { freePort } from '../support/free-port.js'
import { startTcpProxy } from '../support/tcp-proxy.js'
import { TEST_PASSWORD, startTestServer, type TestServer } from '../support/test-server.js'
import type { Agent } from '../../server/store/types.js'

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

/** A signed-in console at `consoleUrl`, in a browser context of its own, with the page's errors collected. */
async function signedInConsole(agent: Agent, consoleUrl = `${server.url}/console`) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  cleanups.push(() => context.close())
  const page = await context.newPage()
  const errors: Error[] = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(consoleUrl)
  await page.getByLabel('Email').fill(agent.email)
  await page.getByLabel('Password').fill(TEST_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByText('Connected').waitFor({ timeout: UI_MS })
  return { page, errors }
}

/** A visitor's browser on the host page, which pastes the embed snippet. */
async function visitorPage(siteKey: string) {
  host.pages['/shop'] = {
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Our shop</h1>${snippet(server.url, siteKey)}</body></html>`,
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  cleanups.push(() => context.close())
  const page = await context.newPage()
  const errors: Error[] = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(`${host.origin}/shop`)
  return { page, errors }
}

/** The widget's parts, found through its open shadow root as a visitor would. */
const widgetBubble = (page: Page, kind: 'visitor' | 'agent', text: string) => page.locator(`parley-chat .message.${kind}`, { hasText: text })
const widgetText = (page: Page) => page.locator('parley-chat').evaluate((element) => element.shadowRoot?.textContent ?? '')

async function reply(page: Page, text: string) {
  const field = page.getByLabel('Reply')
  await field.fill(text)
  await field.press('Enter')
}

describe('the console with the real widget', () => {
  it('answers a widget visitor, keeps a note from them, transfers to a colleague in another browser, who answers and closes', async () => {
    const site = await server.addSite('Widget shop', [host.origin])
    const ann = await server.addAgent({ name: 'Ann Agent', sites: [site] })
    const bob = await server.addAgent({ name: 'Bob Agent', sites: [site] })
    const annConsole = await signedInConsole(ann)

    // The visitor writes from the widget; Ann, the only agent online, gets the chat at once.
    const visitor = await visitorPage(site.key)
    await visitor.page.getByRole('button', { name: 'Open chat', exact: true }).click()
    const message = visitor.page.getByRole('textbox', { name: 'Message', exact: true })
    await message.fill('Hello, my invoice shows the wrong address.')
    await message.press('Enter')
    const row = annConsole.page.locator('.row', { hasText: 'wrong address' })
    await row.click({ timeout: UI_MS })
    await annConsole.page.getByText('Assigned to you').waitFor({ timeout: UI_MS })
    await reply(annConsole.page, 'Sorry about that, let me look.')
    await widgetBubble(visitor.page, 'agent', 'let me look').waitFor({ timeout: UI_MS })

    // A note for colleagues: marked in the console, never in the widget.
    await annConsole.page.getByLabel('Internal note').check()
    await reply(annConsole.page, 'Customer since 2019, be generous.')
    await annConsole.page.locator('.message.is-note', { hasText: 'be generous' }).waitFor({ timeout: UI_MS })
    await annConsole.page.getByLabel('Internal note').uncheck()

    // Bob signs in in a second browser and takes the chat over.
    const bobConsole = await signedInConsole(bob)
    await annConsole.page.getByLabel('Transfer to').selectOption({ label: 'Bob Agent' }, { timeout: UI_MS })
    await annConsole.page.getByRole('button', { name: 'Transfer', exact: true }).click()
    await annConsole.page.getByText('Assigned to Bob Agent').waitFor({ timeout: UI_MS })
    // The conversation's id is in Ann's address bar.
    const conv = new URL(annConsole.page.url()).hash.split('/').at(-1)
    await bobConsole.page.locator(`.row[data-conv="${conv}"]`).click({ timeout: UI_MS })
    await bobConsole.page.getByText('Assigned to you').waitFor({ timeout: UI_MS })
    await bobConsole.page.locator('.message.is-note', { hasText: 'be generous' }).waitFor({ timeout: UI_MS })
    await reply(bobConsole.page, 'Bob here: the address is fixed.')
    await widgetBubble(visitor.page, 'agent', 'address is fixed').waitFor({ timeout: UI_MS })
    await visitor.page.screenshot({ path: path.join(SHOTS, 'console-widget-visitor.png') })
    await bobConsole.page.screenshot({ path: path.join(SHOTS, 'console-widget-agent.png') })

    // The note was written before Bob's answer, which the visitor has: it would have come first.
    expect(await widgetText(visitor.page)).not.toContain('be generous')

    await bobConsole.page.getByRole('button', { name: 'Close', exact: true }).click()
    await bobConsole.page.getByText('This conversation is closed').waitFor({ timeout: UI_MS })
    await expect.poll(() => widgetText(visitor.page), { timeout: UI_MS }).toContain('closed the conversation')
    expect(await widgetText(visitor.page)).not.toContain('be generous')
    expect([...annConsole.errors, ...bobConsole.errors, ...visitor.errors]).toEqual([])
  })

  it('works over long polling when a proxy in front of Parley refuses WebSockets', async () => {
    // The proxy is Parley's public address, so the console's origin is the one Parley expects.
    const proxyPort = await freePort()
    const behind = await startTestServer({ 'public-url': `http://127.0.0.1:${proxyPort}` })
    cleanups.push(() => behind.stop())
    const proxy = await startTcpProxy(behind.server.port, '127.0.0.1', proxyPort)
    cleanups.push(() => proxy.close())
    proxy.refuseWebSockets()
    const site = await behind.addSite('Polling shop')
    const agent = await behind.addAgent({ name: 'Polly Agent', sites: [site] })

    const { page, errors } = await signedInConsole(agent, `${proxy.url}/console`)
    const { client: visitor } = await connectVisitor(behind, { siteKey: site.key })
    await visitor.say('Can you hear me through the proxy?')
    await page.locator('.row', { hasText: 'through the proxy' }).click({ timeout: UI_MS })
    await reply(page, 'Loud and clear, over polling.')
    const answer = await visitor.waitFor('msg', (m) => m.author.role === 'agent' && m.text.includes('over polling'), UI_MS)

    expect(answer.author.name).toBe('Polly Agent')
    expect(proxy.stats.refusedUpgrades).toBeGreaterThanOrEqual(1)
    expect(errors).toEqual([])
    await visitor.close()
  })
})

/**
 * The console's keyboard, title, tablet layout and site isolation, as an agent meets them in
 * Debian's Chromium. Each test has a site of its own, so that chats of one test never reach the
 * agents of another. Screenshots go to os.tmpdir()/parley-shots, to look at by eye.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, UI_MS, SHOTS } from '../support/browser.js'
import { connectAgent, connectVisitor, signIn } from '../support/chat-client.js'
import { freePort } from '../support/free-port.js'
import { TEST_PASSWORD, startTestServer, type TestServer } from '../support/test-server.js'
import type { Agent } from '../../server/store/types.js'


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

/** A signed-in console in a context of its own, with the page's errors collected. */
async function signedInConsole(agent: Agent, options: BrowserContextOptions & { initScript?: string } = {}) {
  const { initScript, ...contextOptions } = options
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions })
  if (initScript) await context.addInitScript(initScript)
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

/** A visitor of `site` who has written `text`. */
async function visitorSaying(site: { key: string }, text: string) {
  const { client } = await connectVisitor(server, { siteKey: site.key })
  const ack = await client.say(text)
  return { visitor: client, conv: ack.conv }
}

const selectedRow = (page: Page) => page.locator('.row[aria-current="true"]')

describe('the agent console, further', () => {
  it('moves through the current tab with Alt+ArrowDown and Alt+ArrowUp, and goes to the reply with Alt+R', async () => {
    const site = await server.addSite('Shortcuts')
    const agent = await server.addAgent({ name: 'Keys Agent', sites: [site] })
    const { page, errors } = await signedInConsole(agent)
    const chats = []
    for (const text of ['First question', 'Second question', 'Third question']) chats.push(await visitorSaying(site, text))
    await page.locator('.row', { hasText: 'Third question' }).waitFor({ timeout: UI_MS })
    await expect.poll(() => page.locator('.shortcuts').textContent()).toContain('Alt+R')

    await page.locator('.row', { hasText: 'First question' }).click()
    await expect.poll(() => selectedRow(page).textContent(), { timeout: UI_MS }).toContain('First question')
    await page.keyboard.press('Alt+ArrowDown')
    await expect.poll(() => selectedRow(page).textContent(), { timeout: UI_MS }).toContain('Second question')
    await page.locator('.message.from-visitor', { hasText: 'Second question' }).waitFor({ timeout: UI_MS })

    // Alt+R reaches the reply; a plain "/" stays in it (canned responses will start with one).
    await page.keyboard.press('Alt+R')
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Reply')
    await page.keyboard.type('/thanks')
    expect(await page.getByLabel('Reply').inputValue()).toBe('/thanks')
    expect(await selectedRow(page).textContent()).toContain('Second question')

    // Alt combinations work from inside the reply too, and stop at the ends of the list.
    await page.keyboard.press('Alt+ArrowDown')
    await expect.poll(() => selectedRow(page).textContent(), { timeout: UI_MS }).toContain('Third question')
    await page.keyboard.press('Alt+ArrowDown')
    await page.keyboard.press('Alt+ArrowUp')
    await page.keyboard.press('Alt+ArrowUp')
    await page.keyboard.press('Alt+ArrowUp')
    await expect.poll(() => selectedRow(page).textContent(), { timeout: UI_MS }).toContain('First question')

    // On a wide screen the inbox stays beside the conversation: no Back.
    expect(await page.getByRole('button', { name: 'Back' }).isVisible()).toBe(false)
    expect(errors).toEqual([])
    for (const { visitor } of chats) await visitor.close()
    await page.context().close()
  })

  it('counts unread messages of conversations not open in the title, and notifies of them once allowed', async () => {
    // A stand-in for the browser's Notification, recording what the console asks of it.
    const fakeNotification = `
      window.__notes = []; window.__asked = 0
      window.Notification = class { static permission = 'default'
        static async requestPermission() { window.__asked++; this.permission = 'granted'; return 'granted' }
        constructor(title, options) { window.__notes.push({ title, body: options && options.body }) }
        close() {} }`
    const site = await server.addSite('Titles')
    const agent = await server.addAgent({ name: 'Title Agent', sites: [site] })
    const { page, errors } = await signedInConsole(agent, { initScript: fakeNotification })
    const baseTitle = await page.title()
    expect(baseTitle).not.toMatch(/^\(/)
    expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(0)
    await page.getByRole('button', { name: 'Enable notifications' }).click()
    await page.getByRole('button', { name: 'Enable notifications' }).waitFor({ state: 'detached', timeout: UI_MS })
    expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(1)

    const first = await visitorSaying(site, 'Question in the open chat')
    const row = page.locator('.row', { hasText: 'Question in the open chat' })
    await row.waitFor({ timeout: UI_MS })
    await expect.poll(() => page.title(), { timeout: UI_MS }).toBe(`(1) ${baseTitle}`)
    await row.click()
    await expect.poll(() => page.title(), { timeout: UI_MS }).toBe(baseTitle)
    const notesBefore = await page.evaluate(() => (window as unknown as { __notes: unknown[] }).__notes.length)

    // In the open conversation, on a visible page: read at once, no alert.
    await first.visitor.say('A follow-up, seen at once', first.conv)
    await page.locator('.message.from-visitor', { hasText: 'A follow-up' }).waitFor({ timeout: UI_MS })

    // Elsewhere: counted in the title, and notified.
    const second = await visitorSaying(site, 'Question in another chat')
    await second.visitor.say('And another thing', second.conv)
    await expect.poll(() => page.title(), { timeout: UI_MS }).toBe(`(2) ${baseTitle}`)
    await page.screenshot({ path: path.join(SHOTS, 'console-unread-title.png') })
    const notes = await page.evaluate(() => (window as unknown as { __notes: { title: string; body: string }[] }).__notes)
    expect(notes.slice(notesBefore).map((n) => n.body)).toEqual(['Question in another chat', 'And another thing'])
    expect(notes.map((n) => n.body)).not.toContain('A follow-up, seen at once')

    // With the page hidden (another tab in front), the open conversation's news counts too,
    // until the page is back in view.
    const setHidden = (hidden: boolean) => page.evaluate((hide) => {
      if (hide) Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
      else delete (document as { visibilityState?: unknown }).visibilityState
      document.dispatchEvent(new Event('visibilitychange'))
    }, hidden)
    await setHidden(true)
    await first.visitor.say('Written while the agent looks away', first.conv)
    await expect.poll(() => page.title(), { timeout: UI_MS }).toBe(`(3) ${baseTitle}`)
    await expect.poll(() => page.evaluate(() => (window as unknown as { __notes: { body: string }[] }).__notes.at(-1)?.body)).toBe('Written while the agent looks away')
    await setHidden(false)
    await expect.poll(() => page.title(), { timeout: UI_MS }).toBe(`(2) ${baseTitle}`)

    await page.locator('.row', { hasText: 'another thing' }).click()
    await expect.poll(() => page.title(), { timeout: UI_MS }).toBe(baseTitle)
    expect(errors).toEqual([])
    await first.visitor.close()
    await second.visitor.close()
    await page.context().close()
  })

  it('shows one column on a tablet (820×1180): the inbox, then the conversation with Back', async () => {
    const site = await server.addSite('Tablets')
    const agent = await server.addAgent({ name: 'Tablet Agent', sites: [site] })
    const { page, errors } = await signedInConsole(agent, { viewport: { width: 820, height: 1180 }, hasTouch: true })
    const { visitor, conv } = await visitorSaying(site, 'Hello from a tablet test, my parcel is late')
    await visitor.say('It was due on Monday, order #2231.', conv)
    const row = page.locator('.row', { hasText: 'order #2231' })
    await row.waitFor({ timeout: UI_MS })

    // The inbox fills the width; there is no empty conversation pane beside it.
    const inbox = await page.locator('.inbox').boundingBox()
    expect(inbox?.width).toBe(820)
    expect(await page.locator('.empty-view').isVisible()).toBe(false)
    await page.screenshot({ path: path.join(SHOTS, 'console-tablet-inbox.png') })

    await row.tap()
    await page.locator('.message.from-visitor', { hasText: 'order #2231' }).waitFor({ timeout: UI_MS })
    expect(await page.locator('.inbox').isVisible()).toBe(false)
    expect((await page.locator('.conversation').boundingBox())?.width).toBe(820)
    const back = page.getByRole('button', { name: 'Back' })
    expect(await back.isVisible()).toBe(true)
    await page.getByLabel('Reply').fill('Let me look into it.')
    await page.screenshot({ path: path.join(SHOTS, 'console-tablet-conversation.png') })

    await back.tap()
    await page.locator('.inbox').waitFor({ state: 'visible', timeout: UI_MS })
    expect(await page.locator('.conversation').count()).toBe(0)
    expect(errors).toEqual([])
    await visitor.close()
    await page.context().close()
  })

  it("keeps another site's conversation from an agent, in every tab and over the agent's own session", async () => {
    const siteA = await server.addSite('Site A')
    const siteB = await server.addSite('Site B')
    const agentB = await server.addAgent({ name: 'Agent of B', sites: [siteB] })
    // No agent of A is online: A's chat waits in A's queue, where B's agent must not see it.
    const a = await visitorSaying(siteA, 'A secret of site A')
    const { page, errors } = await signedInConsole(agentB)
    const b = await visitorSaying(siteB, 'A question for site B')
    await page.locator('.row', { hasText: 'A question for site B' }).waitFor({ timeout: UI_MS })

    for (const tab of ['Mine', 'Queue', 'All open', 'Closed']) {
      await page.getByRole('tab', { name: new RegExp(`^${tab}`) }).click()
      await expect.poll(() => page.getByRole('tabpanel').getAttribute('aria-label')).toBe(tab)
      expect(await page.locator('.row', { hasText: 'site A' }).count()).toBe(0)
      expect(await page.locator(`.row[data-conv="${a.conv}"]`).count()).toBe(0)
    }
    await page.getByRole('tab', { name: /^All open/ }).click()
    await page.locator('.row', { hasText: 'A question for site B' }).waitFor({ timeout: UI_MS })

    // Guessing the conversation's address opens nothing of it.
    await page.goto(`${server.url}/console#/inbox/open/${a.conv}`)
    await page.getByText('This conversation is not available.').waitFor({ timeout: UI_MS })
    expect(await page.getByText('A secret of site A').count()).toBe(0)

    // The same session over the protocol: A's conversation answers as if it did not exist.
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ')
    const { client, welcome } = await connectAgent(server, agentB, { cookie })
    expect(welcome.conversations.map((c) => c.id)).toContain(b.conv)
    expect(welcome.conversations.map((c) => c.id)).not.toContain(a.conv)
    client.send({ t: 'claim', conv: a.conv, ref: 'claim-a' })
    client.send({ t: 'history', conv: a.conv, ref: 'history-a' })
    expect((await client.waitFor('error', (e) => e.ref === 'claim-a')).code).toBe('not_found')
    expect((await client.waitFor('error', (e) => e.ref === 'history-a')).code).toBe('not_found')
    expect(client.ofType('history').filter((h) => h.conv === a.conv)).toEqual([])
    expect(client.ofType('msg').filter((m) => m.conv === a.conv)).toEqual([])
    // A's visitor is still waiting for A's agents: nobody joined.
    await a.visitor.roundTrip()
    expect(a.visitor.events(a.conv).filter((m) => m.sys)).toEqual([])

    expect(errors).toEqual([])
    await client.close()
    await a.visitor.close()
    await b.visitor.close()
    await page.context().close()
  })

  it('returns to the sign-in form when an administrator deactivates the agent', async () => {
    const agent = await server.addAgent({ name: 'Soon Gone' })
    const admin = await server.addAgent({ name: 'Boss', role: 'admin' })
    const { page, errors } = await signedInConsole(agent)

    const cookie = await signIn(server, admin.email)
    const response = await fetch(`${server.url}/api/console/admin/agents/${agent.id}`, {
      method: 'PATCH',
      headers: { cookie, 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ active: false }),
    })
    expect(response.status).toBe(200)

    await page.getByLabel('Email').waitFor({ timeout: UI_MS })
    expect(errors).toEqual([])
    await page.context().close()
  })

  it('loads older messages as the agent scrolls back, keeping the view where it was', async () => {
    const site = await server.addSite('Long talks')
    const agent = await server.addAgent({ name: 'Patient Agent', sites: [site] })
    // More than two history pages (50 events each), written before the agent looks.
    const store = server.server.store
    const visitor = await store.createVisitor(site.id, 'long-talk-visitor', {}, Date.now())
    let conv = 0
    for (let i = 1; i <= 120; i++) {
      const text = `line ${String(i).padStart(3, '0')}`
      conv = (await store.appendVisitorMessage({ siteId: site.id, visitorId: visitor.id, clientId: `c${i}`, text, reopenWindowMs: 0, now: Date.now() })).conversation.id
    }
    const { page, errors } = await signedInConsole(agent)
    await page.goto(`${server.url}/console#/inbox/open/${conv}`)
    const messages = page.locator('.messages')
    await page.locator('.message', { hasText: 'line 120' }).waitFor({ timeout: UI_MS })
    expect(await page.locator('.message', { hasText: 'line 001' }).count()).toBe(0)

    // Scrolling to the top twice brings both older pages (50 events each, the newest being the
    // agent's joining), without jumping back to the newest.
    for (const oldest of ['line 022', 'line 001']) {
      await messages.evaluate((element) => element.scrollTo({ top: 0 }))
      await page.locator('.message', { hasText: oldest }).waitFor({ timeout: UI_MS })
      expect(await messages.evaluate((element) => element.scrollTop)).toBeGreaterThan(0)
      expect(await messages.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight)).toBeGreaterThan(200)
    }
    expect(await page.locator('.message', { hasText: /^line \d+/ }).count()).toBe(120)
    expect(errors).toEqual([])
    await page.context().close()
  })
})

/**
 * The console as an agent meets it: Debian's Chromium signs in through the form, a visitor
 * writes over the protocol, the agent answers and closes from the UI. Screenshots go to
 * os.tmpdir()/parley-shots, to look at by eye.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, UI_MS, SHOTS } from '../support/browser.js'
import { connectAgent, connectVisitor } from '../support/chat-client.js'
import { freePort } from '../support/free-port.js'
import { TEST_PASSWORD, startTestServer, type TestServer } from '../support/test-server.js'


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

async function openConsole(): Promise<{ page: Page; errors: Error[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  const errors: Error[] = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(`${server.url}/console`)
  return { page, errors }
}

async function signInThroughForm(page: Page, email: string, password = TEST_PASSWORD) {
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

describe('the agent console', () => {
  it('serves a shell that loads the hashed bundle, cached for good', async () => {
    const shell = await fetch(`${server.url}/console`)
    expect(shell.status).toBe(200)
    expect(shell.headers.get('content-security-policy')).toContain("default-src 'self'")
    const html = await shell.text()
    const bundle = /src="(\/console\/console-[\w-]+\.js)"/.exec(html)?.[1]
    expect(bundle).toBeDefined()
    expect(html).not.toMatch(/<script>|<style/)
    const code = await fetch(`${server.url}${bundle}`)
    expect(code.status).toBe(200)
    expect(code.headers.get('cache-control')).toContain('immutable')
    expect((await fetch(`${server.url}/console/console-nope.js`)).status).toBe(404)
    expect((await fetch(`${server.url}/`, { redirect: 'manual' })).headers.get('location')).toBe('/console')
  })

  it('refuses a wrong password and says so', async () => {
    const agent = await server.addAgent({ name: 'Wrong' })
    const { page } = await openConsole()
    await signInThroughForm(page, agent.email, 'not the password')
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: UI_MS }).toContain('do not match')
    await page.context().close()
  })

  it('signs in, answers a visitor from the inbox, keeps the session across a reload, and closes', async () => {
    const agent = await server.addAgent({ name: 'Grace Hopper' })
    const { page, errors } = await openConsole()
    await page.getByLabel('Email').waitFor({ timeout: UI_MS })
    await page.screenshot({ path: path.join(SHOTS, 'console-sign-in.png') })
    await signInThroughForm(page, agent.email)
    await page.getByText('Connected').waitFor({ timeout: UI_MS })

    // The only agent online: the visitor's chat is assigned to them at once.
    const { client: visitor } = await connectVisitor(server)
    await visitor.say('Hello, my order #1042 has not arrived yet.')
    const row = page.locator('.row', { hasText: 'order #1042' })
    await row.waitFor({ timeout: UI_MS })
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: UI_MS }).toBe('1')

    // The session survives a reload, and the chat is still there.
    await page.reload()
    await row.waitFor({ timeout: UI_MS })
    await page.screenshot({ path: path.join(SHOTS, 'console-inbox.png') })

    await row.click()
    await page.locator('.message.from-visitor', { hasText: 'order #1042' }).waitFor({ timeout: UI_MS })
    const reply = page.getByLabel('Reply')
    await reply.fill('Sorry about that!')
    await reply.press('Shift+Enter')
    await reply.pressSequentially('Let me check with the courier.')
    await reply.press('Enter')
    const answer = await visitor.waitFor('msg', (m) => m.author.role === 'agent' && m.text.includes('courier'), UI_MS)
    expect(answer.text).toBe('Sorry about that!\nLet me check with the courier.')
    expect(answer.author.name).toBe('Grace Hopper')

    // The visitor reads it and types: the agent sees both.
    visitor.send({ t: 'read', conv: answer.conv, seq: answer.seq })
    visitor.send({ t: 'typing', on: true })
    await page.locator('.receipt', { hasText: 'Seen' }).waitFor({ timeout: UI_MS })
    await page.getByText('is typing…').first().waitFor({ timeout: UI_MS })
    await page.screenshot({ path: path.join(SHOTS, 'console-conversation.png') })

    await page.getByRole('button', { name: 'Close', exact: true }).click()
    await visitor.waitFor('conv', (f) => f.conv.status === 'closed', UI_MS)
    await page.getByText('This conversation is closed').waitFor({ timeout: UI_MS })
    await page.getByRole('tab', { name: 'Closed' }).click()
    await page.locator('.row', { hasText: 'courier' }).waitFor({ timeout: UI_MS })

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Email').waitFor({ timeout: UI_MS })
    expect(errors).toEqual([])
    await visitor.close()
    await page.context().close()
  })

  it('writes internal notes that agents see marked as such and the visitor never receives', async () => {
    const agent = await server.addAgent({ name: 'Nora' })
    const { page, errors } = await openConsole()
    await signInThroughForm(page, agent.email)
    await page.getByText('Connected').waitFor({ timeout: UI_MS })
    const { client: visitor } = await connectVisitor(server)
    const first = await visitor.say('Where is my refund?')
    await page.getByRole('tab', { name: /All open/ }).click()
    await page.locator('.row', { hasText: 'my refund' }).click()

    const reply = page.getByLabel('Reply')
    await page.getByLabel('Internal note').check()
    await reply.fill('Refund issued on the 3rd, ref R-88')
    await reply.press('Enter')
    await page.locator('.message.is-note', { hasText: 'R-88' }).getByText('Internal note').waitFor({ timeout: UI_MS })
    await expect
      .poll(async () => (await server.server.store.messagesAfter(first.conv, 0, 50)).find((m) => m.text.includes('R-88'))?.internal, { timeout: UI_MS })
      .toBe(true)

    await page.getByLabel('Internal note').uncheck()
    await reply.fill('Your refund was issued on the 3rd.')
    await reply.press('Enter')
    await visitor.waitFor('msg', (m) => m.text === 'Your refund was issued on the 3rd.', UI_MS)
    expect(visitor.events(first.conv).some((m) => m.text.includes('R-88'))).toBe(false)
    await page.screenshot({ path: path.join(SHOTS, 'console-note.png') })
    expect(errors).toEqual([])
    await visitor.close()
    await page.context().close()
  })

  it('shows a queued chat to an away agent, who claims it', async () => {
    const agent = await server.addAgent({ name: 'Away Agent' })
    const { page } = await openConsole()
    await signInThroughForm(page, agent.email)
    await page.getByText('Connected').waitFor({ timeout: UI_MS })
    await page.getByRole('switch').click()
    await page.getByRole('switch', { name: 'Available for new chats' }).getByText('Away').waitFor({ timeout: UI_MS })

    const { client: visitor } = await connectVisitor(server)
    await visitor.say('Is anyone there?')
    await page.getByRole('tab', { name: /Queue/ }).click()
    const row = page.locator('.row', { hasText: 'Is anyone there?' })
    await row.waitFor({ timeout: UI_MS })
    await row.click()
    await page.getByRole('button', { name: 'Claim' }).click()
    await page.getByText('Assigned to you').waitFor({ timeout: UI_MS })
    await visitor.waitFor('msg', (m) => m.sys === 'joined', UI_MS)
    await visitor.close()
    await page.context().close()
  })

  it('transfers a chat to a colleague who is online', async () => {
    const site = await server.addSite('Transfers')
    const agent = await server.addAgent({ name: 'First Agent', sites: [site] })
    const { page } = await openConsole()
    await signInThroughForm(page, agent.email)
    await page.getByText('Connected').waitFor({ timeout: UI_MS })
    const { client: visitor } = await connectVisitor(server, { siteKey: site.key })
    await visitor.say('Can I change my delivery address?')
    await page.locator('.row', { hasText: 'delivery address' }).click({ timeout: UI_MS })
    await page.getByText('Assigned to you').waitFor({ timeout: UI_MS })

    // The colleague comes online after the chat was assigned, so it stays with the first agent.
    const colleague = await server.addAgent({ name: 'Second Agent', sites: [site] })
    const { client: colleagueClient } = await connectAgent(server, colleague)
    await page.getByLabel('Transfer to').selectOption({ label: 'Second Agent' }, { timeout: UI_MS })
    await page.getByRole('button', { name: 'Transfer', exact: true }).click()
    await page.getByText('Assigned to Second Agent').waitFor({ timeout: UI_MS })
    await visitor.waitFor('msg', (m) => m.sys === 'transferred', UI_MS)
    await colleagueClient.close()
    await visitor.close()
    await page.context().close()
  })
})

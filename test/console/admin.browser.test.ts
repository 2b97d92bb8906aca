/**
 * The console's administration as an administrator meets it, in Debian's Chromium: agents,
 * sites, canned responses and API tokens, through the forms; and a plain agent, who never gets
 * in. Screenshots of every section go to os.tmpdir()/parley-shots, at 1280x800 and at a
 * tablet's 768 wide.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { embedSnippet } from '../../server/admin/admin-actions.js'
import { hashToken } from '../../server/auth/tokens.js'
import { launchBrowser, SHOTS, UI_MS } from '../support/browser.js'
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

async function openConsole(viewport = { width: 1280, height: 800 }, hash = ''): Promise<{ page: Page; errors: Error[] }> {
  const context = await browser.newContext({ viewport })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
  // A step that cannot happen fails with its own message, not with the test's timeout.
  context.setDefaultTimeout(UI_MS)
  const page = await context.newPage()
  const errors: Error[] = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(`${server.url}/console${hash}`)
  return { page, errors }
}

async function signInThroughForm(page: Page, email: string, password = TEST_PASSWORD) {
  await page.getByLabel('Email', { exact: true }).fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByText('Connected').waitFor({ timeout: UI_MS })
}

async function signInStatus(email: string, password: string): Promise<number> {
  const response = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  return response.status
}

const clipboardOf = (page: Page) => page.evaluate(() => navigator.clipboard.readText())
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, name) })

/** Elements of the admin page that scroll sideways: none should, at any width the console supports. */
const sidewaysScrollers = (page: Page) => page.evaluate(() => [...document.querySelectorAll('.page.admin, .table-wrap, .code-block')]
  .filter((element) => element.scrollWidth > element.clientWidth)
  .map((element) => element.className))

/** Goes to an admin section through its link, as a person would. */
async function openSection(page: Page, label: string, hash: string) {
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: label }).click()
  await expect.poll(() => page.evaluate(() => location.hash)).toBe(hash)
  await page.getByRole('heading', { level: 1, name: label }).waitFor({ timeout: UI_MS })
}

// The first test walks through all four sections: longer than one step of a chat.
describe('administration in the console', { timeout: 60_000 }, () => {
  it('an administrator invites an agent, adds a site and copies its snippet, adds a canned response and an API token (shown once), and deactivates the agent', async () => {
    const admin = await server.addAgent({ name: 'Ada Admin', role: 'admin' })
    const { page, errors } = await openConsole()
    await signInThroughForm(page, admin.email)
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Admin' }).click()
    await page.getByRole('heading', { level: 1, name: 'Agents' }).waitFor({ timeout: UI_MS })
    expect(await page.evaluate(() => location.hash)).toBe('#/admin')

    // Agents: invite one.
    const email = `grace-${Date.now()}@parley.test`
    await page.getByRole('button', { name: 'Invite agent' }).click()
    const invite = page.getByRole('dialog', { name: 'Invite an agent' })
    await invite.getByLabel('Name', { exact: true }).fill('Grace Hopper')
    await invite.getByLabel('Email', { exact: true }).fill(email)
    await invite.getByLabel('Password').fill('short')
    await invite.getByLabel('Capacity').fill('3')
    await invite.getByRole('checkbox', { name: 'Shop' }).check()
    await shot(page, 'admin-agent-form.png')
    await invite.getByRole('button', { name: 'Invite agent' }).click()
    // Refused, with the reason under the field.
    await expect.poll(() => invite.locator('.field.has-error').textContent(), { timeout: UI_MS }).toContain('Must be at least 8 characters')
    await invite.getByLabel('Password').fill('a long password')
    await invite.getByRole('button', { name: 'Invite agent' }).click()
    await invite.waitFor({ state: 'detached', timeout: UI_MS })
    const graceRow = page.getByRole('row', { name: /Grace Hopper/ })
    await graceRow.waitFor({ timeout: UI_MS })
    const grace = await server.server.store.getAgentByEmail(email)
    expect(grace).toMatchObject({ name: 'Grace Hopper', role: 'agent', capacity: 3, siteIds: [server.site.id], active: true })
    // The same email again is refused by name.
    await page.getByRole('button', { name: 'Invite agent' }).click()
    const again = page.getByRole('dialog', { name: 'Invite an agent' })
    await again.getByLabel('Name', { exact: true }).fill('Grace Again')
    await again.getByLabel('Email', { exact: true }).fill(email.toUpperCase())
    await again.getByLabel('Password').fill('a long password')
    await again.getByRole('button', { name: 'Invite agent' }).click()
    await expect.poll(() => again.locator('.field.has-error').textContent(), { timeout: UI_MS }).toContain('already exists')
    await again.getByRole('button', { name: 'Cancel' }).click()
    // One cannot deactivate oneself: the button is there, disabled.
    expect(await page.getByRole('button', { name: 'Deactivate Ada Admin' }).isDisabled()).toBe(true)
    expect(await sidewaysScrollers(page)).toEqual([])
    await shot(page, 'admin-agents.png')

    // A new password, set from the agent's form, is the one that works from now on.
    await page.getByRole('button', { name: 'Edit Grace Hopper' }).click()
    await page.getByRole('dialog', { name: 'Edit Grace Hopper' }).getByRole('button', { name: 'Reset password…' }).click()
    const reset = page.getByRole('dialog', { name: 'Reset the password of Grace Hopper' })
    await reset.getByLabel('New password').fill('another long password')
    await reset.getByRole('button', { name: 'Set password' }).click()
    await reset.waitFor({ state: 'detached', timeout: UI_MS })
    expect(await signInStatus(email, 'a long password')).toBe(401)
    expect(await signInStatus(email, 'another long password')).toBe(200)

    // Sites: add one and copy its embed snippet.
    await openSection(page, 'Sites', '#/admin/sites')
    await page.getByRole('button', { name: 'Add site' }).click()
    const siteForm = page.getByRole('dialog', { name: 'Add a site' })
    await siteForm.getByLabel('Name', { exact: true }).fill('Blog')
    await siteForm.getByLabel('Allowed origins').fill('blog.example')
    await siteForm.getByRole('button', { name: 'Add site' }).click()
    await expect.poll(() => siteForm.locator('.field.has-error').textContent(), { timeout: UI_MS }).toContain('Line 1: must be an origin')
    await siteForm.getByLabel('Allowed origins').fill('https://blog.example\nhttps://www.blog.example/')
    await siteForm.getByLabel('Colour', { exact: true }).fill('#0c8599')
    await siteForm.getByLabel('Greeting').fill('Questions about a post? Ask us.')
    await siteForm.getByLabel('Pre-chat form').check()
    await shot(page, 'admin-site-form.png')
    await siteForm.getByRole('button', { name: 'Add site' }).click()
    await siteForm.waitFor({ state: 'detached', timeout: UI_MS })
    const blog = (await server.server.store.listSites()).find((site) => site.name === 'Blog')!
    expect(blog).toMatchObject({
      allowedOrigins: ['https://blog.example', 'https://www.blog.example'],
      widget: { color: '#0c8599', greeting: 'Questions about a post? Ask us.', position: 'right', prechat: true },
    })
    const card = page.getByRole('article', { name: 'Blog' })
    const snippet = embedSnippet(server.config.publicUrl, blog)
    expect(await card.locator('[data-embed]').textContent()).toBe(snippet)
    await card.getByRole('button', { name: 'Copy the embed snippet of Blog' }).click()
    await card.getByText('Copied').waitFor({ timeout: UI_MS })
    expect(await clipboardOf(page)).toBe(snippet)

    // Identity verification: generate a secret, which the admin can read and copy.
    await card.getByRole('button', { name: 'Generate secret' }).click()
    await card.getByRole('button', { name: 'Hide' }).waitFor({ timeout: UI_MS })
    const secret = (await server.server.store.getSite(blog.id))!.identitySecret!
    expect(secret).toMatch(/^pis_/)
    expect(await card.getByLabel('Identity secret', { exact: true }).textContent()).toBe(secret)
    await card.getByRole('button', { name: 'Copy the identity secret of Blog' }).click()
    await expect.poll(() => clipboardOf(page), { timeout: UI_MS }).toBe(secret)
    await card.getByRole('button', { name: 'Hide' }).click()
    await expect.poll(() => card.getByLabel('Identity secret', { exact: true }).textContent()).not.toContain(secret)
    // Editing keeps what is not touched.
    await card.getByRole('button', { name: 'Edit Blog' }).click()
    const edit = page.getByRole('dialog', { name: 'Edit Blog' })
    await edit.getByLabel('Position').selectOption('left')
    await edit.getByRole('button', { name: 'Save changes' }).click()
    await edit.waitFor({ state: 'detached', timeout: UI_MS })
    expect(await server.server.store.getSite(blog.id)).toMatchObject({ identitySecret: secret, widget: { position: 'left', prechat: true } })
    await card.getByText('Bottom left').waitFor({ timeout: UI_MS })
    // Creating the site had every administrator's console reconnect, to serve it too.
    await page.getByText('Connected').waitFor({ timeout: UI_MS })
    await page.locator('.page.admin').evaluate((scroller) => scroller.scrollTo(0, 0))
    expect(await sidewaysScrollers(page)).toEqual([])
    await shot(page, 'admin-sites.png')

    // Canned responses: add one for Blog; the same shortcut there again is refused.
    await openSection(page, 'Canned responses', '#/admin/canned')
    for (const attempt of ['first', 'clash']) {
      await page.getByRole('button', { name: 'New response' }).click()
      const form = page.getByRole('dialog', { name: 'New canned response' })
      await form.getByLabel('Shortcut').fill('refund')
      await form.getByLabel('Site').selectOption({ label: 'Blog' })
      await form.getByLabel('Text').fill('Refunds reach your account within 5 working days.')
      await form.getByRole('button', { name: 'Add response' }).click()
      if (attempt === 'first') {
        await form.waitFor({ state: 'detached', timeout: UI_MS })
      } else {
        await expect.poll(() => form.locator('.field.has-error').textContent(), { timeout: UI_MS }).toContain('The shortcut /refund is taken')
        await form.getByRole('button', { name: 'Cancel' }).click()
      }
    }
    const refundRow = page.getByRole('row', { name: /\/refund/ })
    await refundRow.waitFor({ timeout: UI_MS })
    expect(await refundRow.textContent()).toContain('Blog')
    expect(await server.server.store.listCannedResponses([blog.id])).toEqual([
      expect.objectContaining({ shortcut: 'refund', siteId: blog.id, text: 'Refunds reach your account within 5 working days.' }),
    ])
    await page.getByRole('button', { name: 'New response' }).click()
    const shared = page.getByRole('dialog', { name: 'New canned response' })
    await shared.getByLabel('Shortcut').fill('hello')
    await shared.getByLabel('Text').fill('Hello! How can I help you today?')
    await shared.getByRole('button', { name: 'Add response' }).click()
    await shared.waitFor({ state: 'detached', timeout: UI_MS })
    expect(await sidewaysScrollers(page)).toEqual([])
    await shot(page, 'admin-canned.png')
    await page.getByRole('button', { name: 'Delete /hello' }).click()
    await page.getByRole('dialog', { name: 'Delete /hello?' }).getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('row', { name: /\/hello/ }).waitFor({ state: 'detached', timeout: UI_MS })
    expect((await server.server.store.listCannedResponses([])).map((item) => item.shortcut)).toEqual([])

    // API tokens: the token is shown once, copied, and gone after a reload.
    await openSection(page, 'API tokens', '#/admin/tokens')
    await page.getByRole('button', { name: 'New token' }).click()
    const tokenForm = page.getByRole('dialog', { name: 'New API token' })
    await tokenForm.getByLabel('Name', { exact: true }).fill('Nightly export')
    await tokenForm.getByRole('checkbox', { name: 'Blog' }).check()
    await tokenForm.getByRole('button', { name: 'Create token' }).click()
    const reveal = page.getByRole('dialog', { name: 'Token "Nightly export" created' })
    const token = (await reveal.locator('[data-token]').textContent())!
    expect(token).toMatch(/^pat_[\w-]{40,}$/)
    expect(await server.server.store.getApiTokenByHash(hashToken(token))).toMatchObject({ name: 'Nightly export', siteIds: [blog.id] })
    await reveal.getByRole('button', { name: 'Copy the API token' }).click()
    await expect.poll(() => clipboardOf(page), { timeout: UI_MS }).toBe(token)
    await shot(page, 'admin-token-created.png')
    await reveal.getByRole('button', { name: 'Done' }).click()
    const tokenRow = page.getByRole('row', { name: /Nightly export/ })
    await tokenRow.waitFor({ timeout: UI_MS })
    expect(await page.content()).toContain('Nightly export')
    await page.reload()
    await tokenRow.waitFor({ timeout: UI_MS })
    expect(await page.content()).not.toContain(token)
    expect(await tokenRow.textContent()).toContain('Blog')
    // Revoking asks first.
    await page.getByRole('button', { name: 'Revoke Nightly export' }).click()
    const revoke = page.getByRole('dialog', { name: 'Revoke "Nightly export"?' })
    await revoke.getByRole('button', { name: 'Cancel' }).click()
    expect(await server.server.store.getApiTokenByHash(hashToken(token))).toBeDefined()
    await page.getByRole('button', { name: 'Revoke Nightly export' }).click()
    await revoke.getByRole('button', { name: 'Revoke token' }).click()
    await tokenRow.getByText(/^Revoked/).waitFor({ timeout: UI_MS })
    expect(await server.server.store.getApiTokenByHash(hashToken(token))).toBeUndefined()
    await shot(page, 'admin-tokens.png')

    // Deactivating the agent asks first, then takes effect.
    await openSection(page, 'Agents', '#/admin/agents')
    await page.getByRole('button', { name: 'Deactivate Grace Hopper' }).click()
    const confirm = page.getByRole('dialog', { name: 'Deactivate Grace Hopper?' })
    await confirm.waitFor({ timeout: UI_MS })
    await shot(page, 'admin-confirm-deactivate.png')
    await confirm.getByRole('button', { name: 'Deactivate' }).click()
    await confirm.waitFor({ state: 'detached', timeout: UI_MS })
    await graceRow.getByText('Deactivated').waitFor({ timeout: UI_MS })
    expect((await server.server.store.getAgent(grace!.id))?.active).toBe(false)
    expect(await signInStatus(email, 'another long password')).toBe(401)

    expect(errors).toEqual([])
    await page.context().close()
  })

  it('an agent who is not an administrator has no Admin link and is refused at #/admin', async () => {
    const agent = await server.addAgent({ name: 'Plain Agent' })
    const { page, errors } = await openConsole()
    await signInThroughForm(page, agent.email)
    const screens = page.getByRole('navigation', { name: 'Screens' })
    await screens.getByRole('link', { name: 'Inbox' }).waitFor({ timeout: UI_MS })
    expect(await screens.getByRole('link', { name: 'Admin' }).count()).toBe(0)

    await page.goto(`${server.url}/console#/admin/agents`)
    await page.getByText('Only administrators can open this page.').waitFor({ timeout: UI_MS })
    expect(await page.getByRole('navigation', { name: 'Administration' }).count()).toBe(0)
    // The server refuses too, whatever the page shows.
    expect(await page.evaluate(async () => (await fetch('/api/console/admin/agents')).status)).toBe(403)
    expect(errors).toEqual([])
    await page.context().close()
  })

  it('fits a tablet 768 wide: every section without sideways scrolling, dialogs within the screen', async () => {
    const admin = await server.addAgent({ name: 'Tablet Admin', role: 'admin' })
    const { page, errors } = await openConsole({ width: 768, height: 1024 }, '#/admin/agents')
    await signInThroughForm(page, admin.email)
    const sections: [string, string, string][] = [
      ['Agents', '#/admin/agents', 'Invite agent'],
      ['Sites', '#/admin/sites', 'Add site'],
      ['Canned responses', '#/admin/canned', 'New response'],
      ['API tokens', '#/admin/tokens', 'New token'],
    ]
    for (const [label, hash, action] of sections) {
      await openSection(page, label, hash)
      await page.locator('[aria-busy=true]').waitFor({ state: 'detached', timeout: UI_MS })
      // Nothing scrolls sideways: the window (top bar included), the page, a table in it.
      expect(await sidewaysScrollers(page), label).toEqual([])
      expect(await page.evaluate(() => document.documentElement.scrollWidth), label).toBeLessThanOrEqual(768)
      expect(await page.locator('.admin-main').evaluate((main) => main.getBoundingClientRect().right), label).toBeLessThanOrEqual(768)
      await shot(page, `admin-tablet-${hash.split('/').pop()}.png`)
      await page.getByRole('button', { name: action }).click()
      const box = await page.getByRole('dialog').boundingBox()
      expect(box!.x).toBeGreaterThanOrEqual(0)
      expect(box!.x + box!.width).toBeLessThanOrEqual(768)
      expect(box!.y + box!.height).toBeLessThanOrEqual(1024)
      await shot(page, `admin-tablet-${hash.split('/').pop()}-dialog.png`)
      await page.keyboard.press('Escape')
      await page.getByRole('dialog').waitFor({ state: 'detached', timeout: UI_MS })
    }
    expect(errors).toEqual([])
    await page.context().close()
  })
})

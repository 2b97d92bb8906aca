import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { verifyPassword } from '../../server/auth/password.js'
import { hashToken } from '../../server/auth/tokens.js'
import { openStore } from '../../server/store/open-store.js'
import { migrations } from '../../server/store/sqlite/migrations.js'
import { runParley } from '../support/parley-process.js'

let dir: string
let databaseUrl: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-cli-'))
  databaseUrl = `sqlite:${path.join(dir, 'parley.db')}`
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Runs `parley ARGS` against this test's database (unless `withDatabase` is false). */
function parley(args: string[], { withDatabase = true } = {}) {
  return runParley([...args, ...(withDatabase ? ['--database-url', databaseUrl] : [])], 15_000)
}

/** Runs with --json and parses what it printed, insisting on success. */
async function parleyJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const run = await parley([...args, '--json'])
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout) as T
}

async function withStore<T>(read: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore(databaseUrl)
  try {
    return await read(store)
  } finally {
    await store.close()
  }
}

interface SiteJson {
  site: { id: number; key: string; name: string; allowedOrigins: string[]; widget: Record<string, string> }
  embed: string
}

describe('create-site', () => {
  it('prints the key, the allowed origins and the embed snippet', async () => {
    const run = await parley(['create-site', '--name', 'Shop', '--origins', 'https://shop.example, https://www.shop.example/'])
    expect(run.code, run.stderr).toBe(0)
    const key = run.stdout.match(/key (site_[\w-]+)/)?.[1]
    expect(key).toBeDefined()
    expect(run.stdout).toContain('Created site "Shop"')
    expect(run.stdout).toContain('Allowed origins: https://shop.example, https://www.shop.example')
    expect(run.stdout).toContain(`<script src="http://localhost:3000/widget.js" data-site="${key}" async></script>`)
    expect(await withStore((store) => store.getSiteByKey(key!))).toMatchObject({ name: 'Shop' })
  })

  it('prints JSON with --json', async () => {
    const result = await parleyJson<SiteJson>(['create-site', '--name', 'Shop', '--color', '#112233', '--position', 'left', '--public-url', 'https://chat.example'])
    expect(result.site).toMatchObject({ name: 'Shop', allowedOrigins: [], widget: { color: '#112233', position: 'left' } })
    expect(result.embed).toBe(`<script src="https://chat.example/widget.js" data-site="${result.site.key}" async></script>`)
  })

  it('refuses bad input with exit code 2 and the field named', async () => {
    const run = await parley(['create-site', '--name', 'Shop', '--origins', 'not a url'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^parley: allowedOrigins\.0: must be an origin/)
    expect((await parley(['create-site'])).stderr).toMatch(/^parley: name: is required/)
  })
})

describe('create-agent', () => {
  it('creates an agent with the given password and does not print it', async () => {
    const { site } = await parleyJson<SiteJson>(['create-site', '--name', 'Shop'])
    const run = await parley(['create-agent', '--name', 'Ada', '--email', 'ada@shop.example', '--password', 'correct horse', '--sites', site.key, '--capacity', '3'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^Created agent Ada <ada@shop\.example> \(id \d+\)\.\n$/)
    expect(run.stdout).not.toContain('correct horse')
    const agent = await withStore((store) => store.getAgentByEmail('ada@shop.example'))
    expect(agent).toMatchObject({ name: 'Ada', role: 'agent', capacity: 3, siteIds: [site.id] })
    expect(await verifyPassword('correct horse', agent!.passwordHash)).toBe(true)
  })

  it('generates a password when none is given and shows it once', async () => {
    const run = await parley(['create-agent', '--name', 'Root', '--email', 'root@shop.example', '--role', 'admin'])
    expect(run.code, run.stderr).toBe(0)
    const password = run.stdout.match(/Password: (\S+)\s+\(shown once\)/)?.[1]
    expect(password?.length).toBeGreaterThanOrEqual(16)
    const agent = await withStore((store) => store.getAgentByEmail('root@shop.example'))
    expect(agent?.role).toBe('admin')
    expect(await verifyPassword(password!, agent!.passwordHash)).toBe(true)
  })

  it('prints JSON with --json: the generated password, never the hash', async () => {
    const withGenerated = await parleyJson<{ agent: Record<string, unknown>; password?: string }>(['create-agent', '--name', 'Bo', '--email', 'bo@shop.example'])
    expect(withGenerated.agent).toMatchObject({ name: 'Bo', email: 'bo@shop.example', role: 'agent' })
    expect(withGenerated.agent).not.toHaveProperty('passwordHash')
    expect(typeof withGenerated.password).toBe('string')
    const agent = await withStore((store) => store.getAgentByEmail('bo@shop.example'))
    expect(await verifyPassword(withGenerated.password!, agent!.passwordHash)).toBe(true)

    const withGiven = await parleyJson<Record<string, unknown>>(['create-agent', '--name', 'Cy', '--email', 'cy@shop.example', '--password', 'long enough'])
    expect(withGiven).not.toHaveProperty('password')
    expect(JSON.stringify(withGiven)).not.toMatch(/scrypt|long enough/)
  })

  it('refuses a bad email with exit code 2 and a clear message', async () => {
    const run = await parley(['create-agent', '--name', 'Ada', '--email', 'ada-at-shop'])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe('parley: email: must be an email address\n')
    expect(run.stdout).toBe('')
    expect(await withStore((store) => store.countAgents())).toBe(0)
  })

  it('refuses a duplicate email (in any letter case) with exit code 2', async () => {
    expect((await parley(['create-agent', '--name', 'Ada', '--email', 'ada@shop.example', '--password', 'first one'])).code).toBe(0)
    const run = await parley(['create-agent', '--name', 'Ada Again', '--email', 'ADA@shop.example', '--password', 'second one'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^parley: .*already exists/)
    expect(run.stderr).not.toMatch(/\n\s+at /) // a message, not a stack trace
    expect(await withStore((store) => store.countAgents())).toBe(1)
  })

  it('refuses a password that is too short, and an unknown site key', async () => {
    const short = await parley(['create-agent', '--name', 'Ada', '--email', 'ada@shop.example', '--password', 'short'])
    expect(short.code).toBe(2)
    expect(short.stderr).toMatch(/^parley: password: must be at least 8 characters/)
    const unknownSite = await parley(['create-agent', '--name', 'Ada', '--email', 'ada@shop.example', '--sites', 'site_nope'])
    expect(unknownSite.code).toBe(2)
    expect(unknownSite.stderr).toContain('sites: no site has the key "site_nope"')
  })
})

describe('create-token', () => {
  it('shows the token once and stores only its hash', async () => {
    const { site } = await parleyJson<SiteJson>(['create-site', '--name', 'Shop'])
    const run = await parley(['create-token', '--name', 'Export', '--sites', site.key])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^Created API token "Export" \(id \d+\)\./)
    const token = run.stdout.match(/Token: (pat_[\w-]+)/)?.[1]
    expect(token).toBeDefined()
    // The store has no way to read a token back, so look at the file as another process would.
    const db = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true })
    const stored = db.prepare('SELECT name, token_hash FROM api_tokens').all()
    db.close()
    expect(stored).toHaveLength(1)
    expect(stored).toEqual([{ name: 'Export', token_hash: hashToken(token!) }])
    expect(JSON.stringify(stored)).not.toContain(token!)
  })

  it('prints JSON with --json, without the hash', async () => {
    const result = await parleyJson<{ token: string; apiToken: Record<string, unknown> }>(['create-token', '--name', 'Export'])
    expect(result.token).toMatch(/^pat_/)
    expect(result.apiToken).toMatchObject({ name: 'Export', siteIds: [] })
    expect(result.apiToken).not.toHaveProperty('tokenHash')
  })
})

describe('migrate', () => {
  it('brings a new database up to date and says so', async () => {
    const run = await parley(['migrate'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe(`Database ${databaseUrl} is up to date.\n`)
    const applied = await withStore((store) => store.migrate())
    expect(applied).toEqual([])
    expect(migrations.length).toBeGreaterThan(0)
  })

  it('prints JSON with --json, and can run again', async () => {
    expect(await parleyJson(['migrate'])).toEqual({ ok: true, databaseUrl })
    expect(await parleyJson(['migrate'])).toEqual({ ok: true, databaseUrl })
  })
})

describe('usage mistakes', () => {
  it('refuses an unknown command with exit code 2, naming it and showing the usage', async () => {
    const run = await parley(['frobnicate'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^parley: unknown command "frobnicate"/)
    expect(run.stderr).toContain('Usage: parley <command>')
  })

  it('refuses an unknown flag with exit code 2, naming it', async () => {
    const run = await parley(['create-site', '--name', 'Shop', '--colour', '#000000'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^parley: .*'--colour'/)
    expect(await withStore((store) => store.listSites())).toEqual([])
  })

  it('refuses a malformed setting with exit code 2, naming it', async () => {
    const run = await parley(['migrate', '--port', 'eighty'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^parley: Invalid PORT \(--port\) "eighty"/)
  })

  it('prints the usage for --help and exits 0', async () => {
    for (const args of [['--help'], ['-h'], ['create-site', '--help']]) {
      const run = await parley(args, { withDatabase: false })
      expect(run.code, args.join(' ')).toBe(0)
      expect(run.stdout).toContain('Usage: parley <command> [options]')
      for (const command of ['serve', 'create-agent', 'create-site', 'create-token', 'migrate']) expect(run.stdout).toContain(command)
    }
  })

  it('prints the usage and exits 1 when no command is given', async () => {
    const run = await parley([], { withDatabase: false })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('Usage: parley <command> [options]')
  })
})

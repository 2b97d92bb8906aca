#!/usr/bin/env node
/**
 * `parley <command>`: serve, create-agent, create-site, create-token, migrate, copy-database.
 * Each prints a readable result, or JSON with --json for scripts. Settings come as in
 * server/config.ts.
 */
import { embedSnippet, createAgent, createApiToken, createSite, generatePassword } from './admin/admin-actions.js'
import { setUpFirstRun } from './admin/first-run.js'
import { InputError } from './admin/inputs.js'
import { ConfigError, loadConfig, parseConfigFlags, type Config } from './config.js'
import { createLogger } from './ops/logger.js'
import { startParley } from './parley-server.js'
import { copyDatabase, CopyDatabaseError, type CopyDatabaseResult } from './store/copy-database.js'
import { StoreConflictError } from './store/errors.js'
import { openStore } from './store/open-store.js'
import type { Store } from './store/store.js'

const commandFlags = {
  json: { type: 'boolean' },
  name: { type: 'string' },
  email: { type: 'string' },
  password: { type: 'string' },
  role: { type: 'string' },
  capacity: { type: 'string' },
  sites: { type: 'string' },
  origins: { type: 'string' },
  color: { type: 'string' },
  greeting: { type: 'string' },
  position: { type: 'string' },
  prechat: { type: 'boolean' },
  'identity-verification': { type: 'boolean' },
  'verified-only': { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

const usage = `Usage: parley <command> [options]

Commands:
  serve          Start the server (creates a demo site and an admin on first run)
  create-agent   --name N --email E [--password P] [--role admin|agent] [--capacity 5] [--sites KEY,KEY]
  create-site    --name N [--origins https://a.example,https://b.example] [--color #3b5bdb]
                 [--greeting TEXT] [--position right|left] [--prechat]
                 [--identity-verification] [--verified-only]
  create-token   --name N [--sites KEY,KEY]   (an API token; shown once)
  migrate        Bring the database schema up to date
  copy-database  --from sqlite:PATH --to postgres://USER@HOST/DATABASE[?schema=NAME]
                 Copy every row of a SQLite database into an empty PostgreSQL one, in one
                 transaction (the SQLite file is only read), to move to several nodes

Every command takes --json, and settings as flags (--port, --database-url, ...) or
environment variables; see README.md.`

type Flags = Partial<Record<keyof typeof commandFlags, string | boolean>> & Record<string, string | boolean | undefined>

function print(json: boolean, value: unknown, text: string) {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`)
}

const list = (text: string | boolean | undefined) =>
  typeof text === 'string' ? text.split(',').map((item) => item.trim()).filter(Boolean) : []

async function siteIdsFromKeys(store: Store, keys: string[]): Promise<number[]> {
  const ids: number[] = []
  for (const key of keys) {
    const site = await store.getSiteByKey(key)
    if (!site) throw new InputError(`sites: no site has the key "${key}"`)
    ids.push(site.id)
  }
  return ids
}

async function withStore<T>(config: Config, run: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous })
  try {
    return await run(store)
  } finally {
    await store.close()
  }
}

/** The URL as it may be shown: without its password. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return url
  }
}

function copySummary(result: CopyDatabaseResult, from: string, to: string): string {
  const width = Math.max(...result.tables.map(({ table }) => table.length))
  const total = result.tables.reduce((sum, { rows }) => sum + rows, 0)
  return [
    `Copied ${from} into ${withoutPassword(to)}: ${total} rows.`,
    ...(result.sourceMigrated.length > 0 ? [`(The source was at an older schema: a temporary copy of it went through migrations ${result.sourceMigrated.join(', ')}.)`] : []),
    ...result.tables.map(({ table, rows }) => `  ${table.padEnd(width)}  ${rows}`),
    ...(result.leftBehind.length > 0 ? [`Not copied (the target has no place for them): ${result.leftBehind.join(', ')}`] : []),
  ].join('\n')
}

async function serve(config: Config, json: boolean) {
  const logger = createLogger(config.logLevel)
  const store = await openStore(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous })
  const firstRun = await setUpFirstRun(store, config.publicUrl)
  const server = await startParley(config, { store, logger })
  const consoleUrl = `${config.publicUrl}/console`
  if (firstRun) {
    print(json, { consoleUrl, admin: { email: firstRun.admin.email, password: firstRun.password }, siteKey: firstRun.site.key, embed: embedSnippet(config.publicUrl, firstRun.site) }, [
      '',
      `Parley is running at ${config.publicUrl}`,
      `  Agent console:  ${consoleUrl}`,
      `  Sign in as:     ${firstRun.admin.email}`,
      `  Password:       ${firstRun.password}   (shown once; keep it)`,
      `  Demo page:      ${config.publicUrl}/demo`,
      `  Embed snippet:  ${embedSnippet(config.publicUrl, firstRun.site)}`,
      '',
    ].join('\n'))
  } else {
    print(json, { consoleUrl }, `\nParley is running at ${config.publicUrl}\n  Agent console: ${consoleUrl}\n`)
  }
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    server.stop().then(() => process.exit(0), (error) => {
      logger.error({ err: error }, 'shutdown failed')
      process.exit(1)
    })
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

async function main(argv: string[]) {
  const parsed = parseConfigFlags(argv, commandFlags)
  const flags = parsed.values as Flags
  const [command] = parsed.positionals
  if (flags.help || !command) {
    process.stdout.write(`${usage}\n`)
    return command || flags.help ? 0 : 1
  }
  const json = flags.json === true
  const config = loadConfig(process.env, flags as Record<string, string | undefined>)

  switch (command) {
    case 'serve':
      await serve(config, json)
      return undefined
    case 'migrate':
      await withStore(config, async () => undefined) // opening the store migrates it
      print(json, { ok: true, databaseUrl: config.databaseUrl }, `Database ${config.databaseUrl} is up to date.`)
      return 0
    case 'create-site': {
      const site = await withStore(config, (store) =>
        createSite(store, {
          name: String(flags.name ?? ''),
          allowedOrigins: list(flags.origins),
          ...(typeof flags.color === 'string' ? { color: flags.color } : {}),
          ...(typeof flags.greeting === 'string' ? { greeting: flags.greeting } : {}),
          ...(typeof flags.position === 'string' ? { position: flags.position as 'left' } : {}),
          prechat: flags.prechat === true,
          identityVerification: flags['identity-verification'] === true,
          verifiedOnly: flags['verified-only'] === true,
        }),
      )
      const snippet = embedSnippet(config.publicUrl, site)
      const secret = site.identitySecret ? `\nIdentity secret (for your server, see docs/widget.md): ${site.identitySecret}${site.verifiedOnly ? '\nOnly verified visitors may chat.' : ''}` : ''
      print(json, { site, embed: snippet }, `Created site "${site.name}" (key ${site.key}).\nAllowed origins: ${site.allowedOrigins.join(', ') || '(none yet)'}\nEmbed snippet:\n  ${snippet}${secret}`)
      return 0
    }
    case 'create-agent': {
      const password = typeof flags.password === 'string' ? flags.password : generatePassword()
      const agent = await withStore(config, async (store) =>
        createAgent(store, {
          name: String(flags.name ?? ''),
          email: String(flags.email ?? ''),
          password,
          ...(typeof flags.role === 'string' ? { role: flags.role as 'agent' } : {}),
          ...(typeof flags.capacity === 'string' ? { capacity: Number(flags.capacity) } : {}),
          siteIds: await siteIdsFromKeys(store, list(flags.sites)),
        }),
      )
      const { passwordHash: _hash, ...shown } = agent
      const generated = typeof flags.password !== 'string'
      print(json, { agent: shown, ...(generated ? { password } : {}) }, `Created ${agent.role} ${agent.name} <${agent.email}> (id ${agent.id}).${generated ? `\nPassword: ${password}   (shown once)` : ''}`)
      return 0
    }
    case 'create-token': {
      const { record, token } = await withStore(config, async (store) =>
        createApiToken(store, { name: String(flags.name ?? ''), siteIds: await siteIdsFromKeys(store, list(flags.sites)) }),
      )
      const { tokenHash: _hash, ...shown } = record
      print(json, { token, apiToken: shown }, `Created API token "${record.name}" (id ${record.id}).\nToken: ${token}   (shown once; only its hash is stored)`)
      return 0
    }
    case 'copy-database': {
      if (typeof flags.from !== 'string' || typeof flags.to !== 'string') {
        throw new ConfigError('copy-database needs --from sqlite:PATH and --to postgres://USER@HOST/DATABASE')
      }
      const result = await copyDatabase({ from: flags.from, to: flags.to })
      print(json, { from: flags.from, to: withoutPassword(flags.to), ...result }, copySummary(result, flags.from, flags.to))
      return 0
    }
    default:
      throw new ConfigError(`unknown command "${command}"\n\n${usage}`)
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code
  },
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof InputError || error instanceof StoreConflictError || error instanceof CopyDatabaseError
    process.stderr.write(`parley: ${known ? (error as Error).message : (error as Error).stack ?? String(error)}\n`)
    process.exitCode = known ? 2 : 1
  },
)

/**
 * Settings come from environment variables and, with the same names in kebab case, from
 * command-line flags (`--port 8080` beats `PORT=8080`). Anything unknown or malformed stops
 * the start with a message naming the setting: a typo must not silently fall back to a default.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import path from 'node:path'
import ms from 'ms'
import * as v from 'valibot'
import { HEARTBEAT_INTERVAL_MS, MAX_FRAME_BYTES, MAX_TEXT_LENGTH } from '../protocol/index.js'

export interface Config {
  port: number
  host: string
  publicUrl: string
  databaseUrl: string
  /** Empty: a single process, with an in-process bus. */
  redisUrl: string
  /** Put before every Redis key and channel of this deployment. */
  redisPrefix: string
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  heartbeatMs: number
  pollWaitMs: number
  agentGraceMs: number
  visitorGraceMs: number
  reopenWindowMs: number
  sessionTtlMs: number
  maxTextLength: number
  maxFrameBytes: number
  rateBurst: number
  ratePerSecond: number
  loginAttempts: number
  sendBufferBytes: number
  sqliteSynchronous: 'full' | 'normal'
  apiRatePerMinute: number
  webhookTimeoutMs: number
  webhookRetryDelaysMs: number[]
  retentionIntervalMs: number
}

interface Setting {
  env: string
  describe: string
  default: (partial: Partial<Config>) => string
  schema: v.GenericSchema<string, unknown>
}

const integer = (min: number, max: number) =>
  v.pipe(v.string(), v.regex(/^\d+$/, 'must be a whole number'), v.transform(Number), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`))

/** Node turns longer timers into 1 ms ones (TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1

/** A duration such as `25s`, `15m`, `24h` or a number of milliseconds. */
const duration = (minMs: number, maxMs = MAX_TIMER_MS) =>
  v.pipe(
    v.string(),
    v.transform(function parseDuration(text) {
      if (/^\d+$/.test(text)) return Number(text)
      try {
        return (ms as (s: string) => number | undefined)(text)
      } catch {
        return undefined // ms throws on an empty string
      }
    }),
    v.number('must be a duration such as 30s, 15m or 24h'),
    v.check((n) => Number.isFinite(n) && n >= minMs, `must be at least ${minMs} ms`),
    v.check((n) => n <= maxMs, `must be at most ${ms(maxMs, { long: true })}`),
  )

/** Durations separated by commas (`10s,30s,2m`), at most 20 of them. */
function durationList(minMs: number) {
  const one = duration(minMs)
  return v.pipe(
    v.string(),
    v.transform((text) => text.split(',').map((part) => part.trim())),
    v.maxLength(20, 'must have at most 20 entries'),
    v.check((parts) => parts.every((part) => v.safeParse(one, part).success), `must be durations of at least ${minMs} ms such as 10s,30s,2m`),
    v.transform((parts) => parts.map((part) => v.parse(one, part))),
  )
}

const url = (protocols: string[]) =>
  v.pipe(
    v.string(),
    v.check((text) => {
      try {
        return protocols.includes(new URL(text).protocol)
      } catch {
        return false
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`),
    v.transform((text) => text.replace(/\/+$/, '')),
  )

/** Every setting Parley reads; README.md documents the same table. */
export const settings: Record<keyof Config, Setting> = {
  port: { env: 'PORT', describe: 'TCP port to listen on', default: () => '3000', schema: integer(0, 65535) },
  host: { env: 'HOST', describe: 'Interface to listen on (0.0.0.0 for all)', default: () => '127.0.0.1', schema: v.pipe(v.string(), v.minLength(1)) },
  publicUrl: {
    env: 'PUBLIC_URL',
    describe: 'URL visitors and agents reach Parley at (used in the embed snippet and cookies)',
    default: (c) => `http://localhost:${c.port ?? 3000}`,
    schema: url(['http:', 'https:']),
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    describe: 'Where data lives: sqlite:PATH (a file) or postgres://USER:PASSWORD@HOST/DATABASE',
    default: () => `sqlite:${path.join('data', 'parley.db')}`,
    schema: v.pipe(
      v.string(),
      v.regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must look like sqlite:./data/parley.db or postgres://parley@localhost/parley'),
    ),
  },
  redisUrl: {
    env: 'REDIS_URL',
    describe: 'Redis that carries events between nodes: redis://HOST:6379 or rediss:// for TLS; empty for a single node',
    default: () => '',
    schema: v.union(
      // `new URL('redis:')` parses, so the host is checked too.
      [v.literal(''), v.pipe(url(['redis:', 'rediss:']), v.regex(/^rediss?:\/\/[^/]/, 'must name a host'))],
      'must be empty or a URL such as redis://localhost:6379 or rediss://user:password@host:6380',
    ),
  },
  redisPrefix: {
    env: 'REDIS_PREFIX',
    describe: 'Put before every Redis key and channel, so that several deployments can share one Redis',
    default: () => 'parley:',
    schema: v.pipe(v.string(), v.regex(/^[\w.:-]{1,64}$/, 'must be 1 to 64 letters, digits, or . _ : -')),
  },
  logLevel: {
    env: 'LOG_LEVEL',
    describe: 'fatal, error, warn, info, debug, trace or silent',
    default: () => 'info',
    schema: v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  },
  heartbeatMs: { env: 'PARLEY_HEARTBEAT_INTERVAL', describe: 'How often connections are pinged; a silent one is dropped after two intervals', default: () => String(HEARTBEAT_INTERVAL_MS), schema: duration(1000) },
  pollWaitMs: { env: 'PARLEY_POLL_WAIT', describe: 'How long a long-polling request is held open when nothing is waiting', default: () => '25s', schema: duration(100, 120_000) },
  agentGraceMs: { env: 'PARLEY_AGENT_GRACE', describe: 'How long an agent with no connection stays online before their chats go back to the queue', default: () => '15s', schema: duration(0) },
  visitorGraceMs: { env: 'PARLEY_VISITOR_GRACE', describe: 'How long a visitor with no connection still shows on the Visitors screen (a reload or a page change is not a departure)', default: () => '15s', schema: duration(0) },
  reopenWindowMs: { env: 'PARLEY_REOPEN_WINDOW', describe: 'A visitor writing within this time after a close reopens the conversation; later, a new one starts', default: () => '24h', schema: duration(0) },
  sessionTtlMs: { env: 'PARLEY_SESSION_TTL', describe: 'How long an agent stays signed in', default: () => '14d', schema: duration(60_000, 365 * 24 * 3600 * 1000) },
  maxTextLength: { env: 'PARLEY_MAX_MESSAGE_LENGTH', describe: 'Longest message, in characters', default: () => String(MAX_TEXT_LENGTH), schema: integer(1, 100_000) },
  maxFrameBytes: { env: 'PARLEY_MAX_FRAME_BYTES', describe: 'Largest frame a client may send, in bytes', default: () => String(MAX_FRAME_BYTES), schema: integer(1024, 16 * 1024 * 1024) },
  rateBurst: { env: 'PARLEY_RATE_BURST', describe: 'Frames a connection may send in a burst', default: () => '20', schema: integer(1, 100_000) },
  ratePerSecond: { env: 'PARLEY_RATE_PER_SECOND', describe: 'Frames per second a connection may keep sending', default: () => '5', schema: integer(1, 100_000) },
  loginAttempts: { env: 'PARLEY_LOGIN_ATTEMPTS', describe: 'Failed sign-ins per email and address allowed in 15 minutes', default: () => '5', schema: integer(1, 1000) },
  sendBufferBytes: { env: 'PARLEY_SEND_BUFFER_BYTES', describe: 'Unsent bytes a connection may hold before it is cut (it reconnects and replays)', default: () => String(4 * 1024 * 1024), schema: integer(1024, 1024 * 1024 * 1024) },
  apiRatePerMinute: { env: 'PARLEY_API_RATE_LIMIT', describe: 'REST API requests per minute per API token', default: () => '600', schema: integer(1, 1_000_000) },
  webhookTimeoutMs: { env: 'PARLEY_WEBHOOK_TIMEOUT', describe: 'How long a webhook receiver has to answer before the delivery is retried', default: () => '10s', schema: duration(100, 120_000) },
  webhookRetryDelaysMs: {
    env: 'PARLEY_WEBHOOK_RETRY_DELAYS',
    describe: 'Waits before each retry of a failed webhook delivery, comma-separated; after the last, the delivery has failed',
    default: () => '10s,30s,2m,10m,1h,6h',
    schema: durationList(100),
  },
  retentionIntervalMs: { env: 'PARLEY_RETENTION_INTERVAL', describe: 'How often conversations past their site\'s retention period are erased', default: () => '1h', schema: duration(1000) },
  sqliteSynchronous: { env: 'PARLEY_SQLITE_SYNCHRONOUS', describe: 'full: commits survive power loss; normal: they survive a process crash', default: () => 'full', schema: v.picklist(['full', 'normal']) },
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

const flagName = (env: string) => env.toLowerCase().replace(/^parley_/, '').replace(/_/g, '-')

/** The flags `loadConfig` accepts, for parseArgs in the CLI. */
export const configFlags = Object.fromEntries(
  Object.values(settings).map((s) => [flagName(s.env), { type: 'string' as const }]),
)

/**
 * Reads the configuration. `flags` are parsed flag values keyed by flag name.
 *
 * @example loadConfig(process.env, { port: '8080' })
 */
export function loadConfig(env: NodeJS.ProcessEnv, flags: Record<string, string | undefined> = {}): Config {
  const known = new Set(Object.values(settings).map((s) => s.env))
  for (const name of Object.keys(env)) {
    if (name.startsWith('PARLEY_') && !known.has(name)) {
      throw new ConfigError(`Unknown setting ${name}. Known PARLEY_ settings: ${[...known].filter((k) => k.startsWith('PARLEY_')).join(', ')}`)
    }
  }
  const config: Partial<Record<keyof Config, unknown>> = {}
  for (const [key, setting] of Object.entries(settings) as [keyof Config, Setting][]) {
    const raw = flags[flagName(setting.env)] ?? env[setting.env] ?? setting.default(config as Partial<Config>)
    const result = v.safeParse(setting.schema, raw.trim())
    if (!result.success) {
      throw new ConfigError(`Invalid ${setting.env} (--${flagName(setting.env)}) "${raw}": ${result.issues[0].message}`)
    }
    config[key] = result.output
  }
  return config as Config
}

/** Parses `argv` flags that name settings, failing on unknown ones. */
export function parseConfigFlags(args: string[], extra: ParseArgsConfig['options'] = {}) {
  try {
    return parseArgs({ args, options: { ...configFlags, ...extra }, allowPositionals: true, strict: true })
  } catch (error) {
    throw new ConfigError((error as Error).message)
  }
}

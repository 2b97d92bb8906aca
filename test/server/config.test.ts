import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, parseConfigFlags, settings } from '../../server/config.js'

/** Loads and insists on a ConfigError, returning its message. */
function configError(env: NodeJS.ProcessEnv, flags: Record<string, string> = {}): string {
  try {
    loadConfig(env, flags)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error(`expected ${JSON.stringify({ env, flags })} to be refused`)
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

describe('loadConfig defaults', () => {
  it('starts a usable local server with nothing set', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      databaseUrl: 'sqlite:data/parley.db',
      redisUrl: '',
      redisPrefix: 'parley:',
      logLevel: 'info',
      heartbeatMs: 25 * SECOND,
      pollWaitMs: 25 * SECOND,
      agentGraceMs: 15 * SECOND,
      visitorGraceMs: 15 * SECOND,
      reopenWindowMs: DAY,
      sessionTtlMs: 14 * DAY,
      maxTextLength: 4000,
      maxFrameBytes: 64 * 1024,
      rateBurst: 20,
      ratePerSecond: 5,
      loginAttempts: 5,
      sendBufferBytes: 4 * 1024 * 1024,
      sqliteSynchronous: 'full',
      apiRatePerMinute: 600,
      webhookTimeoutMs: 10 * SECOND,
      webhookRetryDelaysMs: [10 * SECOND, 30 * SECOND, 120 * SECOND, 600 * SECOND, 3600 * SECOND, 21600 * SECOND],
      retentionIntervalMs: 3600 * SECOND,
    })
  })

  it('reads a list of durations, refusing an empty or malformed entry', () => {
    expect(loadConfig({ PARLEY_WEBHOOK_RETRY_DELAYS: '200ms, 1s,2m' }).webhookRetryDelaysMs).toEqual([200, SECOND, 120 * SECOND])
    expect(() => loadConfig({ PARLEY_WEBHOOK_RETRY_DELAYS: '1s,,2s' })).toThrow(/PARLEY_WEBHOOK_RETRY_DELAYS/)
    expect(() => loadConfig({ PARLEY_WEBHOOK_RETRY_DELAYS: '1s,soon' })).toThrow(/PARLEY_WEBHOOK_RETRY_DELAYS/)
    expect(() => loadConfig({ PARLEY_AGENT_GRACE: '' })).toThrow(/PARLEY_AGENT_GRACE/)
  })

  it('derives the default public URL from the port', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080')
    expect(loadConfig({}, { port: '9090' }).publicUrl).toBe('http://localhost:9090')
  })

  it('ignores environment variables that are not its own', () => {
    expect(loadConfig({ PATH: '/usr/bin', NODE_ENV: 'production', PARLEYX: 'not ours' }).port).toBe(3000)
  })
})

describe('flags and environment', () => {
  it('reads settings from the environment', () => {
    const config = loadConfig({ PORT: '4000', HOST: '0.0.0.0', PARLEY_RATE_BURST: '50', LOG_LEVEL: 'warn', DATABASE_URL: 'sqlite:/var/lib/parley.db' })
    expect(config).toMatchObject({ port: 4000, host: '0.0.0.0', rateBurst: 50, logLevel: 'warn', databaseUrl: 'sqlite:/var/lib/parley.db' })
  })

  it('takes a PostgreSQL URL for a database shared by several nodes', () => {
    for (const url of ['postgres://parley:secret@db:5432/parley', 'postgresql://parley@db/parley']) {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url)
    }
  })

  it('lets a flag beat the environment variable of the same setting', () => {
    const config = loadConfig(
      { PORT: '4000', PARLEY_RATE_BURST: '50', PARLEY_HEARTBEAT_INTERVAL: '10s' },
      { port: '5000', 'rate-burst': '7', 'heartbeat-interval': '2s' },
    )
    expect(config).toMatchObject({ port: 5000, rateBurst: 7, heartbeatMs: 2 * SECOND })
  })

  it('names flags after the variables, without the PARLEY_ prefix', () => {
    const flags = Object.values(settings).map((s) => s.env.toLowerCase().replace(/^parley_/, '').replace(/_/g, '-'))
    expect(flags).toEqual(expect.arrayContaining(['port', 'public-url', 'database-url', 'max-message-length', 'send-buffer-bytes', 'login-attempts']))
    const parsed = parseConfigFlags(['serve', '--port', '1234', '--max-frame-bytes', '2048'])
    expect(parsed.positionals).toEqual(['serve'])
    expect(loadConfig({}, parsed.values as Record<string, string>)).toMatchObject({ port: 1234, maxFrameBytes: 2048 })
  })

  it('trims values and strips trailing slashes from URLs', () => {
    expect(loadConfig({ PORT: ' 4000 ', PUBLIC_URL: 'https://chat.example.com//' })).toMatchObject({
      port: 4000, publicUrl: 'https://chat.example.com',
    })
  })
})

describe('durations', () => {
  it.each([
    ['30s', 30 * SECOND],
    ['15m', 15 * MINUTE],
    ['24h', DAY],
    ['14d', 14 * DAY],
    ['1.5h', 1.5 * HOUR],
    ['2500', 2500],
  ])('reads %s as %i ms', (text, expected) => {
    expect(loadConfig({ PARLEY_REOPEN_WINDOW: text }).reopenWindowMs).toBe(expected)
  })

  it('refuses what is not a duration, naming the setting and its flag', () => {
    const message = configError({ PARLEY_AGENT_GRACE: 'soon' })
    expect(message).toContain('PARLEY_AGENT_GRACE')
    expect(message).toContain('--agent-grace')
    expect(message).toContain('"soon"')
    expect(message).toMatch(/must be a duration such as 30s/)
  })

  it('refuses durations below a setting\'s minimum', () => {
    expect(configError({ PARLEY_HEARTBEAT_INTERVAL: '500' })).toMatch(/PARLEY_HEARTBEAT_INTERVAL.*must be at least 1000 ms/)
    expect(configError({}, { 'session-ttl': '30s' })).toMatch(/PARLEY_SESSION_TTL \(--session-ttl\).*must be at least 60000 ms/)
    expect(configError({ PARLEY_AGENT_GRACE: '-1s' })).toMatch(/PARLEY_AGENT_GRACE/)
  })

  it('refuses timer durations longer than a Node timer can hold, instead of firing every millisecond', () => {
    // setInterval/setTimeout treat anything above 2^31-1 ms (about 24.8 days) as 1 ms.
    expect(configError({ PARLEY_HEARTBEAT_INTERVAL: '30d' })).toMatch(/PARLEY_HEARTBEAT_INTERVAL/)
    expect(configError({ PARLEY_AGENT_GRACE: '30d' })).toMatch(/PARLEY_AGENT_GRACE/)
  })
})

describe('mistakes stop the start with a message naming the setting', () => {
  it('refuses an unknown PARLEY_ variable, listing the known ones', () => {
    const message = configError({ PARLEY_RATE_BRUST: '10' })
    expect(message).toContain('Unknown setting PARLEY_RATE_BRUST')
    expect(message).toContain('PARLEY_RATE_BURST')
  })

  it.each([
    [{ PORT: 'eighty' }, 'PORT', /must be a whole number/],
    [{ PORT: '70000' }, 'PORT', /must be at most 65535/],
    [{ PORT: '-1' }, 'PORT', /must be a whole number/],
    [{ PARLEY_RATE_BURST: '0' }, 'PARLEY_RATE_BURST', /must be at least 1/],
    [{ PARLEY_MAX_FRAME_BYTES: '512' }, 'PARLEY_MAX_FRAME_BYTES', /must be at least 1024/],
    [{ PARLEY_SEND_BUFFER_BYTES: '1.5' }, 'PARLEY_SEND_BUFFER_BYTES', /must be a whole number/],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', /./],
    [{ PARLEY_SQLITE_SYNCHRONOUS: 'off' }, 'PARLEY_SQLITE_SYNCHRONOUS', /./],
    [{ DATABASE_URL: 'mysql://localhost/parley' }, 'DATABASE_URL', /must look like sqlite:.* or postgres:/],
    [{ DATABASE_URL: 'postgres://' }, 'DATABASE_URL', /must look like/],
    [{ PUBLIC_URL: 'chat.example.com' }, 'PUBLIC_URL', /must be a URL starting with http:\/\/ or https:\/\//],
    [{ PUBLIC_URL: 'ftp://chat.example.com' }, 'PUBLIC_URL', /must be a URL/],
    [{ HOST: '   ' }, 'HOST', /./],
  ])('refuses %j', (env, name, problem) => {
    const message = configError(env as NodeJS.ProcessEnv)
    expect(message.startsWith(`Invalid ${name} (--`)).toBe(true)
    expect(message).toMatch(problem)
  })

  it('refuses a malformed flag the same way', () => {
    expect(configError({}, { port: 'x' })).toMatch(/^Invalid PORT \(--port\) "x": must be a whole number/)
  })

  it('refuses an unknown flag', () => {
    expect(() => parseConfigFlags(['serve', '--prot', '80'])).toThrow(ConfigError)
    expect(() => parseConfigFlags(['serve', '--prot', '80'])).toThrow(/--prot/)
  })
})

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../server/store/open-store.js'
import { connectAgent, connectVisitor, openSocket, TestClient } from '../support/chat-client.js'
import { HOST_ORIGIN, startTestServer, TEST_PASSWORD, type TestServer } from '../support/test-server.js'
import { freePort } from '../support/free-port.js'

let server: TestServer | undefined
const children: ChildProcess[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  await server?.stop()
  server = undefined
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

/** Samples of a Prometheus text exposition: `name{labels}` → value. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    samples.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return samples
}

/** Waits for something the server does on its own schedule (such as noticing a closed socket). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${check.toString()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function scrape(s: TestServer) {
  const response = await fetch(`${s.url}/metrics`)
  return { response, text: await response.clone().text(), samples: parseMetrics(await response.text()) }
}

describe('GET /healthz', () => {
  it('answers 200 with status ok while the database answers', async () => {
    server = await startTestServer()
    const response = await fetch(`${server.url}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })
})

describe('GET /metrics', () => {
  it('serves the Prometheus text format with Parley\'s own series', async () => {
    const s = (server = await startTestServer())
    const { response, text } = await scrape(s)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    for (const name of ['parley_connections', 'parley_messages_total', 'parley_queue_length', 'parley_delivery_latency_seconds', 'parley_slow_clients_cut_total', 'parley_frame_errors_total']) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'))
    }
    expect(text).toMatch(/^# TYPE parley_connections gauge$/m)
    expect(text).toMatch(/^# TYPE parley_messages_total counter$/m)
    expect(text).toMatch(/^# TYPE parley_queue_length gauge$/m)
    expect(text).toMatch(/^# TYPE parley_delivery_latency_seconds histogram$/m)
    // Process metrics come with the same prefix.
    expect(text).toMatch(/^parley_process_cpu_user_seconds_total /m)
  })

  it('counts connections by transport and role, messages by role, the queue, and delivery latency', async () => {
    const s = (server = await startTestServer())
    const { client: visitor } = await connectVisitor(s)
    const pending = new TestClient(await openSocket(`${s.wsUrl}?site=${s.site.key}`, { Origin: HOST_ORIGIN }))
    const ack = await visitor.say('is anyone there?')

    let { samples } = await scrape(s)
    expect(samples.get('parley_connections{transport="websocket",role="visitor"}')).toBe(1)
    expect(samples.get('parley_connections{transport="websocket",role="pending"}')).toBe(1)
    expect(samples.get('parley_messages_total{role="visitor"}')).toBe(1)
    expect(samples.get('parley_queue_length')).toBe(1)
    expect(samples.get('parley_delivery_latency_seconds_count')).toBe(1)
    expect(samples.get('parley_delivery_latency_seconds_bucket{le="+Inf"}')).toBe(1)
    expect(samples.get('parley_delivery_latency_seconds_sum')).toBeGreaterThan(0)

    const { client: agent } = await connectAgent(s, await s.addAgent({ name: 'Ada' }))
    await agent.waitFor('conv', (c) => c.conv.id === ack.conv && c.conv.status === 'assigned')
    await agent.say('Ada here', ack.conv)
    await pending.close()
    await eventually(async () => (await scrape(s)).samples.get('parley_connections{transport="websocket",role="pending"}') === 0)
    ;({ samples } = await scrape(s))
    expect(samples.get('parley_connections{transport="websocket",role="agent"}')).toBe(1)
    expect(samples.get('parley_connections{transport="websocket",role="pending"}')).toBe(0)
    expect(samples.get('parley_messages_total{role="agent"}')).toBe(1)
    expect(samples.get('parley_queue_length')).toBe(0)
    expect(samples.get('parley_delivery_latency_seconds_count')).toBe(2)

    visitor.send('not json')
    await visitor.waitFor('error')
    ;({ samples } = await scrape(s))
    expect(samples.get('parley_frame_errors_total{code="bad_json"}')).toBe(1)
  })
})

describe('graceful shutdown of a real process', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url))

  /** The environment of a child, without any setting of the test runner's own. */
  function cleanEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {}
    for (const [name, value] of Object.entries(process.env)) {
      if (!/^(PARLEY_|PORT$|HOST$|PUBLIC_URL$|DATABASE_URL$|LOG_LEVEL$)/.test(name)) env[name] = value
    }
    return env
  }


  /** Runs the CLI to completion and parses its --json output. */
  function cli(args: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args, '--json'], { cwd: root, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
      children.push(child)
      let out = ''
      let err = ''
      child.stdout!.on('data', (chunk) => (out += chunk))
      child.stderr!.on('data', (chunk) => (err += chunk))
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`parley ${args[0]} exited ${code}: ${err}`))))
    })
  }

  it('on SIGTERM tells clients goodbye (1012), exits 0 and leaves the SQLite file clean', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-ops-'))
    dirs.push(dir)
    const dbPath = path.join(dir, 'parley.db')
    const db = ['--database-url', `sqlite:${dbPath}`]
    const { site } = (await cli(['create-site', '--name', 'Shop', '--origins', HOST_ORIGIN, ...db])) as { site: { key: string; id: number } }
    await cli(['create-agent', '--name', 'Ada', '--email', 'ada@parley.test', '--password', TEST_PASSWORD, '--sites', site.key, ...db])

    const port = await freePort()
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'serve', '--port', String(port), ...db, '--public-url', 'http://parley.test'], {
      cwd: root, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let stdout = ''
    let stderr = ''
    child.stderr!.on('data', (chunk) => (stderr += chunk))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "parley is listening" within 15 s; stdout: ${stdout}\nstderr: ${stderr}`)), 15_000)
      child.stdout!.on('data', (chunk) => {
        stdout += chunk
        if (stdout.includes('"msg":"parley is listening"')) {
          clearTimeout(timer)
          resolve()
        }
      })
    })

    const wsUrl = `ws://127.0.0.1:${port}/ws`
    const visitor = new TestClient(await openSocket(`${wsUrl}?site=${site.key}`, { Origin: HOST_ORIGIN }))
    visitor.send({ t: 'hello', as: 'visitor' })
    await visitor.waitFor('welcome')
    const ack = await visitor.say('before the restart')
    const signedIn = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@parley.test', password: TEST_PASSWORD }),
    })
    expect(signedIn.status).toBe(200)
    const agent = new TestClient(await openSocket(wsUrl, { Cookie: signedIn.headers.get('set-cookie')!.split(';')[0]! }))
    agent.send({ t: 'hello', as: 'agent' })
    await agent.waitFor('welcome')
    await agent.say('Ada here', ack.conv)
    await visitor.waitFor('msg', (m) => m.text === 'Ada here')

    child.kill('SIGTERM')
    const [visitorClosed, agentClosed, code] = await Promise.all([visitor.closed, agent.closed, exited])
    expect(await visitor.waitFor('bye')).toEqual({ t: 'bye', reason: 'server restarting' })
    expect(await agent.waitFor('bye')).toMatchObject({ t: 'bye' })
    expect(visitorClosed.code).toBe(1012)
    expect(agentClosed.code).toBe(1012)
    expect(code, stderr).toBe(0)
    expect(stdout).toContain('"msg":"parley stopped"')

    const wal = `${dbPath}-wal`
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true)
    const store = await openStore(`sqlite:${dbPath}`)
    try {
      const messages = await store.messagesAfter(ack.conv, 0, 100)
      expect(messages.map((m) => m.text)).toEqual(['before the restart', 'Ada joined the conversation', 'Ada here'])
      expect((await store.getAgentByEmail('ada@parley.test'))?.name).toBe('Ada')
      expect((await store.getSiteByKey(site.key))?.allowedOrigins).toEqual([HOST_ORIGIN])
    } finally {
      await store.close()
    }
  }, 40_000)
})

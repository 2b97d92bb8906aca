/**
 * @hono/node-ws hands sockets over with the defaults of `ws`: a 100 MiB payload cap, no
 * liveness check, and unbounded buffering towards a client that does not read. These tests
 * show each gap closed by server/transport/websocket.ts. (The fourth gap, the Origin check
 * before the upgrade, is covered in security.test.ts.)
 */
import type { Socket } from 'node:net'
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { connectVisitor } from '../support/chat-client.js'
import { HOST_ORIGIN, startTestServer, type TestServer } from '../support/test-server.js'

let server: TestServer | undefined
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await server?.stop()
  server = undefined
})

async function start(settings: Record<string, string> = {}) {
  server = await startTestServer(settings)
  return server
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One sample of a metric in the server's /metrics text, e.g. `parley_slow_clients_cut_total`. */
async function metric(s: TestServer, sample: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return line === undefined ? 0 : Number(line.slice(sample.length + 1))
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`)
    await sleep(50)
  }
}

describe('payload cap', () => {
  it('reads frames up to exactly four times max-frame-bytes and answers too_large', async () => {
    const s = await start({ 'max-frame-bytes': '1024', 'max-message-length': '100000' })
    const { client } = await connectVisitor(s)
    const frame = JSON.stringify({ t: 'send', cid: 'edge', text: '' })
    const atCap = frame.replace('"text":""', `"text":"${'x'.repeat(4 * 1024 - frame.length)}"`)
    expect(Buffer.byteLength(atCap)).toBe(4096)
    client.send(atCap)
    expect(await client.waitFor('error')).toMatchObject({ code: 'too_large' })
    await client.say('still connected')
  })

  it('ends the connection with 1009 one byte above it, before the frame reaches the chat layer', async () => {
    const s = await start({ 'max-frame-bytes': '1024', 'max-message-length': '100000' })
    const { client } = await connectVisitor(s)
    client.socket.on('error', () => {})
    const frame = JSON.stringify({ t: 'send', cid: 'over', text: '' })
    client.send(frame.replace('"text":""', `"text":"${'x'.repeat(4 * 1024 + 1 - frame.length)}"`))
    const closed = await client.closed
    expect(closed.code).toBe(1009)
    expect(client.ofType('error')).toEqual([])
    expect(await metric(s, 'parley_frame_errors_total{code="too_large"}')).toBe(0)
  })
})

describe('heartbeat', () => {
  it('terminates a client that does not answer pings after about two intervals', async () => {
    const s = await start({ 'heartbeat-interval': '1000' })
    const socket = new WebSocket(`${s.wsUrl}?site=${s.site.key}`, { autoPong: false, headers: { Origin: HOST_ORIGIN } })
    sockets.push(socket)
    socket.on('error', () => {})
    let pings = 0
    socket.on('ping', () => pings++)
    await new Promise((resolve) => socket.once('open', resolve))
    const openedAt = Date.now()
    socket.send(JSON.stringify({ t: 'hello', as: 'visitor' }))
    const code = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the silent client was still connected after 5 s')), 5000)
      socket.once('close', (closeCode) => {
        clearTimeout(timer)
        resolve(closeCode)
      })
    })
    const lived = Date.now() - openedAt
    expect(code).toBe(1006) // terminated: no closing handshake for a peer presumed dead
    expect(pings).toBeGreaterThanOrEqual(1)
    expect(lived).toBeGreaterThanOrEqual(900)
    expect(lived).toBeLessThan(3500)
    await eventually(async () => (await metric(s, 'parley_connections{transport="websocket",role="visitor"}')) === 0, 2000, 'the connection gauge dropping')
  })

  it('keeps a client that answers pings, and sends it a {t:"ping"} frame every interval', async () => {
    const s = await start({ 'heartbeat-interval': '1000' })
    const { client } = await connectVisitor(s)
    let wsPings = 0
    client.socket.on('ping', () => wsPings++)
    const appPings: number[] = []
    client.socket.on('message', (data) => {
      if (JSON.parse(data.toString()).t === 'ping') appPings.push(Date.now())
    })
    await sleep(3600)
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
    expect(wsPings).toBeGreaterThanOrEqual(3)
    expect(appPings.length).toBeGreaterThanOrEqual(3)
    expect(appPings.length).toBeLessThanOrEqual(4)
    const gaps = appPings.slice(1).map((at, i) => at - appPings[i]!)
    for (const gap of gaps) {
      expect(gap).toBeGreaterThan(500)
      expect(gap).toBeLessThan(1500)
    }
    await client.say('still here')
  })
})

describe('backpressure', () => {
  it('cuts a client that stops reading while the server has lots to send it, and stays healthy', async () => {
    const s = await start({ 'send-buffer-bytes': '1024', 'rate-burst': '10000', 'rate-per-second': '10000' })
    const { client, welcome } = await connectVisitor(s)
    client.socket.on('error', () => {})
    const ack = await client.say('first')
    // 100 stored messages of 4000 three-byte characters: each history page is about 1.2 MB.
    for (let i = 0; i < 100; i++) {
      await s.server.store.appendVisitorMessage({
        siteId: s.site.id, visitorId: welcome.me.id, clientId: `seed-${i}`, text: '€'.repeat(4000), reopenWindowMs: 0, now: Date.now(),
      })
    }
    const connectedBefore = await metric(s, 'parley_connections{transport="websocket",role="visitor"}')
    expect(connectedBefore).toBe(1)
    expect(await metric(s, 'parley_slow_clients_cut_total')).toBe(0)

    // Stop reading: the kernel buffers fill, then the server's own send buffer grows.
    const tcp = (client.socket as unknown as { _socket: Socket })._socket
    tcp.pause()
    for (let i = 0; i < 40; i++) client.send({ t: 'history', conv: ack.conv, limit: 100, ref: `page-${i}` })

    await eventually(async () => (await metric(s, 'parley_slow_clients_cut_total')) >= 1, 10_000, 'the slow client being cut')
    await eventually(async () => (await metric(s, 'parley_connections{transport="websocket",role="visitor"}')) === 0, 5000, 'the connection closing')
    tcp.resume()
    const closed = await client.closed
    expect(closed.code).not.toBe(1000)
    expect(client.ofType('history').length).toBeLessThan(40)

    const health = await fetch(`${s.url}/healthz`)
    expect(health.status).toBe(200)
    const fresh = await connectVisitor(s)
    await fresh.client.say('the server still answers')
  })

  it('leaves a client that reads alone', async () => {
    const s = await start({ 'send-buffer-bytes': '1024', 'rate-burst': '1000' })
    const { client } = await connectVisitor(s)
    for (let i = 0; i < 30; i++) await client.say(`message ${i}`)
    client.send({ t: 'history', conv: client.ofType('ack')[0]!.conv, limit: 100, ref: 'all' })
    const page = await client.waitFor('history', (h) => h.ref === 'all')
    expect(page.events.length).toBeGreaterThanOrEqual(30)
    expect(await metric(s, 'parley_slow_clients_cut_total')).toBe(0)
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
  })
})

/**
 * Requests cut while the server is still working on them. Before it answers a WebSocket upgrade
 * or reads a poll POST's body, the server checks the site's Origin against the store; a client
 * may reset its connection meanwhile. The store here answers a millisecond late, as one across
 * a network does (on SQLite the check finishes before a reset can even be read).
 */
import { connect } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/config.js'
import { createLogger } from '../../server/ops/logger.js'
import { startParley, type ParleyServer } from '../../server/parley-server.js'
import { openStore } from '../../server/store/open-store.js'
import { delay } from '../support/node-transports.js'
import { prepareDatabase, type PreparedDatabase } from '../support/prepared-database.js'
import { answeringLater } from '../support/store-answering-later.js'
import { openSocket } from '../support/websocket-link.js'
import { HOST_ORIGIN } from '../support/test-server.js'

let database: PreparedDatabase
let server: ParleyServer
const uncaught: unknown[] = []
const recordUncaught = (error: unknown) => uncaught.push(error)

beforeEach(async () => {
  database = await prepareDatabase({ agents: 0, capacity: 1 })
  const config = loadConfig({}, {
    port: '0', host: '127.0.0.1', 'database-url': database.url, 'public-url': 'http://parley.test', 'log-level': 'silent', 'poll-wait': '500',
  })
  server = await startParley(config, { store: answeringLater(await openStore(database.url)), logger: createLogger('silent') })
  uncaught.length = 0
  process.on('uncaughtException', recordUncaught)
})

afterEach(async () => {
  process.off('uncaughtException', recordUncaught)
  await server.stop()
  await database.remove()
})

/** Writes the head of a request (and no more) on a connection of its own, then resets it. */
async function sendHeadThenReset(head: string[]) {
  const socket = connect({ port: server.port, host: '127.0.0.1' })
  socket.on('error', () => {}) // the reset is ours
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  socket.write(`${head.join('\r\n')}\r\n\r\n`)
  await delay(0)
  socket.resetAndDestroy()
}

const poll = (params: string) => `${server.url}/poll?site=${database.site.key}${params}`

describe('a WebSocket upgrade reset while the server checks the site', () => {
  it('leaves the server running and upgrading others', async () => {
    for (let n = 0; n < 20; n += 1) {
      await sendHeadThenReset([
        `GET /ws?site=${database.site.key} HTTP/1.1`, 'Host: 127.0.0.1', `Origin: ${HOST_ORIGIN}`, 'Connection: Upgrade', 'Upgrade: websocket',
        'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ])
    }
    await delay(50)
    expect(uncaught).toEqual([])
    const socket = await openSocket(`${server.url.replace(/^http/, 'ws')}/ws?site=${database.site.key}`, { Origin: HOST_ORIGIN })
    socket.close()
  })
})

describe('a poll POST cut before its body is read', () => {
  it('does not use up its number: the retry, with the whole body, is applied', async () => {
    const opened = await fetch(poll(''), { method: 'POST', headers: { Origin: HOST_ORIGIN } })
    const { sid } = (await opened.json()) as { sid: string }
    const hello = JSON.stringify({ t: 'hello', as: 'visitor' })

    // The head arrives; the body is lost with the connection.
    await sendHeadThenReset([
      `POST /poll?site=${database.site.key}&sid=${sid}&n=1 HTTP/1.1`, 'Host: 127.0.0.1', `Origin: ${HOST_ORIGIN}`,
      'Content-Type: text/plain;charset=UTF-8', `Content-Length: ${Buffer.byteLength(hello)}`,
    ])
    await delay(50)

    const retried = await fetch(poll(`&sid=${sid}&n=1`), { method: 'POST', headers: { Origin: HOST_ORIGIN, 'Content-Type': 'text/plain;charset=UTF-8' }, body: hello })
    expect(retried.status).toBe(204)
    const answer = await (await fetch(poll(`&sid=${sid}&ack=0`), { headers: { Origin: HOST_ORIGIN } })).text()
    expect(answer.split('\n').slice(1).map((frame) => (JSON.parse(frame) as { t: string }).t)).toContain('welcome')
    await fetch(poll(`&sid=${sid}`), { method: 'DELETE', headers: { Origin: HOST_ORIGIN } }) // or the stop waits for it to fetch its goodbye
  })
})

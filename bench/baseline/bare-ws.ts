/**
 * The floor for memory per connection: a `ws` server that accepts WebSockets and does nothing
 * else. Parley's WebSocket transport is `ws` underneath (through @hono/node-ws), so what
 * Parley keeps per idle visitor above this is its own.
 *
 *   node --import tsx bench/baseline/bare-ws.ts --port 3200
 *
 * Listens on 127.0.0.1 only; GET /healthz answers when it is ready; SIGTERM stops it.
 */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { WebSocketServer } from 'ws'

const { values } = parseArgs({ options: { port: { type: 'string' } } })
if (!values.port) throw new Error('usage: bare-ws.ts --port PORT')

const http = createServer((request, response) => {
  response.writeHead(request.url === '/healthz' ? 200 : 404).end()
})
// No compression, as Parley's transport and socket.io's defaults.
const wss = new WebSocketServer({ server: http, perMessageDeflate: false })
wss.on('connection', (socket) => {
  socket.on('error', () => socket.terminate())
})
http.listen(Number(values.port), '127.0.0.1')

process.on('SIGTERM', () => {
  for (const socket of wss.clients) socket.terminate()
  wss.close()
  http.close()
  process.exit(0)
})

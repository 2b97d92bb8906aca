/**
 * The baseline Parley is measured against: the same durable relay written the plain way, on
 * socket.io 4 and better-sqlite3. A visitor's message is stored (committed), then acknowledged
 * and delivered to every connection of the visitor and of the assigned agent; the agent's
 * answer takes the same path back. Conversations go to the least busy connected agent of the
 * visitor's site, as Parley routes them.
 *
 *   node --import tsx bench/baseline/socketio-relay.ts --port 3100 --db /tmp/relay.db
 *
 * Listens on 127.0.0.1 only; GET /healthz answers when it is ready; SIGTERM stops it.
 */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { Server, type Socket } from 'socket.io'
import {
  MAX_CLIENT_ID_LENGTH, MAX_TEXT_LENGTH,
  type ClientToServerEvents, type RelayAuth, type RelayMessage, type SendPayload, type ServerToClientEvents,
} from './relay-events.js'
import { openRelayStore, type Appended } from './relay-store.js'

/** Parley's highest agent capacity (server/admin/inputs.ts). */
const AGENT_CAPACITY = 100

interface OnlineAgent {
  id: number
  site: number
  connections: number
  openChats: number
}

const { values } = parseArgs({ options: { port: { type: 'string' }, db: { type: 'string' } } })
if (!values.port || !values.db) throw new Error('usage: socketio-relay.ts --port PORT --db PATH')

const store = openRelayStore(values.db)
const agents = new Map<number, OnlineAgent>()
const http = createServer((request, response) => {
  response.writeHead(request.url === '/healthz' ? 200 : 404).end()
})
const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, { serveClient: false })

const visitorRoom = (id: number) => `visitor:${id}`
const agentRoom = (id: number) => `agent:${id}`

function leastBusyAgent(site: number): OnlineAgent | undefined {
  let chosen: OnlineAgent | undefined
  for (const agent of agents.values()) {
    if (agent.site !== site || agent.connections === 0 || agent.openChats >= AGENT_CAPACITY) continue
    if (!chosen || agent.openChats < chosen.openChats || (agent.openChats === chosen.openChats && agent.id < chosen.id)) chosen = agent
  }
  return chosen
}

const isValid = (payload: SendPayload | undefined): payload is SendPayload =>
  typeof payload?.cid === 'string' && payload.cid.length > 0 && payload.cid.length <= MAX_CLIENT_ID_LENGTH &&
  typeof payload.text === 'string' && payload.text.trim().length > 0 && payload.text.length <= MAX_TEXT_LENGTH

/** After the commit: the answer to the sender, then the events to both sides. */
function publish({ conversation, events, opened }: Appended) {
  const rooms = conversation.agentId === null ? [visitorRoom(conversation.visitorId)] : [visitorRoom(conversation.visitorId), agentRoom(conversation.agentId)]
  if (opened && conversation.agentId !== null) {
    io.to(agentRoom(conversation.agentId)).emit('conv', { id: conversation.id, visitor: conversation.visitorId, agent: conversation.agentId })
  }
  for (const event of events) io.to(rooms).emit('msg', event)
}

const answerOf = (message: RelayMessage) => ({ ok: true as const, conv: message.conv, seq: message.seq, id: message.id, at: message.at })

function serveVisitor(socket: Socket<ClientToServerEvents, ServerToClientEvents>, site: number) {
  const visitorId = store.createVisitor(site, Date.now())
  void socket.join(visitorRoom(visitorId))
  socket.emit('welcome', { id: visitorId })
  socket.on('send', (payload, answer) => {
    if (typeof answer !== 'function') return
    if (!isValid(payload)) return answer({ ok: false, error: 'bad_frame' })
    try {
      const agent = store.hasOpenConversation(visitorId) ? undefined : leastBusyAgent(site)
      const appended = store.appendVisitorMessage(visitorId, site, payload.cid, payload.text, Date.now(), agent?.id ?? null)
      if (appended.opened && agent) agent.openChats += 1
      answer(answerOf(appended.events.at(-1)!))
      if (!appended.duplicate) publish(appended)
      else io.to(socket.id).emit('msg', appended.events[0]!)
    } catch {
      answer({ ok: false, error: 'internal' })
    }
  })
}

function serveAgent(socket: Socket<ClientToServerEvents, ServerToClientEvents>, agentId: number, site: number) {
  const agent = agents.get(agentId) ?? { id: agentId, site, connections: 0, openChats: 0 }
  agents.set(agentId, agent)
  agent.connections += 1
  void socket.join(agentRoom(agentId))
  socket.emit('welcome', { id: agentId })
  socket.on('disconnect', () => {
    agent.connections -= 1
  })
  socket.on('send', (payload, answer) => {
    if (typeof answer !== 'function') return
    if (!isValid(payload) || typeof payload.conv !== 'number') return answer({ ok: false, error: 'bad_frame' })
    try {
      const appended = store.appendAgentMessage(agentId, payload.conv, payload.cid, payload.text, Date.now())
      if (!appended) return answer({ ok: false, error: 'not_found' })
      answer(answerOf(appended.events[0]!))
      if (!appended.duplicate) publish(appended)
    } catch {
      answer({ ok: false, error: 'internal' })
    }
  })
}

io.on('connection', (socket) => {
  const auth = socket.handshake.auth as Partial<RelayAuth>
  if (auth.role === 'visitor' && Number.isInteger(auth.site)) return serveVisitor(socket, auth.site!)
  if (auth.role === 'agent' && Number.isInteger(auth.agent) && Number.isInteger(auth.site)) return serveAgent(socket, auth.agent!, auth.site!)
  socket.disconnect(true)
})

http.listen(Number(values.port), '127.0.0.1')

process.on('SIGTERM', () => {
  io.close()
  store.close()
  process.exit(0)
})

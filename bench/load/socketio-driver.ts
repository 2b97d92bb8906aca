/**
 * The socket.io baseline's side of the load generator (bench/baseline/socketio-relay.ts):
 * socket.io-client 4, each client with its own engine (no multiplexing), no reconnection, so
 * that a lost connection is counted rather than hidden.
 */
import { io, type Socket } from 'socket.io-client'
import type { ClientToServerEvents, RelayAuth, ServerToClientEvents } from '../baseline/relay-events.js'
import type { AgentEvents, ChatDriver, VisitorEvents, VisitorTransport } from './chat-driver.js'

type RelaySocket = Socket<ServerToClientEvents, ClientToServerEvents>

export interface SocketIoDriverOptions {
  url: string
  /** Visitor i visits site `i % sites`; agent i serves site `i % sites`, as with Parley. */
  sites: number
}

/** Connects and resolves once the server's `welcome` arrives. */
function connect(url: string, transport: VisitorTransport, auth: RelayAuth, onLost: () => void): Promise<RelaySocket> {
  return new Promise((resolve, reject) => {
    const socket: RelaySocket = io(url, { transports: [transport], auth, reconnection: false, forceNew: true, timeout: 20_000 })
    let welcomed = false
    socket.once('welcome', () => {
      welcomed = true
      resolve(socket)
    })
    socket.once('connect_error', (error) => reject(error))
    socket.on('disconnect', (reason) => {
      if (!welcomed) reject(new Error(`disconnected before welcome: ${reason}`))
      else if (reason !== 'io client disconnect') onLost()
    })
  })
}

export function socketIoDriver(options: SocketIoDriverOptions): ChatDriver {
  return {
    name: 'socket.io',

    async connectAgent(index: number, events: AgentEvents) {
      const socket = await connect(options.url, 'websocket', { role: 'agent', agent: index + 1, site: index % options.sites }, () => events.error('connection lost'))
      let sent = 0
      socket.on('msg', (message) => {
        if (message.author.role === 'visitor') events.visitorMessage(message.conv, message.text)
      })
      return {
        reply(conversation: number, text: string) {
          socket.emit('send', { conv: conversation, cid: `a${index}.${++sent}`, text }, (answer) => {
            if (!answer.ok) events.error(answer.error)
          })
        },
        close: () => socket.disconnect(),
      }
    },

    async connectVisitor(index: number, transport: VisitorTransport, events: VisitorEvents) {
      const socket = await connect(options.url, transport, { role: 'visitor', site: index % options.sites }, () => events.error('connection lost'))
      let sent = 0
      socket.on('msg', (message) => {
        if (message.author.role === 'agent') events.reply(message.text)
      })
      return {
        send(text: string) {
          socket.emit('send', { cid: `v${index}.${++sent}`, text }, (answer) => {
            if (!answer.ok) events.error(answer.error)
          })
        },
        close: () => socket.disconnect(),
      }
    },
  }
}

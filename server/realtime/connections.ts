import { encode } from '../../protocol/index.js'
import type { Peer } from '../transport/peer.js'

/**
 * Every open connection of this process, for what concerns them all: the heartbeat frame
 * that lets browsers notice a dead link, and the goodbye on shutdown.
 */
export function createConnectionRegistry(heartbeatMs: number) {
  const peers = new Set<Peer>()
  const ping = encode({ t: 'ping' })
  const timer = setInterval(function sendHeartbeats() {
    for (const peer of peers) peer.send(ping)
  }, heartbeatMs)
  timer.unref()

  /** Tells every client to reconnect, then closes its connection: its hello catches up from the store. */
  function reconnectAll(reason: string, code: number) {
    const frame = encode({ t: 'bye', reason })
    for (const peer of [...peers]) {
      peer.send(frame)
      peer.close(code, reason)
    }
    peers.clear()
  }

  return {
    add: (peer: Peer) => void peers.add(peer),
    delete: (peer: Peer) => void peers.delete(peer),
    get size() {
      return peers.size
    },
    reconnectAll,
    /** On shutdown: tells every client to reconnect elsewhere or later, and stops the heartbeat. */
    sayGoodbye(reason: string, code: number) {
      clearInterval(timer)
      reconnectAll(reason, code)
    },
  }
}

export type ConnectionRegistry = ReturnType<typeof createConnectionRegistry>

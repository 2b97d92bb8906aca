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

  return {
    add: (peer: Peer) => void peers.add(peer),
    delete: (peer: Peer) => void peers.delete(peer),
    get size() {
      return peers.size
    },
    /** Tells every client to reconnect elsewhere or later, then closes its connection. */
    sayGoodbye(reason: string, code: number) {
      clearInterval(timer)
      const frame = encode({ t: 'bye', reason })
      for (const peer of peers) {
        peer.send(frame)
        peer.close(code, reason)
      }
      peers.clear()
    },
  }
}

export type ConnectionRegistry = ReturnType<typeof createConnectionRegistry>

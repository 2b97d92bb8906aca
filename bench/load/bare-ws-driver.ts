/** A plain WebSocket that says nothing: the client of bench/baseline/bare-ws.ts. */
import WebSocket from 'ws'

export function connectBareWebSocket(url: string): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false })
    socket.once('open', () => resolve({ close: () => socket.terminate() }))
    socket.once('error', reject)
  })
}

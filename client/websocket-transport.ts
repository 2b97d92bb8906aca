import type { Link, LinkHandlers, Transport } from './transport.js'

/**
 * WebSocket links. `createSocket` lets a program that is not a browser (a test, a bot) supply
 * its own WebSocket, with headers a browser would add by itself.
 */
export function websocketTransport(createSocket: (url: string) => WebSocket = (url) => new WebSocket(url)): Transport {
  return {
    name: 'websocket',
    connect(baseUrl: string, query: string, handlers: LinkHandlers): Link {
      let done = false
      const finish = () => {
        if (done) return
        done = true
        handlers.closed()
      }
      let socket: WebSocket
      try {
        socket = createSocket(`${baseUrl.replace(/^http/, 'ws')}/ws${query ? `?${query}` : ''}`)
      } catch {
        setTimeout(finish)
        return { send() {}, close() {} }
      }
      socket.onopen = () => handlers.open()
      socket.onmessage = (event) => {
        if (!done && typeof event.data === 'string') handlers.frame(event.data)
      }
      socket.onclose = finish
      socket.onerror = finish
      return {
        send(frame: string) {
          if (socket.readyState === 1) socket.send(frame)
        },
        close() {
          done = true
          try {
            socket.close()
          } catch {
            // already closing
          }
        },
      }
    },
  }
}

/**
 * The part of `fetch` the widget's polling client uses (method, text body, headers, abort),
 * on node:http with a keep-alive agent. Node's own fetch costs the generator several times the
 * CPU per request, enough to make a thousand polling visitors measure the generator rather
 * than the server; socket.io-client's polling runs on node:http too, so both drivers pay alike.
 */
import http from 'node:http'

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity })

export const nodeHttpFetch: typeof fetch = (input, init = {}) =>
  new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? undefined
    if (signal?.aborted) return reject(signal.reason)
    const request = http.request(String(input), { method: init.method ?? 'GET', agent, headers: init.headers as Record<string, string> | undefined }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        const status = response.statusCode ?? 0
        // A 204 (or any null-body status) must be built without a body.
        resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status }))
      })
      response.on('error', reject)
    })
    request.on('error', reject)
    signal?.addEventListener('abort', () => request.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted')), { once: true })
    request.end(typeof init.body === 'string' ? init.body : undefined)
  })

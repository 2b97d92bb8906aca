/**
 * A full garbage collection and the V8 heap's size, asked of a child process through Node's
 * inspector (started with `--inspect=127.0.0.1:0`). The server's code is not touched and
 * grows no endpoint for it; /proc alone cannot tell live objects from garbage not yet collected.
 */
import WebSocket from 'ws'

/** V8's sampling heap profile: a tree of allocation stacks with the bytes sampled at each. */
export interface SamplingHeapProfile {
  head: SamplingHeapNode
}

export interface SamplingHeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number }
  /** Bytes of the sampled allocations made here and still alive when the profile was taken. */
  selfSize: number
  children: SamplingHeapNode[]
}

export interface HeapInspector {
  /** Collects garbage (twice: the first pass can leave what only a second one frees). */
  collectGarbage(): Promise<void>
  /** Bytes of live and not yet collected objects on the V8 heap. */
  heapUsed(): Promise<number>
  /** Starts sampling allocations, one every `intervalBytes` on average. */
  startSampling(intervalBytes?: number): Promise<void>
  /** The allocations sampled since the start that are still alive (collect garbage first). */
  takeSampledProfile(): Promise<SamplingHeapProfile>
  close(): void
}

export async function openHeapInspector(inspectorUrl: string, timeoutMs = 30_000): Promise<HeapInspector> {
  const socket = new WebSocket(inspectorUrl)
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  let nextId = 1
  const waiting = new Map<number, (result: Record<string, unknown>) => void>()
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown> }
    if (message.id !== undefined) waiting.get(message.id)?.(message.result ?? {})
  })
  function call(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: ${method} took over ${timeoutMs} ms`)), timeoutMs)
      waiting.set(id, (result) => {
        clearTimeout(timer)
        waiting.delete(id)
        resolve(result)
      })
      socket.send(JSON.stringify({ id, method, ...(params ? { params } : {}) }))
    })
  }
  return {
    async collectGarbage() {
      await call('HeapProfiler.collectGarbage')
      await call('HeapProfiler.collectGarbage')
    },
    async heapUsed() {
      return (await call('Runtime.getHeapUsage')).usedSize as number
    },
    async startSampling(intervalBytes = 4096) {
      await call('HeapProfiler.startSampling', { samplingInterval: intervalBytes })
    },
    async takeSampledProfile() {
      return (await call('HeapProfiler.stopSampling')).profile as SamplingHeapProfile
    },
    close() {
      socket.close()
    },
  }
}

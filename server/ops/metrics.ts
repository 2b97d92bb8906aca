import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * Prometheus metrics of one Parley process. Each process has its own registry, so that tests
 * can run several servers side by side without their counts mixing.
 */
export function createMetrics() {
  const registry = new Registry()
  let countQueued: (() => Promise<number>) | undefined
  collectDefaultMetrics({ register: registry, prefix: 'parley_' })
  return {
    registry,
    connections: new Gauge({
      name: 'parley_connections',
      help: 'Open client connections',
      labelNames: ['transport', 'role'] as const,
      registers: [registry],
    }),
    messages: new Counter({
      name: 'parley_messages_total',
      help: 'Messages stored, by author role',
      labelNames: ['role'] as const,
      registers: [registry],
    }),
    frameErrors: new Counter({
      name: 'parley_frame_errors_total',
      help: 'Client frames refused, by error code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    queueLength: new Gauge({
      name: 'parley_queue_length',
      help: 'Conversations waiting for an agent',
      registers: [registry],
      // Counted when scraped, not kept up to date on every routing pass.
      async collect() {
        if (countQueued) this.set(await countQueued())
      },
    }),
    /** Where the queue length comes from (the store, once it is open). */
    countQueuedWith(count: () => Promise<number>) {
      countQueued = count
    },
    deliveryLatency: new Histogram({
      name: 'parley_delivery_latency_seconds',
      help: 'From a message frame arriving to its fan-out, storage included',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    slowClientsCut: new Counter({
      name: 'parley_slow_clients_cut_total',
      help: 'Connections closed because they did not read what was sent to them',
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>

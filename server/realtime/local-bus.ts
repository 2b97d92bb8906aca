import type { Bus, BusListener, BusMessage } from './bus.js'

/** Every subscription here is active at once: one settled promise serves them all. */
const READY = Promise.resolve()

/** The bus of a single process: delivery is a synchronous call to each listener, active at once. */
export function createLocalBus(): Bus {
  const listeners = new Map<string, Set<BusListener>>()
  return {
    publish(topic: string, message: BusMessage) {
      const set = listeners.get(topic)
      if (!set) return
      for (const listener of set) listener(message)
    },
    subscribe(topic: string, listener: BusListener) {
      let set = listeners.get(topic)
      if (!set) listeners.set(topic, (set = new Set()))
      set.add(listener)
      return {
        ready: READY,
        unsubscribe() {
          set.delete(listener)
          if (set.size === 0 && listeners.get(topic) === set) listeners.delete(topic)
        },
      }
    },
    // Within one process nothing is ever lost on the way.
    onGap() {},
    async close() {
      listeners.clear()
    },
  }
}

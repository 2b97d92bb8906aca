import type { Bus, BusListener, BusMessage } from './bus.js'

/** The bus of a single process: delivery is a synchronous call to each listener. */
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
      return function unsubscribe() {
        set.delete(listener)
        if (set.size === 0) listeners.delete(topic)
      }
    },
    async close() {
      listeners.clear()
    },
  }
}

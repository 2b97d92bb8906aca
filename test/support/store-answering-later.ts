/**
 * A store whose every call is answered a little later, as a database across a network would
 * answer. On SQLite each call completes before the next frame or request is even read, which
 * hides races between them: a client that resets its connection while a request waits on the
 * store, a live event that arrives while a replay is read.
 */
import type { Store } from '../../server/store/store.js'

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** @example startParley(config, { store: answeringLater(await openStore(url)), logger }) */
export function answeringLater(store: Store, ms = 1): Store {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key)
      if (typeof value !== 'function') return value
      return async function later(...args: unknown[]) {
        await delay(ms)
        return (value as (...args: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}

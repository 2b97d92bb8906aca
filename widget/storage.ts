/**
 * The widget's memory in the host page: the visitor token and the unsent messages, scoped to
 * the site key. Storage can be missing, full, or throw (private modes, sandboxed frames,
 * blocked cookies): then it lives in memory for the page's life and the widget still works.
 */
export interface SiteStorage {
  get<T>(name: string): T | undefined
  set(name: string, value: unknown): void
}

export function siteStorage(siteKey: string, backend?: Storage): SiteStorage {
  const memory = new Map<string, string>()
  let store: Storage | undefined = backend
  try {
    store ??= window.localStorage
  } catch {
    store = undefined
  }
  const key = (name: string) => `parley:${siteKey}:${name}`
  return {
    get<T>(name: string): T | undefined {
      let text: string | null | undefined = memory.get(key(name))
      try {
        text ??= store?.getItem(key(name))
        return text ? (JSON.parse(text) as T) : undefined
      } catch {
        return undefined
      }
    },
    set(name: string, value: unknown) {
      const text = JSON.stringify(value)
      try {
        store?.setItem(key(name), text)
        memory.delete(key(name))
      } catch {
        memory.set(key(name), text)
      }
    },
  }
}

/**
 * `window.Parley`, the one global the widget defines. Pages may call it before the script
 * has loaded, through the install stub:
 *
 *   window.Parley = window.Parley || function () { (Parley.q = Parley.q || []).push(arguments) }
 *   Parley('identify', { name: 'Ada', email: 'ada@example.com' })
 *
 * Once loaded, the same calls work (`Parley('open')`) and so do methods (`Parley.open()`).
 * A mistake in a call is reported on the console, never thrown into the page.
 */
export type WidgetEvent = 'ready' | 'open' | 'close' | 'message' | 'unread'

export interface WidgetActions {
  open(): void
  close(): void
  toggle(): void
  identify(profile: { name?: string; email?: string; userId?: string; userHash?: string }): void
  page(page: { url?: string; title?: string }): void
}

export type WidgetApi = WidgetActions & {
  (name: string, ...args: unknown[]): void
  version: string
  on(event: WidgetEvent, listener: (data: unknown) => void): void
  off(event: WidgetEvent, listener: (data: unknown) => void): void
  emit(event: WidgetEvent, data?: unknown): void
  call(name: string, ...args: unknown[]): void
}

export function createApi(actions: WidgetActions, log: (...args: unknown[]) => void): WidgetApi {
  const listeners = new Map<string, Set<(data: unknown) => void>>()
  const methods: Record<string, (...args: never[]) => void> = {
    ...actions,
    on: (event: string, listener: (data: unknown) => void) => {
      if (typeof listener !== 'function') return
      if (!listeners.has(event)) listeners.set(event, new Set())
      listeners.get(event)!.add(listener)
    },
    off: (event: string, listener: (data: unknown) => void) => void listeners.get(event)?.delete(listener),
  }
  const api = function Parley(name: string, ...args: unknown[]) {
    api.call(name, ...args)
  } as WidgetApi
  Object.assign(api, methods, {
    version: '1',
    emit(event: WidgetEvent, data?: unknown) {
      for (const listener of listeners.get(event) ?? []) {
        try {
          listener(data)
        } catch (error) {
          log(event, error)
        }
      }
    },
    call(name: string, ...args: unknown[]) {
      const method = methods[name]
      if (!method) return log('unknown call', name)
      try {
        ;(method as (...args: unknown[]) => void)(...args)
      } catch (error) {
        log(name, error)
      }
    },
  })
  return api
}

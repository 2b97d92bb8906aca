import { describe, expect, it, vi } from 'vitest'
import { createApi, type WidgetActions } from '../../widget/api.js'

/** `window.Parley` over spy actions, with what it logs recorded instead of printed. */
function makeApi() {
  const actions = { open: vi.fn(), close: vi.fn(), toggle: vi.fn(), identify: vi.fn(), page: vi.fn() } satisfies WidgetActions
  const logged: unknown[][] = []
  const api = createApi(actions, (...args) => logged.push(args))
  return { api, actions, logged }
}

describe('calling Parley by name, as the install stub does', () => {
  it('runs the action of that name with the arguments given', () => {
    const { api, actions } = makeApi()
    api('open')
    api('identify', { name: 'Ada', email: 'ada@example.com' })
    api('page', { url: 'https://shop.test/cart', title: 'Cart' })
    expect(actions.open).toHaveBeenCalledOnce()
    expect(actions.identify).toHaveBeenCalledWith({ name: 'Ada', email: 'ada@example.com' })
    expect(actions.page).toHaveBeenCalledWith({ url: 'https://shop.test/cart', title: 'Cart' })
    expect(actions.close).not.toHaveBeenCalled()
  })

  it('does the same through call(), which the loader uses to drain the queue', () => {
    const { api, actions } = makeApi()
    api.call('toggle')
    api.call('close')
    expect(actions.toggle).toHaveBeenCalledOnce()
    expect(actions.close).toHaveBeenCalledOnce()
  })

  it('logs an unknown call and goes on, without throwing into the page', () => {
    const { api, actions, logged } = makeApi()
    expect(() => api('explode', 1, 2)).not.toThrow()
    expect(logged).toEqual([['unknown call', 'explode']])
    api('open')
    expect(actions.open).toHaveBeenCalledOnce()
  })

  it('does not reach emit, call or version by name: only the actions and on/off', () => {
    const { api, logged } = makeApi()
    const heard = vi.fn()
    api.on('ready', heard)
    api('emit', 'ready', 'forged')
    api('version')
    expect(heard).not.toHaveBeenCalled()
    expect(logged).toEqual([['unknown call', 'emit'], ['unknown call', 'version']])
  })

  it('logs an action that throws, with the call it came from, and does not rethrow', () => {
    const { api, actions, logged } = makeApi()
    const failure = new Error('storage is full')
    actions.identify.mockImplementation(() => {
      throw failure
    })
    expect(() => api('identify', { name: 'Ada' })).not.toThrow()
    expect(() => api.call('identify', { name: 'Ada' })).not.toThrow()
    expect(logged).toEqual([['identify', failure], ['identify', failure]])
  })
})

describe('methods', () => {
  it('are the actions themselves: Parley.open() is Parley("open")', () => {
    const { api, actions } = makeApi()
    api.open()
    api.close()
    api.toggle()
    api.identify({ email: 'ada@example.com' })
    api.page({ title: 'Checkout' })
    expect(actions.open).toHaveBeenCalledOnce()
    expect(actions.close).toHaveBeenCalledOnce()
    expect(actions.toggle).toHaveBeenCalledOnce()
    expect(actions.identify).toHaveBeenCalledWith({ email: 'ada@example.com' })
    expect(actions.page).toHaveBeenCalledWith({ title: 'Checkout' })
  })

  it('include a version, which the loader checks so that a second copy of the script does nothing', () => {
    expect(makeApi().api.version).toBe('1')
  })
})

describe('events', () => {
  it('reach every listener of that event, with its data, and no other event\'s', () => {
    const { api } = makeApi()
    const first = vi.fn()
    const second = vi.fn()
    const onOpen = vi.fn()
    api.on('unread', first)
    api('on', 'unread', second)
    api.on('open', onOpen)
    api.emit('unread', 3)
    expect(first).toHaveBeenCalledWith(3)
    expect(second).toHaveBeenCalledWith(3)
    expect(onOpen).not.toHaveBeenCalled()
  })

  it('stop reaching a listener taken off with off(), by method or by name', () => {
    const { api } = makeApi()
    const byMethod = vi.fn()
    const byName = vi.fn()
    const staying = vi.fn()
    api.on('message', byMethod)
    api.on('message', byName)
    api.on('message', staying)
    api.off('message', byMethod)
    api('off', 'message', byName)
    api.emit('message', { text: 'Hello', author: 'Ada', at: 1 })
    expect(byMethod).not.toHaveBeenCalled()
    expect(byName).not.toHaveBeenCalled()
    expect(staying).toHaveBeenCalledOnce()
  })

  it('call a listener added twice once per event', () => {
    const { api } = makeApi()
    const listener = vi.fn()
    api.on('ready', listener)
    api.on('ready', listener)
    api.emit('ready', undefined)
    expect(listener).toHaveBeenCalledOnce()
  })

  it('ignore a listener that is not a function, and off() for one never added', () => {
    const { api, logged } = makeApi()
    expect(() => api.on('ready', 'not a function' as unknown as () => void)).not.toThrow()
    expect(() => api.off('close', () => {})).not.toThrow()
    expect(() => api.emit('ready', undefined)).not.toThrow()
    expect(logged).toEqual([])
  })

  it('log a listener that throws, with the event, and still reach the listeners after it', () => {
    const { api, logged } = makeApi()
    const failure = new Error('page bug')
    const after = vi.fn()
    api.on('ready', () => {
      throw failure
    })
    api.on('ready', after)
    expect(() => api.emit('ready', undefined)).not.toThrow()
    expect(after).toHaveBeenCalledOnce()
    expect(logged).toEqual([['ready', failure]])
  })

  it('are fine with no listener at all', () => {
    const { api, logged } = makeApi()
    expect(() => api.emit('close', undefined)).not.toThrow()
    expect(logged).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { createOutbox, newClientId, type OutboxItem } from '../../client/outbox.js'

describe('the outbox', () => {
  it('keeps messages in the order they were written until each is taken by its client id', () => {
    const outbox = createOutbox()
    outbox.add({ cid: 'a', text: 'first' })
    outbox.add({ cid: 'b', text: 'second', conv: 4 })
    outbox.add({ cid: 'c', text: 'third' })

    expect(outbox.take('b')).toEqual({ cid: 'b', text: 'second', conv: 4 })
    expect(outbox.items()).toEqual([
      { cid: 'a', text: 'first' },
      { cid: 'c', text: 'third' },
    ])
    expect(outbox.has('b')).toBe(false)
    expect(outbox.has('a')).toBe(true)
  })

  it('answers a second acknowledgement of the same message with nothing', () => {
    const outbox = createOutbox([{ cid: 'a', text: 'hi' }])
    expect(outbox.take('a')).toEqual({ cid: 'a', text: 'hi' })
    expect(outbox.take('a')).toBeUndefined()
    expect(outbox.take('never-sent')).toBeUndefined()
    expect(outbox.items()).toEqual([])
  })

  it('starts from saved items without changing the saved array', () => {
    const saved: OutboxItem[] = [{ cid: 'x', text: 'typed offline' }]
    const outbox = createOutbox(saved)
    outbox.add({ cid: 'y', text: 'and this' })
    outbox.take('x')
    expect(saved).toEqual([{ cid: 'x', text: 'typed offline' }])
    expect(outbox.items()).toEqual([{ cid: 'y', text: 'and this' }])
  })

  it('reports every change to whoever saves it, and only changes', () => {
    const saves: OutboxItem[][] = []
    const outbox = createOutbox([], (items) => saves.push([...items]))
    outbox.add({ cid: 'a', text: 'one' })
    outbox.add({ cid: 'b', text: 'two' })
    outbox.take('a')
    outbox.take('a') // nothing to take: nothing to save
    expect(saves).toEqual([
      [{ cid: 'a', text: 'one' }],
      [{ cid: 'a', text: 'one' }, { cid: 'b', text: 'two' }],
      [{ cid: 'b', text: 'two' }],
    ])
  })
})

describe('client ids', () => {
  it('are distinct and fit the protocol limit of 64 characters', () => {
    const ids = Array.from({ length: 1000 }, () => newClientId())
    expect(new Set(ids).size).toBe(1000)
    for (const id of ids) expect(id.length).toBeGreaterThan(0)
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(64)
  })
})

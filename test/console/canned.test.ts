import { describe, expect, it } from 'vitest'
import { cannedOfSite, cannedTokenAt, insertCanned, matchCanned, MAX_SUGGESTIONS, type CannedResponse } from '../../console/canned.js'

const canned = (id: number, shortcut: string, text: string, siteId?: number): CannedResponse => ({ id, shortcut, text, ...(siteId === undefined ? {} : { siteId }) })

describe('the /shortcut being typed', () => {
  it('is found at the start of the reply or after whitespace, up to the caret', () => {
    expect(cannedTokenAt('/ref', 4)).toEqual({ start: 0, end: 4, query: 'ref' })
    expect(cannedTokenAt('Hi /ref', 7)).toEqual({ start: 3, end: 7, query: 'ref' })
    expect(cannedTokenAt('Hi\n/ref', 7)).toEqual({ start: 3, end: 7, query: 'ref' })
    expect(cannedTokenAt('Hi /', 4)).toEqual({ start: 3, end: 4, query: '' })
    expect(cannedTokenAt('/order_late-2', 13)).toEqual({ start: 0, end: 13, query: 'order_late-2' })
  })

  it('takes in the rest of the word after the caret, to be replaced with it', () => {
    expect(cannedTokenAt('/refund soon', 4)).toEqual({ start: 0, end: 7, query: 'ref' })
  })

  it('is nothing inside a word, a URL, after a space or without a caret in it', () => {
    expect(cannedTokenAt('and/or', 6)).toBeUndefined()
    expect(cannedTokenAt('see https://shop.test/ref', 25)).toBeUndefined()
    expect(cannedTokenAt('/ref ', 5)).toBeUndefined()
    expect(cannedTokenAt('/ref is', 7)).toBeUndefined()
    expect(cannedTokenAt('hello', 5)).toBeUndefined()
    expect(cannedTokenAt('/réf', 4)).toBeUndefined()
  })
})

describe('canned responses offered', () => {
  const all = [
    canned(1, 'hello', 'Hello! (shared)'),
    canned(2, 'refund', 'Refund, shared'),
    canned(3, 'refund', 'Refund, site 7', 7),
    canned(4, 'late', 'Site 8 only', 8),
    canned(5, 'bye', 'Bye, site 7', 7),
  ]

  it('are the site’s own and the shared ones, the site’s winning a shortcut both have', () => {
    expect(cannedOfSite(all, 7).map((response) => response.id)).toEqual([5, 1, 3])
    expect(cannedOfSite(all, 8).map((response) => response.id)).toEqual([1, 4, 2])
    // Listed the other way round, the site's still wins.
    expect(cannedOfSite([...all].reverse(), 7).map((response) => response.id)).toEqual([5, 1, 3])
  })

  it('match by shortcut, ignoring case, starts before insides', () => {
    const responses = [canned(1, 'order-late', 'a'), canned(2, 'late', 'b'), canned(3, 'Latest', 'c'), canned(4, 'refund', 'd')]
    expect(matchCanned(responses, 'LAT').map((response) => response.id)).toEqual([2, 3, 1])
    expect(matchCanned(responses, '').map((response) => response.id)).toEqual([1, 2, 3, 4])
    expect(matchCanned(responses, 'xyz')).toEqual([])
    const many = Array.from({ length: 20 }, (_, index) => canned(index, `r${index}`, 'x'))
    expect(matchCanned(many, 'r')).toHaveLength(MAX_SUGGESTIONS)
  })

  it('replace the /shortcut with their text and put the caret after it', () => {
    const refund = canned(1, 'refund', 'Your refund is on its way.')
    expect(insertCanned('Hi /ref', { start: 3, end: 7, query: 'ref' }, refund)).toEqual({ text: 'Hi Your refund is on its way.', caret: 29 })
    expect(insertCanned('/refu thanks', { start: 0, end: 5, query: 're' }, refund)).toEqual({ text: 'Your refund is on its way. thanks', caret: 26 })
  })
})

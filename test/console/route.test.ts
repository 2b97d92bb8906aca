import { describe, expect, it } from 'vitest'
import { formatRoute, HOME, parseRoute, type Route } from '../../console/route.js'

describe('console routes in the URL hash', () => {
  it('reads back every route it writes', () => {
    const routes: Route[] = [
      { view: 'inbox', tab: 'mine' },
      { view: 'inbox', tab: 'closed', conv: 42 },
      { view: 'visitors' },
      { view: 'search' },
      { view: 'search', q: 'refund / order #12 & café' },
      { view: 'admin' },
      { view: 'admin', section: 'sites' },
    ]
    for (const route of routes) expect(parseRoute(formatRoute(route))).toEqual(route)
  })

  it('writes readable addresses', () => {
    expect(formatRoute({ view: 'inbox', tab: 'queue', conv: 7 })).toBe('#/inbox/queue/7')
    expect(formatRoute({ view: 'search', q: 'late order' })).toBe('#/search/late%20order')
  })

  it('falls back to the inbox for anything it does not know', () => {
    for (const hash of ['', '#', '#/', '#/nowhere', '#/inbox/elsewhere']) {
      const route = parseRoute(hash)
      expect(route.view).toBe('inbox')
      expect(route).toMatchObject({ tab: 'mine' })
    }
    expect(parseRoute('#/unknown')).toEqual(HOME)
  })

  it('ignores a conversation id that is not a positive whole number', () => {
    for (const id of ['0', '-3', '1.5', 'abc', '99999999999999999999']) {
      expect(parseRoute(`#/inbox/open/${id}`)).toEqual({ view: 'inbox', tab: 'open' })
    }
  })
})

/**
 * Where the console is, kept in the URL's hash so that a reload, a bookmark or a link in a
 * notification opens the same screen: `#/inbox/mine/42` is conversation 42 from the Mine tab.
 */
import { useEffect, useState } from 'preact/hooks'
import type { InboxTab } from './state.js'

export type Route =
  | { view: 'inbox'; tab: InboxTab; conv?: number }
  | { view: 'visitors' }
  | { view: 'search'; q?: string }
  | { view: 'admin'; section?: string }

const TABS: readonly InboxTab[] = ['mine', 'queue', 'open', 'closed']
export const HOME: Route = { view: 'inbox', tab: 'mine' }

export function parseRoute(hash: string): Route {
  const [view, first, second] = hash.replace(/^#\/?/, '').split('/').map((part) => decodeURIComponent(part))
  switch (view) {
    case 'inbox': {
      const tab = TABS.find((name) => name === first) ?? 'mine'
      const conv = Number(second)
      return Number.isSafeInteger(conv) && conv > 0 ? { view, tab, conv } : { view, tab }
    }
    case 'visitors':
      return { view }
    case 'search':
      return first ? { view, q: first } : { view }
    case 'admin':
      return first ? { view, section: first } : { view }
    default:
      return HOME
  }
}

export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'inbox':
      return `#/inbox/${route.tab}${route.conv === undefined ? '' : `/${route.conv}`}`
    case 'search':
      return route.q ? `#/search/${encodeURIComponent(route.q)}` : '#/search'
    case 'admin':
      return route.section ? `#/admin/${encodeURIComponent(route.section)}` : '#/admin'
    default:
      return `#/${route.view}`
  }
}

/**
 * The current route and a way to go elsewhere. `replace` changes the URL without a new history
 * entry (typing in a search box, moving through the inbox with the keyboard).
 */
export function useRoute(): [Route, (next: Route, options?: { replace?: boolean }) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.hash))
  useEffect(() => {
    const onHashChange = () => setRoute(parseRoute(location.hash))
    addEventListener('hashchange', onHashChange)
    return () => removeEventListener('hashchange', onHashChange)
  }, [])
  function go(next: Route, options: { replace?: boolean } = {}) {
    const hash = formatRoute(next)
    if (hash !== location.hash) {
      if (options.replace) history.replaceState(null, '', hash)
      else history.pushState(null, '', hash)
    }
    setRoute(next)
  }
  return [route, go]
}

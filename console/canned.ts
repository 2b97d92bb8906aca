/**
 * Canned responses in the composer: `/ref` typed at the start of the reply (or after a space)
 * offers the responses whose shortcut matches, and picking one puts its text in place of
 * `/ref`. Pure functions of the text and caret, tested without a DOM.
 */

/** A canned response as GET /api/console/canned gives it. */
export interface CannedResponse {
  id: number
  /** Absent: shared by every site. */
  siteId?: number
  shortcut: string
  text: string
}

/** The `/shortcut` being typed: where it sits in the text and what follows the `/` up to the caret. */
export interface CannedToken {
  start: number
  end: number
  query: string
}

/** Suggestions shown at once; more would hide the conversation. */
export const MAX_SUGGESTIONS = 8

const SHORTCUT_CHARS = /^[A-Za-z0-9_-]*/

/**
 * The `/shortcut` the caret is in, if any. A `/` counts only at the start or after whitespace, so
 * that "and/or" or a URL never opens the list.
 *
 * @example cannedTokenAt('Hi /ref', 7) // { start: 3, end: 7, query: 'ref' }
 */
export function cannedTokenAt(text: string, caret: number): CannedToken | undefined {
  const match = /(?:^|\s)\/([A-Za-z0-9_-]*)$/.exec(text.slice(0, caret))
  if (!match) return undefined
  const query = match[1]!
  // The rest of the word after the caret is replaced too.
  const rest = SHORTCUT_CHARS.exec(text.slice(caret))![0]
  return { start: caret - query.length - 1, end: caret + rest.length, query }
}

/**
 * The responses a conversation of `siteId` may use: the site's own and the shared ones, the
 * site's winning where both have the same shortcut.
 */
export function cannedOfSite(all: CannedResponse[], siteId: number): CannedResponse[] {
  const byShortcut = new Map<string, CannedResponse>()
  for (const response of all) {
    if (response.siteId !== undefined && response.siteId !== siteId) continue
    const known = byShortcut.get(response.shortcut)
    if (!known || known.siteId === undefined) byShortcut.set(response.shortcut, response)
  }
  return [...byShortcut.values()].sort((a, b) => a.shortcut.localeCompare(b.shortcut))
}

/** Shortcuts starting with the query first, then those containing it, ignoring case. */
export function matchCanned(responses: CannedResponse[], query: string): CannedResponse[] {
  const wanted = query.toLowerCase()
  const starting: CannedResponse[] = []
  const containing: CannedResponse[] = []
  for (const response of responses) {
    const shortcut = response.shortcut.toLowerCase()
    if (shortcut.startsWith(wanted)) starting.push(response)
    else if (shortcut.includes(wanted)) containing.push(response)
  }
  return [...starting, ...containing].slice(0, MAX_SUGGESTIONS)
}

/** The text with the token replaced by the response, and where the caret goes: just after it. */
export function insertCanned(text: string, token: CannedToken, response: CannedResponse): { text: string; caret: number } {
  return {
    text: text.slice(0, token.start) + response.text + text.slice(token.end),
    caret: token.start + response.text.length,
  }
}

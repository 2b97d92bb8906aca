/**
 * Finds web addresses in chat text. Pure, so that what may become a link is decided in one
 * place and tested: the panel renders the parts as text nodes and `<a>` elements, never as
 * HTML, so nothing a visitor or an agent writes can inject markup.
 */

/** A run of text; with `href` when it is a web address to link to. */
export interface TextPart {
  text: string
  href?: string
}

// Only http(s) addresses written out in full: a bare `javascript:`, `data:` or any other scheme
// never matches, and `\b` keeps `xhttps://` (the tail of a longer word) from matching either.
const candidates = /\bhttps?:\/\/[^\s<>"]+/gi
// Punctuation that usually ends the sentence around an address rather than the address.
const trailing = /[.,;:!?'"*_~]$/
const closers: Record<string, string> = { ')': '(', ']': '[', '}': '{' }

const count = (text: string, char: string) => text.split(char).length - 1

/** Drops sentence punctuation and unbalanced closing brackets from the end of an address. */
function trimEnd(url: string): string {
  for (;;) {
    const last = url.at(-1) ?? ''
    const opener = closers[last]
    // "(see https://en.wikipedia.org/wiki/Foo_(bar))": the last ")" closes the sentence's bracket.
    if (trailing.test(url) || (opener && count(url, opener) < count(url, last))) url = url.slice(0, -1)
    else return url
  }
}

/** The address to link to, or undefined when `text` is not a well-formed http(s) URL. */
function safeHref(text: string): string | undefined {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined
  } catch {
    return undefined
  }
}

/**
 * Splits text into plain runs and http(s) links, in order; joining every part's `text` gives
 * back the input.
 *
 * @example linkify('see https://example.com.') // [{ text: 'see ' }, { text: 'https://example.com', href: 'https://example.com/' }, { text: '.' }]
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = []
  const addText = (run: string) => {
    if (!run) return
    const previous = parts.at(-1)
    if (previous && previous.href === undefined) previous.text += run
    else parts.push({ text: run })
  }
  let index = 0
  for (const match of text.matchAll(candidates)) {
    const url = trimEnd(match[0])
    const href = safeHref(url)
    if (!href) continue
    addText(text.slice(index, match.index))
    parts.push({ text: url, href })
    index = match.index + url.length
  }
  addText(text.slice(index))
  return parts
}

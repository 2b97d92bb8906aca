import { describe, expect, it } from 'vitest'
import { linkify } from '../../widget/panel/linkify.js'

const links = (text: string) => linkify(text).filter((part) => part.href !== undefined)

describe('linkify', () => {
  it('leaves text without addresses as one plain part', () => {
    expect(linkify('Hello, how can I help?')).toEqual([{ text: 'Hello, how can I help?' }])
    expect(linkify('')).toEqual([])
  })

  it('splits http and https addresses out of the text, in order', () => {
    expect(linkify('See https://example.com/help?q=1#top and http://shop.test/cart now')).toEqual([
      { text: 'See ' },
      { text: 'https://example.com/help?q=1#top', href: 'https://example.com/help?q=1#top' },
      { text: ' and ' },
      { text: 'http://shop.test/cart', href: 'http://shop.test/cart' },
      { text: ' now' },
    ])
  })

  it('gives back the input when the parts are joined', () => {
    const text = 'Try (https://example.com/a), then https://example.com/b. Thanks!\nhttps://x.test'
    expect(linkify(text).map((part) => part.text).join('')).toBe(text)
  })

  it('leaves sentence punctuation and an enclosing bracket out of the link', () => {
    expect(links('Go to https://example.com/docs.')).toEqual([{ text: 'https://example.com/docs', href: 'https://example.com/docs' }])
    expect(links('(see https://example.com/a)')).toEqual([{ text: 'https://example.com/a', href: 'https://example.com/a' }])
    expect(links('"https://example.com/?a=1",')).toEqual([{ text: 'https://example.com/?a=1', href: 'https://example.com/?a=1' }])
  })

  it('keeps brackets that belong to the address', () => {
    expect(links('https://en.wikipedia.org/wiki/Mercury_(planet)')[0]?.text).toBe('https://en.wikipedia.org/wiki/Mercury_(planet)')
  })

  it('matches the scheme in any case and links to the normalised address', () => {
    expect(links('HTTPS://Example.COM')).toEqual([{ text: 'HTTPS://Example.COM', href: 'https://example.com/' }])
  })

  it('never links javascript:, data: or any scheme but http(s)', () => {
    for (const text of [
      'javascript:alert(1)',
      'JavaScript:alert(document.cookie)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'ftp://example.com/file',
      'mailto:someone@example.com',
      'www.example.com',
    ]) {
      expect(linkify(text), text).toEqual([{ text }])
    }
  })

  it('only links what is itself an http(s) address, even inside other schemes', () => {
    // A link to https://evil.test at worst: the `javascript:` prefix stays text.
    const parts = linkify("javascript:fetch('https://evil.test')")
    expect(parts.every((part) => part.href === undefined || part.href.startsWith('https://'))).toBe(true)
    expect(links("javascript:fetch('https://evil.test')")).toEqual([{ text: 'https://evil.test', href: 'https://evil.test/' }])
    // `xhttps://` is the end of a longer word, not an address.
    expect(links('javascripthttps://example.com')).toEqual([])
  })

  it('does not link an address with nothing after the scheme', () => {
    expect(linkify('https:// and http://.')).toEqual([{ text: 'https:// and http://.' }])
  })

  it('keeps HTML-looking text as text, and stops an address at markup', () => {
    const html = '<img src=x onerror="alert(1)"><b>bold</b>'
    expect(linkify(html)).toEqual([{ text: html }])
    expect(linkify('<a href="https://evil.test">click</a>')).toEqual([
      { text: '<a href="' },
      { text: 'https://evil.test', href: 'https://evil.test/' },
      { text: '">click</a>' },
    ])
    expect(links('https://example.com/<script>')).toEqual([{ text: 'https://example.com/', href: 'https://example.com/' }])
  })
})

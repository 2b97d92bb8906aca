import { describe, expect, it } from 'vitest'
import { snippetParts } from '../../console/search/snippet.js'

describe('search snippets', () => {
  it('split into plain text and matched words', () => {
    expect(snippetParts('…my \u0002refund\u0003 for the \u0002order\u0003')).toEqual([
      { text: '…my ', match: false },
      { text: 'refund', match: true },
      { text: ' for the ', match: false },
      { text: 'order', match: true },
    ])
  })

  it('keep markup as text, to be rendered as text', () => {
    expect(snippetParts('<b>\u0002x\u0003</b>')).toEqual([
      { text: '<b>', match: false },
      { text: 'x', match: true },
      { text: '</b>', match: false },
    ])
  })

  it('join neighbouring matches and survive unbalanced marks', () => {
    expect(snippetParts('\u0002café\u0003\u0002crème\u0003')).toEqual([{ text: 'cafécrème', match: true }])
    expect(snippetParts('a\u0003b\u0002c')).toEqual([{ text: 'ab', match: false }, { text: 'c', match: true }])
    expect(snippetParts('')).toEqual([])
  })
})

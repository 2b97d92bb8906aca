/**
 * Search snippets come with the matched words between `\u0002` and `\u0003` marks (control
 * characters no message can be expected to hold). Split into parts, they are rendered as text
 * and <mark> elements: never as HTML, since the words are visitors'.
 */

export interface SnippetPart {
  text: string
  match: boolean
}

/**
 * @example snippetParts('a \u0002refund\u0003 soon') // [{ text: 'a ', match: false }, { text: 'refund', match: true }, { text: ' soon', match: false }]
 */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = []
  let match = false
  for (const piece of snippet.split(/([\u0002\u0003])/)) {
    if (piece === '\u0002') match = true
    else if (piece === '\u0003') match = false
    else if (piece) {
      const last = parts[parts.length - 1]
      if (last && last.match === match) last.text += piece
      else parts.push({ text: piece, match })
    }
  }
  return parts
}

/**
 * Turns what a person types into a PostgreSQL text-search query. `to_tsquery` has its own
 * syntax (`&`, `|`, `!`, `<->`, `:*`, quotes), and typed text must never be read as it: the
 * text is folded and split into words by the same parser that built the messages' search
 * vectors, and each word becomes a quoted lexeme that matches as a prefix, all of them
 * required, so that "parc mon" finds "parcel for Monday" and "cafe" finds "café".
 */

/** Whether there is anything to search for; a query without letters or digits finds nothing. */
export function hasSearchableWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text)
}

/**
 * A SQL expression of type `tsquery` for the typed text in the given parameter.
 *
 * @example searchQuerySql('$1') // 'refund ord' → 'refund':* & 'ord':*
 */
export function searchQuerySql(parameter: string): string {
  // Inside a quoted tsquery lexeme, quotes are doubled and backslashes escape.
  return `(
    SELECT to_tsquery('simple', string_agg(
      '''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || ''':*', ' & '))
    FROM unnest(to_tsvector('simple', fold_for_search(${parameter})))
  )`
}

/**
 * ts_headline marks words in the text it is given, and only words whose folded form matches:
 * it is given the folded text so that "cafe" marks "café". This puts the original letters back
 * around the marks, folding having changed letters, never their number.
 *
 * @example unfoldSnippet('my \u0002cafe\u0003 order', 'my cafe order', 'My café order') // 'My \u0002café\u0003 order'
 */
export function unfoldSnippet(markedFolded: string, folded: string, original: string): string {
  const start = folded.indexOf(markedFolded.replace(/[\u0002\u0003]/gu, ''))
  if (start < 0 || folded.length !== original.length) return markedFolded
  let at = start
  let snippet = ''
  for (let i = 0; i < markedFolded.length; i++) {
    const unit = markedFolded[i]!
    snippet += unit === '\u0002' || unit === '\u0003' ? unit : original[at++]!
  }
  return snippet
}

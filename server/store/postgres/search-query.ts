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

/**
 * Turns what a person types into a search box into an FTS5 query. FTS5 has its own syntax
 * (AND, OR, NEAR, column filters, `*`, `^`, quotes), and typed text must never be read as it:
 * each word becomes a quoted phrase, all of them required, each also matching as a prefix so
 * that results appear while typing and "parc mon" finds "parcel for Monday".
 *
 * @example toFtsQuery("refund ord") // '"refund"* "ord"*'
 * @returns undefined when nothing searchable was typed
 */
export function toFtsQuery(text: string): string | undefined {
  const words = text.split(/\s+/u).filter((word) => /[\p{L}\p{N}]/u.test(word))
  if (words.length === 0) return undefined
  return words.map((word) => `"${word.replaceAll('"', '""')}"*`).join(' ')
}

/**
 * Pieces of error messages that quote the input: a refused value, the keys of a path. They are
 * cut short, since the input may be 64 KiB of one string and an error must never echo it back.
 */

/** Cuts a text to `max` UTF-16 units, marking the cut, never between the halves of a surrogate pair. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 2)) ? max - 2 : max - 1
  return `${text.slice(0, end)}…`
}

/** A validation issue's path as `a.b.0`, each key cut to 32 characters; undefined for none. */
export function issuePath(path: readonly { key: unknown }[] | undefined): string | undefined {
  return path?.map((item) => clipText(String(item.key), 32)).join('.') || undefined
}

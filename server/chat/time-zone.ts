/**
 * The time zone a browser reported, if the server's ICU knows it: the console shows the
 * visitor's local time with it, and an unknown name would make that throw.
 */
export function knownTimeZone(name: string | undefined): string | undefined {
  if (!name) return undefined
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone
  } catch {
    return undefined
  }
}

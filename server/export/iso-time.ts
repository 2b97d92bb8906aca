/**
 * ISO 8601 times that say their own offset, in whichever time zone the reader asked for: a
 * transcript read in Paris shows Paris times and still means one instant anywhere.
 */

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', timeZoneName: 'longOffset',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** Whether the runtime knows this IANA time zone (`Europe/Paris`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    formatterFor(name)
    return true
  } catch {
    return false
  }
}

/**
 * The instant as local time in `timeZone` with its offset, to the second; `Z` for a zero offset.
 *
 * @example isoTime(Date.UTC(2026, 0, 5, 23, 30), 'Europe/Paris') // '2026-01-06T00:30:00+01:00'
 */
export function isoTime(at: number, timeZone = 'UTC'): string {
  const parts: Record<string, string> = {}
  for (const part of formatterFor(timeZone).formatToParts(at)) parts[part.type] = part.value
  // Some ICU builds write a zero offset as plain "GMT".
  const offset = /[+-]\d{2}:\d{2}/.exec(parts.timeZoneName ?? '')?.[0] ?? '+00:00'
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset === '+00:00' ? 'Z' : offset}`
}

/**
 * An instant as an API caller writes it: milliseconds since the epoch (`1772357400000`), a UTC
 * date (`2026-03-01`, its midnight) or an ISO 8601 date and time with its offset
 * (`2026-03-01T09:30:00Z`, `2026-03-01T10:30:00.250+01:00`). A time without an offset is
 * refused rather than read in the server's time zone: whose local time would it be?
 */

export const INSTANT_FORMS = 'milliseconds since the epoch, a date (2026-03-01, UTC) or an ISO 8601 time with its offset (2026-03-01T09:30:00Z)'

/** Milliseconds since the epoch, or undefined for anything else. */
export function parseInstant(text: string): number | undefined {
  if (/^\d{1,15}$/.test(text)) return Number(text)
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/.exec(text)
  if (!match) return undefined
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  // Date.parse reads 2026-02-30 as 2 March.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : at
}

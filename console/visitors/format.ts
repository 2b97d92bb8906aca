/** Words and numbers of the visitors screen and the visitor panel. */

/** How long someone has been on the site: "under a minute", "4 min", "1 h 05", "2 days". */
export function timeOnSite(ms: number): string {
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 1) return 'under a minute'
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')}`
  const days = Math.floor(hours / 24)
  return days === 1 ? '1 day' : `${days} days`
}

/** The time it is now where the visitor is, or undefined for a zone this browser does not know. */
export function localTime(timeZone: string, now: number): string | undefined {
  try {
    return new Intl.DateTimeFormat([], { timeZone, weekday: 'short', hour: 'numeric', minute: '2-digit' }).format(now)
  } catch {
    return undefined
  }
}

/** An address without its scheme and trailing slash, as people read them: "shop.example/cart". */
export function readableUrl(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/$/, '')
}

/** Only web addresses become links: a page may report anything as its URL. */
export const isWebUrl = (url: string | undefined): url is string => !!url && /^https?:\/\//i.test(url)

export const calendarDay = (at: number) => new Date(at).toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' })

export const dayAndTime = (at: number) => new Date(at).toLocaleString([], { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' })

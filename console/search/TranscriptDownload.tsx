import { useEffect, useRef } from 'preact/hooks'

const FORMATS = [
  ['txt', 'Plain text'],
  ['csv', 'CSV (spreadsheet)'],
  ['json', 'JSON'],
] as const

/** The reader's own time zone, for the times in the file; the server writes UTC without it. */
function browserTimeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined
  } catch {
    return undefined
  }
}

/**
 * The conversation's transcript as a file. Plain links with `download`: the browser fetches
 * them with the session cookie and saves what comes back, with no script holding the file.
 * Internal notes are in the agents' copy, marked as notes.
 */
export function TranscriptDownload({ conv }: { conv: number }) {
  const menu = useRef<HTMLDetailsElement>(null)
  // A menu that stays open after a click elsewhere gets in the way.
  useEffect(() => {
    function closeOutside(event: Event) {
      const element = menu.current
      if (element?.open && !element.contains(event.target as Node)) element.open = false
    }
    document.addEventListener('pointerdown', closeOutside)
    return () => document.removeEventListener('pointerdown', closeOutside)
  }, [])
  const timeZone = browserTimeZone()
  const href = (format: string) =>
    `/api/console/conversations/${conv}/transcript?format=${format}${format === 'csv' ? '&bom=1' : ''}${timeZone ? `&tz=${encodeURIComponent(timeZone)}` : ''}`
  return (
    <details
      ref={menu}
      class="download"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && menu.current?.open) {
          menu.current.open = false
          menu.current.querySelector('summary')?.focus()
        }
      }}
    >
      {/* An icon: the header is narrow once the visitor's details sit beside the conversation. */}
      <summary class="secondary download-button" aria-label="Download" title="Download the transcript">
        <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 4v11M7 10l5 5 5-5M5 20h14" /></svg>
      </summary>
      <div class="download-panel">
        <p class="download-title">Download the transcript as</p>
        <ul class="download-menu" aria-label="Transcript formats">
          {FORMATS.map(([format, label]) => (
            <li key={format}>
              <a href={href(format)} download={`parley-conversation-${conv}.${format}`} onClick={() => menu.current?.removeAttribute('open')}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </div>
    </details>
  )
}

import { useEffect } from 'preact/hooks'
import type { ConnectionState } from '../../client/index.js'
import type { Strings } from '../locales.js'

interface ConnectionBannerProps {
  connection: ConnectionState
  notice?: string
  strings: Strings
  onDismissNotice(): void
}

/** How long the slow-down notice stays if the visitor sends nothing more (sending clears it). */
const NOTICE_MS = 8_000

/**
 * Says plainly when messages cannot go out right now, so that "Sending…" under a message is
 * never a silent wait. The region is always there, so screen readers hear what appears in it.
 */
export function ConnectionBanner({ connection, notice, strings, onDismissNotice }: ConnectionBannerProps) {
  useEffect(() => {
    if (!notice) return
    const timer = setTimeout(onDismissNotice, NOTICE_MS)
    return () => clearTimeout(timer)
  }, [notice, onDismissNotice])

  const status = connection === 'online' ? undefined : strings[connection]
  return (
    <div class="banners" role="status">
      {status && <p class={`banner ${connection}`}>{status}</p>}
      {notice === 'slow-down' && <p class="banner">{strings.slowDown}</p>}
    </div>
  )
}

import { useEffect, useRef } from 'preact/hooks'

export interface ShortcutHandlers {
  next(): void
  previous(): void
  focusReply(): void
}

/** Said under the inbox, so the shortcuts can be found. */
export const SHORTCUTS_HELP = 'Alt+↓ / Alt+↑ next or previous chat · Alt+R reply'

/**
 * Alt+ArrowDown / Alt+ArrowUp move through the inbox and Alt+R goes to the reply field, wherever
 * the focus is. Only Alt combinations are taken: a plain key (`/` starts a canned response) always
 * belongs to the field being typed in.
 */
export function useShortcuts(handlers: ShortcutHandlers) {
  const latest = useRef(handlers)
  latest.current = handlers
  useEffect(() => {
    function onShortcutKey(event: KeyboardEvent) {
      if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.isComposing || event.defaultPrevented) return
      // A select opens its options with Alt+ArrowDown on some systems: leave it that.
      if (event.target instanceof HTMLSelectElement) return
      // `code`, not `key`, for R: on a Mac, Alt+R types "®".
      const { next, previous, focusReply } = latest.current
      const run = event.key === 'ArrowDown' ? next : event.key === 'ArrowUp' ? previous : event.code === 'KeyR' ? focusReply : undefined
      if (!run) return
      event.preventDefault()
      run()
    }
    document.addEventListener('keydown', onShortcutKey)
    return () => document.removeEventListener('keydown', onShortcutKey)
  }, [])
}

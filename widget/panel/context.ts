import type { LocaleName } from '../launcher-locales.js'
import type { Strings } from '../locales.js'
import type { WidgetState } from '../state.js'

/** What the loader hands the panel: state to show and the actions it may take. */
export interface PanelContext {
  strings: Strings
  locale: LocaleName
  getState(): WidgetState
  subscribe(listener: (state: WidgetState) => void): () => void
  send(text: string): void
  typing(on: boolean): void
  markRead(conv: number, seq: number): void
  loadOlder(): void
  profile(profile: { name?: string; email?: string }): void
  savedProfile(): { name?: string; email?: string }
  close(): void
  dismissNotice(): void
}

/** What the loader passes to `mountPanel`: the panel adds the strings of the locale. */
export type LoaderContext = Omit<PanelContext, 'strings'>

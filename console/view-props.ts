import type { Route } from './route.js'
import type { ConsoleState } from './state.js'
import type { Actions } from './Workspace.js'

/** What every screen of the signed-in console is given. */
export interface ViewProps {
  state: ConsoleState
  actions: Actions
  /** Goes to another screen (or conversation). */
  go(route: Route, options?: { replace?: boolean }): void
}

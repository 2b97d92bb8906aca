import type { ViewProps } from '../view-props.js'

/** Administration: agents, sites, canned responses, API tokens. */
export function AdminView(_props: ViewProps & { section?: string }) {
  return <section class="page"><h1>Administration</h1></section>
}

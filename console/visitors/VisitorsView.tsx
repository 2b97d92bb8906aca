import type { ViewProps } from '../view-props.js'

/** Who is on each site right now. */
export function VisitorsView(_props: ViewProps) {
  return <section class="page"><h1>Visitors</h1></section>
}

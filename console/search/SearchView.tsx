import type { ViewProps } from '../view-props.js'

/** Search across transcripts. */
export function SearchView(_props: ViewProps & { q?: string }) {
  return <section class="page"><h1>Search</h1></section>
}

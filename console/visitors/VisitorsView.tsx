import { useState } from 'preact/hooks'
import { liveVisitorsOf, openConversationOf } from '../state.js'
import type { ViewProps } from '../view-props.js'
import { useNow } from '../use-now.js'
import { VisitorRow } from './VisitorRow.js'

/** Who is on each of the agent's sites right now, kept live by `visitor` and `gone` frames. */
export function VisitorsView({ state, actions, go }: ViewProps) {
  const now = useNow(15_000)
  // The visitor an agent is writing a first message to, if any: one at a time.
  const [composingFor, setComposingFor] = useState<number>()
  const visitors = liveVisitorsOf(state)
  const count = visitors.length
  return (
    <section class="page visitors-page" aria-labelledby="visitors-title">
      <header class="visitors-head">
        <h1 id="visitors-title">Visitors</h1>
        <p class="visitors-count" role="status">
          {count === 0 ? 'Nobody on your sites right now' : `${count} ${count === 1 ? 'visitor' : 'visitors'} on your sites now`}
        </p>
      </header>
      {count === 0 ? (
        <p class="visitors-empty">
          Visitors appear here as soon as they open a page with the chat widget, and leave the list a few seconds after they close it.
        </p>
      ) : (
        <div class="visitors-table-wrap">
          <table class="visitors-table">
            <thead>
              <tr>
                <th scope="col">Visitor</th>
                <th scope="col">Site</th>
                <th scope="col">Current page</th>
                <th scope="col">On site</th>
                <th scope="col" class="visitors-chat-col">Chat</th>
              </tr>
            </thead>
            <tbody>
              {visitors.map((visitor) => (
                <VisitorRow
                  key={visitor.id}
                  visitor={visitor}
                  siteName={state.sites[visitor.site] ?? `Site ${visitor.site}`}
                  conversation={openConversationOf(state, visitor.id)}
                  now={now}
                  composing={composingFor === visitor.id}
                  onCompose={(on) => setComposingFor(on ? visitor.id : undefined)}
                  state={state}
                  actions={actions}
                  go={go}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

import { Fragment } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { ConversationSummary, VisitorContextAnswer } from '../../protocol/index.js'
import { api } from '../api.js'
import { visitorName } from '../state.js'
import type { ViewProps } from '../view-props.js'
import { calendarDay, dayAndTime, isWebUrl, localTime, readableUrl, timeOnSite } from './format.js'
import { useNow } from '../use-now.js'

const STATUS_LABEL = { queued: 'In queue', assigned: 'Open', closed: 'Closed' }

/**
 * Who the visitor of the open conversation is, beside it: profile, where they are now, their
 * browser, local time and earlier conversations. Below 1100px wide it folds into a button, so
 * that the conversation keeps its room on a tablet; below 900px (one column) it is left out.
 */
export function VisitorContext({ state, actions, go, conversation }: ViewProps & { conversation: ConversationSummary }) {
  const visitorId = conversation.visitor.id
  const live = state.visitors[visitorId]
  const [answer, setAnswer] = useState<VisitorContextAnswer>()
  const [failure, setFailure] = useState<string>()
  const [expanded, setExpanded] = useState(false)
  const now = useNow(30_000)

  // Fetched again when the visitor comes or goes, or says who they are.
  useEffect(() => {
    let current = true
    api<VisitorContextAnswer>('GET', `/visitors/${visitorId}`).then(
      (next) => current && (setAnswer(next), setFailure(undefined)),
      (error: Error) => current && setFailure(error.message),
    )
    return () => {
      current = false
    }
  }, [visitorId, live !== undefined, conversation.visitor.name, conversation.visitor.email])

  const visitor = answer?.visitor
  // Live frames are fresher than the answer: where the visitor is now, and whether they are here.
  const visit = live ? { since: live.since, returning: live.returning } : visitor?.visit
  const page = live?.page.url ? live.page : visitor?.page
  const earlier = (answer?.conversations ?? []).filter((c) => c.id !== conversation.id)
  const time = visitor?.timeZone ? localTime(visitor.timeZone, now) : undefined
  const system = [visitor?.browser, visitor?.os].filter(Boolean).join(' on ')
  const attributes = Object.entries(visitor?.attributes ?? {})

  function openConversation(target: ConversationSummary) {
    actions.learn(answer?.conversations ?? [])
    go({ view: 'inbox', tab: target.status === 'closed' ? 'closed' : 'open', conv: target.id })
  }

  return (
    <aside class={`visitor-context${expanded ? ' is-expanded' : ''}`} aria-label="Visitor" onKeyDown={(event) => event.key === 'Escape' && setExpanded(false)}>
      <button
        type="button"
        class="ghost visitor-context-toggle"
        aria-expanded={expanded}
        title={expanded ? 'Hide the visitor’s details' : 'Show the visitor’s details'}
        onClick={() => setExpanded(!expanded)}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="8" r="4" /><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7" /></svg>
        <span class="visitor-context-toggle-label">{expanded ? 'Hide' : 'Visitor'}</span>
      </button>
      <div class="visitor-context-body">
        <header class="visitor-card">
          <span class="avatar" aria-hidden="true">{visitorName(conversation).charAt(0).toUpperCase()}</span>
          <div class="visitor-card-text">
            <h2>{visitorName(conversation)}</h2>
            {(visitor?.email ?? conversation.visitor.email) && <p>{visitor?.email ?? conversation.visitor.email}</p>}
          </div>
        </header>
        <p class={`visitor-online${visit ? ' is-online' : ''}`}>
          {visit
            ? `Online now · ${timeOnSite(now - visit.since)} on site · ${visit.returning ? 'returning' : 'new'} visitor`
            : visitor ? `Offline · last active ${dayAndTime(visitor.lastSeenAt)}` : 'Offline'}
        </p>
        {failure && <p class="visitor-context-error" role="alert">{failure}</p>}
        {!visitor && !failure && <p class="visitor-context-loading">Loading the visitor…</p>}
        {visitor && (
          <>
            <dl class="visitor-facts">
              <dt>{visit ? 'Page' : 'Last page'}</dt>
              <dd>
                {page?.title || page?.url ? (
                  <>
                    <span class="visitor-fact-main">{page.title || 'Untitled page'}</span>
                    {page.url && (isWebUrl(page.url)
                      ? <a href={page.url} target="_blank" rel="noopener noreferrer">{readableUrl(page.url)}</a>
                      : <span class="visitor-fact-sub">{page.url}</span>)}
                  </>
                ) : 'Unknown'}
              </dd>
              <dt>Local time</dt>
              <dd>
                {time ? (
                  <>
                    <span class="visitor-fact-main">{time}</span>
                    <span class="visitor-fact-sub">{visitor.timeZone}</span>
                  </>
                ) : 'Unknown'}
              </dd>
              <dt>Browser</dt>
              <dd>{system || 'Unknown'}</dd>
              {visitor.device && (
                <>
                  <dt>Device</dt>
                  <dd>{visitor.device}</dd>
                </>
              )}
              {visitor.referrer && (
                <>
                  <dt>Came from</dt>
                  <dd>{isWebUrl(visitor.referrer) ? <a href={visitor.referrer} target="_blank" rel="noopener noreferrer">{readableUrl(visitor.referrer)}</a> : visitor.referrer}</dd>
                </>
              )}
              {visitor.locale && (
                <>
                  <dt>Language</dt>
                  <dd>{visitor.locale}</dd>
                </>
              )}
              <dt>First visit</dt>
              <dd>{calendarDay(visitor.firstSeenAt)}</dd>
              <dt>Site</dt>
              <dd>{visitor.site.name}</dd>
            </dl>
            {attributes.length > 0 && (
              <section class="visitor-section">
                <h3>Details</h3>
                <dl class="visitor-facts">
                  {attributes.map(([key, value]) => (
                    <Fragment key={key}>
                      <dt>{key}</dt>
                      <dd>{String(value)}</dd>
                    </Fragment>
                  ))}
                </dl>
              </section>
            )}
            <section class="visitor-section">
              <h3>Previous conversations</h3>
              {earlier.length === 0 ? (
                <p class="visitor-none">None before this one.</p>
              ) : (
                <ul class="visitor-convs">
                  {earlier.map((c) => (
                    <li key={c.id}>
                      <button type="button" class="visitor-conv" onClick={() => openConversation(c)}>
                        <span class="visitor-conv-top">
                          <span>{dayAndTime(c.createdAt)}</span>
                          <span class={`status-pill is-${c.status}`}>{STATUS_LABEL[c.status]}</span>
                        </span>
                        <span class="visitor-conv-sub">
                          #{c.id}{c.assignee ? ` · ${c.assignee.name}` : ''}
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </>
        )}
      </div>
    </aside>
  )
}

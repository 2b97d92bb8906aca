import { useEffect, useRef, useState } from 'preact/hooks'
import type { ChatEvent, ConversationSummary } from '../../protocol/index.js'
import { api } from '../api.js'
import { visitorName } from '../state.js'
import type { ViewProps } from '../view-props.js'
import { snippetParts } from './snippet.js'

/** A message found, as GET /api/console/search gives it. */
export interface SearchHit {
  conversation: ConversationSummary
  site: { id: number; name: string }
  message: ChatEvent
  /** The message around the matches, which sit between `\u0002` and `\u0003`. */
  snippet: string
}

/** Results asked for at most: the newest, which are what agents look for. */
const LIMIT = 50
/** Searching waits for a pause in typing this long. */
const TYPING_PAUSE_MS = 250

type Results =
  | { state: 'idle' }
  | { state: 'loading'; q: string; hits?: SearchHit[] }
  | { state: 'done'; q: string; hits: SearchHit[] }
  | { state: 'failed'; q: string; message: string }

const dateTime = (at: number) => new Date(at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })

/** Search across transcripts as you type; the query lives in the URL, so a reload or a link shows the same results. */
export function SearchView({ state, actions, go, q = '' }: ViewProps & { q?: string }) {
  const [text, setText] = useState(q)
  const results = useSearch(q)
  const typing = useRef<ReturnType<typeof setTimeout>>(undefined)
  useEffect(() => () => clearTimeout(typing.current), [])

  // A query this field did not put in the URL (Back, Forward, a link) replaces what it shows.
  const written = useRef(q)
  useEffect(() => {
    if (q === written.current) return
    written.current = q
    setText(q)
  }, [q])

  function searchFor(value: string, now = false) {
    clearTimeout(typing.current)
    const next = value.trim()
    const run = () => {
      written.current = next
      go({ view: 'search', ...(next ? { q: next } : {}) }, { replace: true })
    }
    if (now) run()
    else typing.current = setTimeout(run, TYPING_PAUSE_MS)
  }

  function open(hit: SearchHit) {
    actions.learn([hit.conversation])
    // The live copy, if this session has one, is the fresher.
    const status = state.conversations[hit.conversation.id]?.status ?? hit.conversation.status
    go({ view: 'inbox', tab: status === 'closed' ? 'closed' : 'open', conv: hit.conversation.id })
  }

  const hits = results.state === 'done' || results.state === 'loading' ? results.hits : undefined
  return (
    <section class="page search-page">
      <h1>Search</h1>
      <form
        class="search-form"
        role="search"
        onSubmit={(event) => {
          event.preventDefault()
          searchFor(text, true)
        }}
      >
        <input
          type="search"
          class="search-field"
          value={text}
          aria-label="Search transcripts"
          maxLength={200}
          placeholder="Words from any conversation of your sites…"
          autoFocus
          onInput={(event) => {
            const value = (event.currentTarget as HTMLInputElement).value
            setText(value)
            searchFor(value)
          }}
        />
      </form>
      <p class="search-status" role="status" aria-live="polite">{statusLine(results)}</p>
      {hits && hits.length > 0 && (
        <ul class={`search-hits${results.state === 'loading' ? ' is-stale' : ''}`}>
          {hits.map((hit) => (
            <li key={hit.message.id}>
              <button type="button" class="search-hit" onClick={() => open(hit)}>
                <span class="avatar" aria-hidden="true">{visitorName(hit.conversation).charAt(0).toUpperCase()}</span>
                <span class="hit-main">
                  <span class="hit-top">
                    <span class="hit-visitor">{visitorName(hit.conversation)}</span>
                    <span class="hit-site">{hit.site.name}</span>
                    {hit.message.note && <span class="hit-note">Internal note</span>}
                    <time class="hit-date" dateTime={new Date(hit.message.at).toISOString()}>{dateTime(hit.message.at)}</time>
                  </span>
                  <span class="hit-snippet">
                    {hit.message.author.role === 'agent' && <span class="hit-author">{hit.message.author.name ?? 'Agent'}: </span>}
                    {snippetParts(hit.snippet).map((part, index) => (part.match ? <mark key={index}>{part.text}</mark> : part.text))}
                  </span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

function statusLine(results: Results): string {
  switch (results.state) {
    case 'idle':
      return 'Search every transcript of your sites: visitors’ messages, replies and internal notes.'
    case 'loading':
      return results.hits ? '' : 'Searching…'
    case 'failed':
      return results.message
    case 'done':
      if (results.hits.length === 0) return `No messages match “${results.q}”.`
      if (results.hits.length >= LIMIT) return `The ${LIMIT} newest matches. Add words to narrow the search.`
      return results.hits.length === 1 ? '1 message found.' : `${results.hits.length} messages found.`
  }
}

/** The results for `q`; an answer to an earlier query that arrives late is dropped. */
function useSearch(q: string): Results {
  const [results, setResults] = useState<Results>({ state: 'idle' })
  useEffect(() => {
    if (!q) {
      setResults({ state: 'idle' })
      return
    }
    let current = true
    // The previous results stay on screen, dimmed, until the new ones arrive.
    setResults((previous) => {
      const hits = previous.state === 'done' || previous.state === 'loading' ? previous.hits : undefined
      return { state: 'loading', q, ...(hits ? { hits } : {}) }
    })
    api<{ hits: SearchHit[] }>('GET', `/search?q=${encodeURIComponent(q)}&limit=${LIMIT}`).then(
      ({ hits }) => current && setResults({ state: 'done', q, hits }),
      (error: Error) => current && setResults({ state: 'failed', q, message: error.message }),
    )
    return () => {
      current = false
    }
  }, [q])
  return results
}

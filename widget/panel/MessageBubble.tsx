import { linkify } from './linkify.js'
import type { TimelineItem } from './timeline.js'

// Made once: constructing Intl formatters is slow, and a long conversation renders many times.
const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' })
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' })

function formatTime(at: number): string {
  const date = new Date(at)
  return (date.toDateString() === new Date().toDateString() ? time : dayAndTime).format(date)
}

/** One message: agent on the left, visitor on the right, system events centred. */
export function MessageBubble({ item }: { item: TimelineItem }) {
  const { kind, author, at, status } = item
  return (
    <div class={`message ${kind}${item.failed ? ' failed' : ''}`}>
      {kind === 'agent' && author && <span class="author">{author}</span>}
      <p class="bubble">
        {linkify(item.text).map((part, index) =>
          part.href ? (
            <a key={index} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
              {part.text}
            </a>
          ) : (
            part.text
          ),
        )}
      </p>
      {kind !== 'system' && (at !== undefined || status) && (
        <span class="meta">
          {at !== undefined && <time dateTime={new Date(at).toISOString()}>{formatTime(at)}</time>}
          {at !== undefined && status && ' · '}
          {status}
        </span>
      )}
    </div>
  )
}

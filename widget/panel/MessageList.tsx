import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { Strings } from '../locales.js'
import type { WidgetState } from '../state.js'
import { MessageBubble } from './MessageBubble.js'
import { timelineOf } from './timeline.js'

interface MessageListProps {
  state: WidgetState
  strings: Strings
  /** Something the panel says itself, after the conversation (the away form's thanks). */
  note?: string
  onLoadOlder(): void
}

/** How close to the bottom (px) still counts as "at the bottom", for following new messages. */
const FOLLOW_SLACK = 48

/** The conversation, scrolled to its newest message, with an announcement of incoming ones. */
export function MessageList({ state, strings, note, onLoadOlder }: MessageListProps) {
  const items = timelineOf(state, strings)
  const list = useRef<HTMLDivElement>(null)
  // Whether the view follows new messages: true until the visitor scrolls up to read.
  const following = useRef(true)
  const first = state.events[0]?.seq
  const last = items.at(-1)
  const before = useRef({ first, last: last?.key, height: 0 })

  useLayoutEffect(() => {
    const element = list.current
    if (!element) return
    const previous = before.current
    if (first !== previous.first && last?.key === previous.last && previous.height) {
      // Earlier messages went in above: keep what the visitor was reading where it was.
      element.scrollTop += element.scrollHeight - previous.height
    } else if (following.current || (last?.key !== previous.last && last?.kind === 'visitor')) {
      element.scrollTop = element.scrollHeight
    }
    before.current = { first, last: last?.key, height: element.scrollHeight }
  })

  const onScroll = () => {
    const element = list.current!
    // While the panel is hidden everything measures 0: that is not the visitor scrolling away.
    if (element.clientHeight) following.current = element.scrollHeight - element.scrollTop - element.clientHeight < FOLLOW_SLACK
  }

  const announcement = useIncomingAnnouncement(state)

  return (
    <>
      <div class="messages" ref={list} onScroll={onScroll}>
        {/* Sequence numbers start at 1 and a visitor sees every one: an oldest event above 1
            means earlier ones exist. With nothing loaded, history is on its way. */}
        {first !== undefined && first > 1 && (
          <button type="button" class="older" onClick={onLoadOlder}>
            {strings.olderMessages}
          </button>
        )}
        {items.map((item) => (
          <MessageBubble key={item.key} item={item} />
        ))}
        {note && <MessageBubble key="note" item={{ key: 'note', kind: 'system', text: note }} />}
        {state.agentTyping !== undefined && <p class="typing">{strings.typing(state.agentTyping)}</p>}
      </div>
      {/* Outside the list, so that reading the conversation does not meet the last message twice. */}
      <div class="sr-only" aria-live="polite">
        {announcement && <p key={announcement.key}>{announcement.text}</p>}
      </div>
    </>
  )
}

/**
 * The text of the newest message from the other side, once per message, for screen readers.
 * Neither what was there when the list first drew nor the visitor's own messages are announced,
 * and pages of older history never are: they do not change the newest event.
 */
function useIncomingAnnouncement(state: WidgetState): { key: string; text: string } | undefined {
  const newest = state.events.at(-1)
  const seen = useRef({ conv: newest?.conv, seq: newest?.seq ?? 0 })
  const [announcement, setAnnouncement] = useState<{ key: string; text: string }>()
  useEffect(() => {
    if (!newest) return
    const previous = seen.current
    if (newest.conv === previous.conv && newest.seq <= previous.seq) return
    seen.current = { conv: newest.conv, seq: newest.seq }
    // A new node each time (by key), so that two identical messages in a row are both read out.
    if (newest.author.role !== 'visitor') {
      setAnnouncement({ key: `${newest.conv}:${newest.seq}`, text: newest.author.name ? `${newest.author.name}: ${newest.text}` : newest.text })
    }
  }, [newest])
  return announcement
}

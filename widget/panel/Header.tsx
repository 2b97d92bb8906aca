import type { ConversationSummary } from '../../protocol/index.js'
import type { Strings } from '../locales.js'

interface HeaderProps {
  conversation?: ConversationSummary
  strings: Strings
  onClose(): void
}

/** Who the visitor is talking to (or that they are waiting), and the way out. */
export function Header({ conversation, strings, onClose }: HeaderProps) {
  const title =
    conversation?.status === 'assigned' && conversation.assignee
      ? strings.joined(conversation.assignee.name)
      : conversation?.status === 'queued'
        ? strings.waiting
        : strings.title
  return (
    <header class="header">
      <h2 class="title">{title}</h2>
      <button type="button" class="close" aria-label={strings.closeChat} onClick={onClose}>
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M6 6l12 12M18 6 6 18" />
        </svg>
      </button>
    </header>
  )
}

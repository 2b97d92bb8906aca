import type { ConversationSummary, LiveVisitor } from '../../protocol/index.js'
import { liveVisitorName } from '../state.js'
import type { ViewProps } from '../view-props.js'
import { isWebUrl, readableUrl, timeOnSite } from './format.js'
import { StartChatForm } from './StartChatForm.js'

interface VisitorRowProps extends ViewProps {
  visitor: LiveVisitor
  siteName: string
  /** Their open conversation, while they are chatting. */
  conversation?: ConversationSummary
  now: number
  /** Whether the first-message form is open under the row. */
  composing: boolean
  onCompose(on: boolean): void
}

/** One visitor on the visitors screen, and the form to write to them first. */
export function VisitorRow({ visitor, siteName, conversation, now, composing, onCompose, state, actions, go }: VisitorRowProps) {
  const name = liveVisitorName(visitor)
  const { url, title } = visitor.page
  const mine = conversation?.assignee?.id === state.me?.id
  return (
    <>
      <tr class={`visitor-row${composing ? ' is-composing' : ''}`} data-visitor={visitor.id}>
        <td>
          <span class="visitor-who">
            <span class="avatar" aria-hidden="true">{name.charAt(0).toUpperCase()}</span>
            <span class="visitor-who-text">
              <strong>{name}</strong>
              <span class={`visitor-kind${visitor.returning ? ' is-returning' : ''}`}>{visitor.returning ? 'Returning' : 'New'}</span>
            </span>
          </span>
        </td>
        <td class="visitor-site">{siteName}</td>
        <td class="visitor-page">
          <span class="visitor-page-title">{title || 'Untitled page'}</span>
          {url && (isWebUrl(url) ? (
            <a class="visitor-page-url" href={url} target="_blank" rel="noopener noreferrer">{readableUrl(url)}</a>
          ) : (
            <span class="visitor-page-url">{url}</span>
          ))}
        </td>
        <td class="visitor-time">{timeOnSite(now - visitor.since)}</td>
        <td class="visitor-chat">
          {conversation ? (
            <span class="visitor-chat-state">
              <span class="visitor-chatting">Chatting</span>
              <button
                type="button"
                class="secondary small-button"
                onClick={() => go({ view: 'inbox', tab: mine ? 'mine' : conversation.status === 'queued' ? 'queue' : 'open', conv: conversation.id })}
              >
                Open chat
              </button>
            </span>
          ) : (
            <button type="button" class="primary small-button" aria-expanded={composing} onClick={() => onCompose(!composing)}>
              Start chat
            </button>
          )}
        </td>
      </tr>
      {/* Kept while the first message is on its way: its conversation shows up before its answer. */}
      {composing && (
        <tr class="visitor-start-row">
          <td colSpan={5}>
            <StartChatForm visitor={visitor} onCancel={() => onCompose(false)} state={state} actions={actions} go={go} />
          </td>
        </tr>
      )}
    </>
  )
}

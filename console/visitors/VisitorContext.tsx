import type { ConversationSummary } from '../../protocol/index.js'
import type { ViewProps } from '../view-props.js'

/** Who the visitor of the open conversation is, beside the conversation. */
export function VisitorContext(_props: ViewProps & { conversation: ConversationSummary }) {
  return null
}

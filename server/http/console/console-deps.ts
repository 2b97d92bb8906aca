import type { AgentAuth } from '../../auth/agent-auth.js'
import type { ChatService } from '../../chat/chat-service.js'
import type { Logger } from '../../ops/logger.js'
import type { Bus } from '../../realtime/bus.js'
import type { ConnectionRegistry } from '../../realtime/connections.js'
import type { Store } from '../../store/store.js'

/** What the console's API routes are built from. */
export interface ConsoleApiDeps {
  store: Store
  auth: AgentAuth
  service: ChatService
  bus: Bus
  connections: ConnectionRegistry
  logger: Logger
  /** Where browsers reach this server, for embed snippets. */
  publicUrl: string
}

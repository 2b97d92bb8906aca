import type { ChatService } from '../../chat/chat-service.js'
import type { Config } from '../../config.js'
import type { Logger } from '../../ops/logger.js'
import type { RateLimiterFactory } from '../../ops/rate-limits.js'
import type { Store } from '../../store/store.js'

/** What the REST API's routes are built from. */
export interface ApiDeps {
  store: Store
  service: ChatService
  logger: Logger
  config: Pick<Config, 'apiRatePerMinute' | 'publicUrl' | 'maxTextLength'>
  /** Where request budgets are counted (default: this process). */
  rateLimiters?: RateLimiterFactory
}

/**
 * Erases what sites asked not to keep: each site with a retention period loses its closed
 * conversations (with their messages and search index entries) once they have been closed for
 * longer than that period. Runs on a schedule, one run at a time; each site that lost anything
 * gets one audit entry per run, so a data-protection officer can show the policy is applied.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Logger } from './logger.js'
import type { Store } from '../store/store.js'
import type { Site } from '../store/types.js'

const DAY_MS = 24 * 60 * 60 * 1000

/** Conversations erased per transaction: short enough that chats waiting on the database barely notice. */
const BATCH = 500

/**
 * The first run waits this long after start (or one interval, if shorter): start-up is when every
 * client reconnects at once, not the moment to add deletions to the database's work.
 */
const FIRST_RUN_DELAY_MS = 30_000

export interface RetentionOptions {
  store: Store
  logger: Logger
  intervalMs: number
  /** The clock, for tests. */
  now?: () => number
}

export interface Retention {
  /** Runs now, or joins the run under way; resolves with the number of conversations erased. */
  runNow(): Promise<number>
  /** Cancels the schedule and waits for a run under way to finish its batch. */
  stop(): Promise<void>
}

/**
 * @example const retention = startRetention({ store, logger, intervalMs: 3_600_000 }); ...; await retention.stop()
 */
export function startRetention({ store, logger, intervalMs, now = Date.now }: RetentionOptions): Retention {
  let running: Promise<number> | undefined
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  /** Erases a site's expired conversations batch by batch; the audit entry records what went even if a later batch fails. */
  async function purgeSite(site: Site & { retentionDays: number }, at: number): Promise<number> {
    const closedBefore = at - site.retentionDays * DAY_MS
    let erased = 0
    try {
      for (;;) {
        const ids = await store.purgeClosedConversations(site.id, closedBefore, BATCH)
        erased += ids.length
        if (ids.length < BATCH || stopped) break
        // Each batch is a write transaction: let waiting requests in between.
        await nextTurn()
      }
    } finally {
      if (erased > 0) {
        await store.recordAudit({
          at, actor: 'system', action: 'retention.purged', siteId: site.id, subject: `site:${site.id}`,
          details: { conversations: erased, closedBefore, retentionDays: site.retentionDays },
        })
        logger.info({ siteId: site.id, conversations: erased, closedBefore: new Date(closedBefore).toISOString() }, 'retention erased closed conversations')
      }
    }
    return erased
  }

  async function purgeExpired(): Promise<number> {
    const at = now()
    let erased = 0
    try {
      for (const site of await store.listSites()) {
        if (stopped) break
        if (site.retentionDays === undefined) continue
        try {
          erased += await purgeSite({ ...site, retentionDays: site.retentionDays }, at)
        } catch (error) {
          // One site's failure must not keep the others' data past their period.
          logger.error({ err: error, siteId: site.id }, 'retention run failed for a site')
        }
      }
    } catch (error) {
      logger.error({ err: error }, 'retention run failed')
    }
    return erased
  }

  function runNow(): Promise<number> {
    if (stopped) return Promise.resolve(0)
    running ??= purgeExpired().finally(() => {
      running = undefined
    })
    return running
  }

  function schedule(delayMs: number) {
    timer = setTimeout(function retentionTick() {
      void runNow().then(() => {
        if (!stopped) schedule(intervalMs)
      })
    }, delayMs)
    // A pending run never keeps the process alive.
    timer.unref()
  }
  schedule(Math.min(FIRST_RUN_DELAY_MS, intervalMs))

  return {
    runNow,
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}

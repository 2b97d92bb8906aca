import { Redis } from 'ioredis'
import type { Logger } from '../ops/logger.js'
import { closeRedis } from './redis-connection.js'
import type { Bus, BusListener, BusMessage } from './bus.js'

export interface RedisBusOptions {
  /** `redis://` or `rediss://` */
  url: string
  logger: Logger
  /** Put before every topic to name its channel, so other users of the same Redis are not heard. */
  prefix?: string
}

/** A decoded message, or undefined for anything that is not one (it is logged, not delivered). */
function decodeBusMessage(text: string): BusMessage | undefined {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || typeof (value as BusMessage).frame !== 'string') return undefined
    return value as BusMessage
  } catch {
    return undefined
  }
}

/**
 * The bus of several processes: every message goes through Redis pub/sub, including to this
 * process's own listeners, so each listener gets it once and in the order Redis saw it.
 * A process subscribes only to the topics its connections listen to.
 *
 * Redis pub/sub does not keep messages: what is published while a node is cut off from Redis is
 * lost to it. Clients catch up through replay when they reconnect.
 *
 * @example createRedisBus({ url: 'redis://127.0.0.1:6379', logger })
 */
export function createRedisBus({ url, logger, prefix = 'parley:' }: RedisBusOptions): Bus {
  const log = logger.child({ component: 'redis-bus' })
  // A connection in subscriber mode may send nothing but (un)subscribe commands: publishing needs its own.
  const publisher = new Redis(url, { connectionName: 'parley-publish' })
  // ioredis subscribes again to every channel of this connection after a reconnect (autoResubscribe).
  const subscriber = new Redis(url, { connectionName: 'parley-subscribe', autoResubscribe: true })
  const listeners = new Map<string, Set<BusListener>>()

  for (const [role, connection] of [['publish', publisher], ['subscribe', subscriber]] as const) {
    // Without a listener, ioredis reports connection errors as unhandled.
    connection.on('error', (error: Error) => log.error({ err: error, connection: role }, 'redis connection error'))
  }

  subscriber.on('message', function deliverFromRedis(channel: string, text: string) {
    if (!channel.startsWith(prefix)) return
    const set = listeners.get(channel.slice(prefix.length))
    if (!set) return // the last listener left while the message was on its way
    const message = decodeBusMessage(text)
    if (!message) {
      log.warn({ channel }, 'ignored a bus message that is not one')
      return
    }
    for (const listener of set) {
      // A listener's failure must not reach ioredis's event loop nor keep the others from their copy.
      try {
        listener(message)
      } catch (error) {
        log.error({ err: error, channel }, 'bus listener failed')
      }
    }
  })

  return {
    publish(topic: string, message: BusMessage) {
      publisher.publish(prefix + topic, JSON.stringify(message)).catch((error: unknown) => {
        log.error({ err: error, topic }, 'could not publish to redis')
      })
    },
    subscribe(topic: string, listener: BusListener) {
      let set = listeners.get(topic)
      if (!set) {
        listeners.set(topic, (set = new Set()))
        subscriber.subscribe(prefix + topic).catch((error: unknown) => {
          log.error({ err: error, topic }, 'could not subscribe to redis')
        })
      }
      set.add(listener)
      return function unsubscribe() {
        // Only the set this subscription added to: a later one for the same topic is not ours to drop.
        if (!set.delete(listener) || set.size > 0 || listeners.get(topic) !== set) return
        listeners.delete(topic)
        subscriber.unsubscribe(prefix + topic).catch((error: unknown) => {
          log.error({ err: error, topic }, 'could not unsubscribe from redis')
        })
      }
    },
    async close() {
      listeners.clear()
      await Promise.all([publisher, subscriber].map(closeRedis))
    },
  }
}

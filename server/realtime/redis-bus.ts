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

/** The listeners of one topic and the confirmation of its Redis subscription. */
interface Channel {
  listeners: Set<BusListener>
  ready: Promise<void>
  /** The last attempt was refused: the next subscriber tries again. */
  failed: boolean
}

/**
 * The bus of several processes: every message goes through Redis pub/sub, including to this
 * process's own listeners, so each listener gets it once and in the order Redis saw it.
 * A process subscribes only to the topics its connections listen to.
 *
 * Redis pub/sub does not keep messages: what is published while a node is cut off from Redis is
 * lost to it. When the subscribing connection comes back, every channel is subscribed again and,
 * once Redis has confirmed them all, `onGap` listeners are told so that clients catch up.
 *
 * @example createRedisBus({ url: 'redis://127.0.0.1:6379', logger })
 */
export function createRedisBus({ url, logger, prefix = 'parley:' }: RedisBusOptions): Bus {
  const log = logger.child({ component: 'redis-bus' })
  // A connection in subscriber mode may send nothing but (un)subscribe commands: publishing needs its own.
  const publisher = new Redis(url, { connectionName: `${prefix}publish` })
  // Channels are subscribed again here after a reconnect, rather than by ioredis, to know when they are active.
  const subscriber = new Redis(url, { connectionName: `${prefix}subscribe`, autoResubscribe: false })
  const channels = new Map<string, Channel>()
  const gapListeners: Array<() => void> = []
  let lostConnection = false
  let closing = false

  for (const [role, connection] of [['publish', publisher], ['subscribe', subscriber]] as const) {
    // Without a listener, ioredis reports connection errors as unhandled.
    connection.on('error', (error: Error) => log.error({ err: error, connection: role }, 'redis connection error'))
  }

  function subscribeInRedis(topic: string, channel: Channel) {
    const confirmed = subscriber.subscribe(prefix + topic).then(() => undefined)
    channel.ready = confirmed
    channel.failed = false
    // The rejection is for the waiting sessions; logged once here.
    confirmed.catch((error: unknown) => {
      log.error({ err: error, topic }, 'could not subscribe to redis')
      if (channel.ready === confirmed) channel.failed = true
    })
  }

  subscriber.on('close', () => {
    if (!closing) lostConnection = true
  })
  subscriber.on('ready', function resubscribeAfterReconnect() {
    if (!lostConnection) return
    lostConnection = false
    log.warn({ channels: channels.size }, 'redis subscription connection is back: subscribing again')
    for (const [topic, channel] of channels) subscribeInRedis(topic, channel)
    void Promise.allSettled([...channels.values()].map((channel) => channel.ready)).then(() => {
      for (const listener of gapListeners) listener()
    })
  })

  subscriber.on('message', function deliverFromRedis(channelName: string, text: string) {
    if (!channelName.startsWith(prefix)) return
    const channel = channels.get(channelName.slice(prefix.length))
    if (!channel) return // the last listener left while the message was on its way
    const message = decodeBusMessage(text)
    if (!message) {
      log.warn({ channel: channelName }, 'ignored a bus message that is not one')
      return
    }
    for (const listener of channel.listeners) {
      // A listener's failure must not reach ioredis's event loop nor keep the others from their copy.
      try {
        listener(message)
      } catch (error) {
        log.error({ err: error, channel: channelName }, 'bus listener failed')
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
      let channel = channels.get(topic)
      if (!channel) {
        channel = { listeners: new Set(), ready: Promise.resolve(), failed: true }
        channels.set(topic, channel)
      }
      if (channel.failed) subscribeInRedis(topic, channel)
      channel.listeners.add(listener)
      const joined = channel
      return {
        ready: joined.ready,
        unsubscribe() {
          // Only the channel this subscription joined: a later one for the same topic is not ours to drop.
          if (!joined.listeners.delete(listener) || joined.listeners.size > 0 || channels.get(topic) !== joined) return
          channels.delete(topic)
          subscriber.unsubscribe(prefix + topic).catch((error: unknown) => {
            log.error({ err: error, topic }, 'could not unsubscribe from redis')
          })
        },
      }
    },
    onGap(listener: () => void) {
      gapListeners.push(listener)
    },
    async close() {
      closing = true
      channels.clear()
      gapListeners.length = 0
      await Promise.all([publisher, subscriber].map(closeRedis))
    },
  }
}

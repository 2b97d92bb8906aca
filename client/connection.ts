/**
 * A client's connection to Parley, shared by the widget and the console. It hides which
 * transport carries the frames: WebSocket first, long polling when WebSocket fails or stays
 * silent, back to WebSocket when it works again. Across every reconnect it resumes from the
 * last sequence number seen and resends unacknowledged messages with their client ids, so
 * nothing typed is lost or doubled.
 */
import {
  HEARTBEAT_INTERVAL_MS,
  decodeServerFrame,
  encode,
  type ClientFrame,
  type ErrorCode,
  type ServerFrame,
} from '../protocol/index.js'
import { backoffDelay } from './backoff.js'
import { createOutbox, newClientId, type OutboxItem } from './outbox.js'
import { createSeqTracker } from './seq-tracker.js'
import type { Link, Transport } from './transport.js'

export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline'

type Hello = Extract<ClientFrame, { t: 'hello' }>
type HelloFields = Hello extends infer H ? (H extends Hello ? Omit<H, 't' | 'last'> : never) : never

export interface ConnectionOptions {
  /** Parley's base URL, such as `https://chat.example.com`. */
  url: string
  /** Added to every transport URL: `site=KEY` for visitors. */
  query?: string
  /** The identity part of `hello`, asked again at every (re)connect. */
  hello: () => HelloFields
  /** WebSocket first when present; polling as the fallback. */
  transports: { websocket?: Transport; polling?: Transport }
  /** Every frame for the application, with repeats already dropped. */
  onFrame: (frame: ServerFrame) => void
  onState?: (state: ConnectionState) => void
  /** Where the outbox and sequence marks come from, and are saved to (a widget survives reloads). */
  outbox?: OutboxItem[]
  onOutboxChange?: (items: OutboxItem[]) => void
  last?: Record<string, number>
  /** WebSocket that brings no `welcome` within this time is given up for polling. */
  fallbackAfterMs?: number
  /** While on polling, how often WebSocket is tried again. */
  upgradeEveryMs?: number
  /** Source of online/offline and visibility events (the browser window by default). */
  environment?: { addEventListener(type: string, listener: () => void): void; removeEventListener(type: string, listener: () => void): void }
  isOnline?: () => boolean
  isVisible?: () => boolean
}

interface Attempt {
  transport: Transport
  link: Link
  welcomed: boolean
}

/** Any attempt that brings no `welcome` within this time (and is no WebSocket with a fallback) is given up. */
const ATTEMPT_TIMEOUT_MS = 10_000

/** Refusals that resending cannot fix: the message is dropped from the outbox and reported. */
const FINAL_ERRORS: ErrorCode[] = ['bad_json', 'bad_frame', 'too_large', 'unknown_type', 'forbidden', 'not_found', 'conflict']

export function createConnection(options: ConnectionOptions) {
  const { websocket, polling } = options.transports
  const fallbackAfterMs = options.fallbackAfterMs ?? 4_000
  const upgradeEveryMs = options.upgradeEveryMs ?? 30_000
  const environment = options.environment ?? (typeof window === 'undefined' ? undefined : window)
  const isOnline = options.isOnline ?? (() => typeof navigator === 'undefined' || navigator.onLine !== false)
  const isVisible = options.isVisible ?? (() => typeof document === 'undefined' || document.visibilityState !== 'hidden')

  const tracker = createSeqTracker(options.last)
  const outbox = createOutbox(options.outbox, options.onOutboxChange)
  let state: ConnectionState = 'connecting'
  let active: Attempt | undefined
  let probe: Attempt | undefined
  let failures = 0
  let preferPolling = !websocket
  let heartbeatMs = HEARTBEAT_INTERVAL_MS
  let stopped = false
  const timers: Record<'retry' | 'fallback' | 'upgrade' | 'silence' | 'resend', ReturnType<typeof setTimeout> | undefined> = {
    retry: undefined, fallback: undefined, upgrade: undefined, silence: undefined, resend: undefined,
  }
  const clear = (name: keyof typeof timers) => {
    clearTimeout(timers[name])
    timers[name] = undefined
  }
  const later = (name: keyof typeof timers, ms: number, run: () => void) => {
    clear(name)
    timers[name] = setTimeout(run, ms)
  }

  function setState(next: ConnectionState) {
    if (next === state) return
    state = next
    options.onState?.(next)
  }

  function start(transport: Transport): Attempt {
    const attempt = { transport, welcomed: false } as Attempt
    attempt.link = transport.connect(options.url, options.query ?? '', {
      open: () => attempt.link.send(encode({ t: 'hello', ...options.hello(), last: tracker.snapshot() } as Hello)),
      frame: (text) => receive(attempt, text),
      closed: () => lost(attempt),
    })
    return attempt
  }

  function connect() {
    clear('retry')
    if (stopped || active) return
    if (!isOnline()) return setState('offline')
    setState(failures === 0 && state === 'connecting' ? 'connecting' : 'reconnecting')
    const transport = preferPolling || !websocket ? polling! : websocket
    const attempt = (active = start(transport))
    // An attempt that hears nothing (a proxy holding it) is a loss like any other. A WebSocket
    // one is given up sooner when polling can take over.
    later('fallback', transport === websocket && polling ? fallbackAfterMs : ATTEMPT_TIMEOUT_MS, function attemptTooSlow() {
      if (active !== attempt || attempt.welcomed) return
      attempt.link.close() // a closed link reports nothing more: the loss is handled here
      lost(attempt)
    })
  }

  function drop(attempt: Attempt) {
    attempt.link.close()
    if (attempt === active) active = undefined
    if (attempt === probe) probe = undefined
  }

  function lost(attempt: Attempt) {
    if (attempt === probe) {
      probe = undefined
      return scheduleUpgrade()
    }
    if (attempt !== active) return
    active = undefined
    clear('silence')
    if (stopped) return
    if (!attempt.welcomed && attempt.transport === websocket && polling) {
      preferPolling = true // WebSocket refused here: polling at once, WebSocket again later
      return connect()
    }
    failures += 1
    setState(isOnline() ? 'reconnecting' : 'offline')
    if (isOnline()) later('retry', backoffDelay(failures), connect)
  }

  /** A connection that hears nothing, not even the server's heartbeat, is dead. */
  function expectFrames() {
    later('silence', heartbeatMs * 2 + 1_000, function connectionWentSilent() {
      const silent = active
      if (!silent) return
      silent.link.close() // a closed link reports nothing more: the loss is handled here
      lost(silent)
    })
  }

  function scheduleUpgrade() {
    if (!websocket || stopped || active?.transport !== polling) return
    later('upgrade', upgradeEveryMs, function tryWebSocketAgain() {
      if (stopped || probe || active?.transport !== polling || !active?.welcomed) return
      const attempt = (probe = start(websocket))
      setTimeout(() => {
        if (probe === attempt && !attempt.welcomed) {
          drop(attempt)
          scheduleUpgrade()
        }
      }, fallbackAfterMs)
    })
  }

  function resendOutbox() {
    if (!active?.welcomed) return
    for (const item of outbox.items()) {
      active.link.send(encode({ t: 'send', ...item }))
    }
  }

  function receive(attempt: Attempt, text: string) {
    const frame = decodeServerFrame(text)
    if (!frame || stopped) return
    if (attempt === probe && frame.t === 'welcome') {
      // WebSocket works again: it becomes the connection; polling is closed. Whatever both
      // deliver meanwhile is dropped below by sequence number or client id.
      const previous = active
      active = probe
      probe = undefined
      preferPolling = false
      if (previous) previous.link.close()
    }
    if (attempt !== active) return
    expectFrames()

    switch (frame.t) {
      case 'welcome':
        attempt.welcomed = true
        failures = 0
        heartbeatMs = frame.limits.heartbeatMs
        clear('fallback')
        setState('online')
        options.onFrame(frame)
        resendOutbox()
        scheduleUpgrade()
        return
      case 'ping':
      case 'pong':
        return
      case 'msg':
        if (!tracker.accept(frame.conv, frame.seq)) return
        break
      case 'ack':
        if (!outbox.take(frame.cid)) return // acknowledged before: a resend's second answer
        break
      case 'error':
        if (!attempt.welcomed) {
          // Refused at the door (not signed in, not verified): trying again cannot help.
          api.close()
          break
        }
        if (frame.ref !== undefined && outbox.has(frame.ref)) {
          if (!FINAL_ERRORS.includes(frame.code)) {
            later('resend', 1_000 + backoffDelay(1), resendOutbox)
            return
          }
          outbox.take(frame.ref)
        }
        break
      case 'bye':
        drop(attempt)
        failures = 0
        setState('reconnecting')
        later('retry', 250 + backoffDelay(2), connect)
        break
    }
    options.onFrame(frame)
  }

  const onOnline = () => {
    failures = 0
    connect()
  }
  const onOffline = () => {
    if (active) drop(active)
    setState('offline')
  }
  const onVisibility = () => {
    if (!isVisible()) return
    // Back from the background: a sleeping tab's connection may be dead without knowing it.
    if (active?.welcomed) active.link.send(encode({ t: 'ping' }))
    else if (!active) connect()
  }
  environment?.addEventListener('online', onOnline)
  environment?.addEventListener('offline', onOffline)
  environment?.addEventListener('visibilitychange', onVisibility)

  connect()

  const api = {
    get state() {
      return state
    },
    get transport() {
      return active?.welcomed ? active.transport.name : undefined
    },
    /** Queues a message until the server acknowledges it; returns its client id. */
    /** `note` makes it an agent's internal note. */
    sendMessage(text: string, conv?: number, note?: boolean): string {
      const item: OutboxItem = { cid: newClientId(), text, conv, note }
      outbox.add(item)
      if (active?.welcomed) active.link.send(encode({ t: 'send', ...item }))
      return item.cid
    },
    /** Sends any other frame now; returns false when offline (typing and the like are not kept). */
    send(frame: Exclude<ClientFrame, { t: 'send' | 'hello' }>): boolean {
      if (!active?.welcomed) return false
      active.link.send(encode(frame))
      return true
    },
    /** Marks a conversation's history as seen up to `seq` (fetched with `history`). */
    seen(conv: number, seq: number) {
      tracker.track(conv, seq)
    },
    pending: () => outbox.items(),
    last: () => tracker.snapshot(),
    close() {
      stopped = true
      for (const name of Object.keys(timers) as (keyof typeof timers)[]) clear(name)
      if (probe) drop(probe)
      if (active) drop(active)
      environment?.removeEventListener('online', onOnline)
      environment?.removeEventListener('offline', onOffline)
      environment?.removeEventListener('visibilitychange', onVisibility)
      setState('offline')
    },
  }
  return api
}

export type Connection = ReturnType<typeof createConnection>

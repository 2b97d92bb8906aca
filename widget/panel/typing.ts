import { TYPING_THROTTLE_MS } from '../../protocol/limits.js'

/** How long after the last keystroke the visitor counts as no longer typing. */
export const TYPING_IDLE_MS = 3_000

export interface TypingSignal {
  /** The visitor pressed a key in the message field. */
  keystroke(): void
  /** The visitor sent or cleared the message: tell the agent now rather than after the pause. */
  stop(): void
}

/**
 * Tells the agent that the visitor is typing without a frame per keystroke: `on` at most every
 * `throttleMs` while keys keep coming (typing is relayed, never stored, so repeating it lets an
 * agent tab that connects mid-sentence see it too), and `off` once after `idleMs` without one.
 *
 * @example const signal = createTypingSignal(context.typing); textarea.oninput = signal.keystroke
 */
export function createTypingSignal(send: (on: boolean) => void, throttleMs = TYPING_THROTTLE_MS, idleMs = TYPING_IDLE_MS): TypingSignal {
  let lastOn = -Infinity
  let idle: ReturnType<typeof setTimeout> | undefined

  function stop() {
    if (idle === undefined) return
    clearTimeout(idle)
    idle = undefined
    lastOn = -Infinity
    send(false)
  }

  function keystroke() {
    const now = Date.now()
    if (now - lastOn >= throttleMs) {
      lastOn = now
      send(true)
    }
    clearTimeout(idle)
    idle = setTimeout(stop, idleMs)
  }

  return { keystroke, stop }
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTypingSignal } from '../../widget/panel/typing.js'

describe('createTypingSignal', () => {
  let sent: boolean[]
  const signal = () => createTypingSignal((on) => sent.push(on), 2000, 3000)

  beforeEach(() => {
    vi.useFakeTimers()
    sent = []
  })
  afterEach(() => void vi.useRealTimers())

  it('says "typing" at once, then at most every 2 s while keys keep coming', () => {
    const typing = signal()
    for (let i = 0; i < 10; i++) {
      typing.keystroke()
      vi.advanceTimersByTime(500)
    }
    // Keys at 0, 0.5 … 4.5 s: "on" at 0, 2 and 4 s.
    expect(sent).toEqual([true, true, true])
  })

  it('says "stopped" once, 3 s after the last keystroke', () => {
    const typing = signal()
    typing.keystroke()
    vi.advanceTimersByTime(2999)
    expect(sent).toEqual([true])
    vi.advanceTimersByTime(1)
    expect(sent).toEqual([true, false])
    vi.advanceTimersByTime(10_000)
    expect(sent).toEqual([true, false])
  })

  it('says "stopped" at once on stop (the message was sent), and nothing more later', () => {
    const typing = signal()
    typing.keystroke()
    typing.stop()
    vi.advanceTimersByTime(10_000)
    expect(sent).toEqual([true, false])
  })

  it('says nothing on stop when the visitor was not typing', () => {
    signal().stop()
    expect(sent).toEqual([])
  })

  it('starts afresh after a stop', () => {
    const typing = signal()
    typing.keystroke()
    typing.stop()
    typing.keystroke()
    expect(sent).toEqual([true, false, true])
  })
})

import { describe, expect, it } from 'vitest'
import { createSeqTracker } from '../../client/seq-tracker.js'

describe('the sequence tracker', () => {
  it('accepts an event the first time and refuses it after, so a replay cannot repeat it', () => {
    const tracker = createSeqTracker()
    expect(tracker.accept(7, 1)).toBe(true)
    expect(tracker.accept(7, 2)).toBe(true)
    expect(tracker.accept(7, 2)).toBe(false)
    expect(tracker.accept(7, 1)).toBe(false)
    expect(tracker.snapshot()).toEqual({ 7: 2 })
  })

  it('keeps one mark per conversation', () => {
    const tracker = createSeqTracker()
    expect(tracker.accept(1, 5)).toBe(true)
    expect(tracker.accept(2, 1)).toBe(true)
    expect(tracker.accept(2, 5)).toBe(true)
    expect(tracker.accept(1, 5)).toBe(false)
    expect(tracker.snapshot()).toEqual({ 1: 5, 2: 5 })
  })

  it('moves its mark past a gap: the highest number seen is what a reconnect asks to resume from', () => {
    const tracker = createSeqTracker()
    tracker.accept(3, 1)
    expect(tracker.accept(3, 4)).toBe(true)
    // Anything at or below the mark now counts as seen, even a number that never arrived.
    expect(tracker.accept(3, 2)).toBe(false)
    expect(tracker.snapshot()).toEqual({ 3: 4 })
  })

  it('starts from marks saved earlier (a reloaded widget)', () => {
    const saved = { 12: 40 }
    const tracker = createSeqTracker(saved)
    expect(tracker.accept(12, 40)).toBe(false)
    expect(tracker.accept(12, 41)).toBe(true)
    expect(saved).toEqual({ 12: 40 }) // the caller's object is copied, not written to
  })

  it('tracks a conversation whose history was fetched, and never moves a mark back', () => {
    const tracker = createSeqTracker()
    tracker.track(9, 30)
    expect(tracker.accept(9, 30)).toBe(false)
    expect(tracker.accept(9, 31)).toBe(true)
    tracker.track(9, 10)
    expect(tracker.snapshot()).toEqual({ 9: 31 })
  })

  it('hands out snapshots that later events do not change', () => {
    const tracker = createSeqTracker()
    tracker.accept(1, 1)
    const before = tracker.snapshot()
    tracker.accept(1, 2)
    before[1] = 99
    expect(before).toEqual({ 1: 99 })
    expect(tracker.snapshot()).toEqual({ 1: 2 })
  })
})

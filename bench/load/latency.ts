/**
 * Round-trip times, kept whole: a run records at most a few hundred thousand of them, and
 * exact percentiles are worth more than the memory a histogram would save.
 */
export interface LatencySummary {
  count: number
  p50: number
  p95: number
  p99: number
  max: number
}

export function createLatencyRecorder() {
  const samples: number[] = []
  return {
    add(ms: number) {
      samples.push(ms)
    },
    get count() {
      return samples.length
    },
    summary(): LatencySummary {
      const sorted = Float64Array.from(samples).sort()
      // Nearest rank: the value below which p percent of the samples lie.
      const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0
      return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] ?? 0 }
    },
  }
}

export type LatencyRecorder = ReturnType<typeof createLatencyRecorder>

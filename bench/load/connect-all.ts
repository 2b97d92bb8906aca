/**
 * Opens many connections a bounded number at a time, each with its own time limit and the
 * whole with a deadline, so that a server that stops answering ends the phase instead of
 * the bench. Failures are counted, not thrown: how many failed is a result.
 */
import { withTimeout } from './chat-driver.js'

export interface ConnectOutcome<T> {
  links: T[]
  failures: number
  /** The first few reasons, for the log. */
  reasons: string[]
  seconds: number
}

export async function connectAll<T extends { close(): void }>(
  count: number,
  connect: (index: number) => Promise<T>,
  { concurrency = 100, perConnectionMs = 20_000, totalMs = 180_000, label = 'connecting' } = {},
): Promise<ConnectOutcome<T>> {
  const started = performance.now()
  const deadline = Date.now() + totalMs
  const links: T[] = []
  const reasons: string[] = []
  let failures = 0
  let next = 0
  let lastReport = Date.now()
  async function worker() {
    while (next < count && Date.now() < deadline) {
      const index = next++
      try {
        links.push(await withTimeout(connect(index), perConnectionMs, `${label} ${index}`))
      } catch (error) {
        failures += 1
        if (reasons.length < 5) reasons.push(error instanceof Error ? error.message : String(error))
      }
      if (Date.now() - lastReport > 5_000) {
        lastReport = Date.now()
        console.log(`  ${label}: ${links.length} of ${count} connected, ${failures} failed`)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  // Whatever the deadline cut short counts as failed.
  failures += count - links.length - failures
  return { links, failures, reasons, seconds: (performance.now() - started) / 1000 }
}

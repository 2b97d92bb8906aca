/**
 * Waits, for a bounded time, until the machine is not busy with other work (its 1-minute load
 * average under half its cores), so that a scenario measures the server rather than whatever
 * else runs beside it. Gives up after `maxMs` and says so: the results then note the load.
 */
import os from 'node:os'

export async function waitForQuietMachine(maxMs: number, log: (line: string) => void = console.log): Promise<number> {
  const threshold = os.availableParallelism() / 2
  const deadline = Date.now() + maxMs
  let load = os.loadavg()[0]!
  let told = false
  while (load >= threshold && Date.now() < deadline) {
    if (!told) log(`  the machine is busy (load ${load.toFixed(1)}): waiting up to ${Math.round(maxMs / 60_000)} min for it to calm down`)
    told = true
    await new Promise((resolve) => setTimeout(resolve, 10_000))
    load = os.loadavg()[0]!
  }
  if (told) log(load < threshold ? `  load ${load.toFixed(1)}: going on` : `  still busy (load ${load.toFixed(1)}): going on anyway`)
  return load
}

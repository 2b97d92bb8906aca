/**
 * Reads a process's CPU time and memory from /proc, as `top` would, so that the server under
 * test runs unmodified: no agent inside it, no endpoint added for the bench.
 *
 * CPU is utime + stime of every thread (SQLite works on the main thread, libuv's pool and V8's
 * helpers on others), in percent of one core. Memory is VmRSS, and RssAnon: the anonymous
 * pages, that is the JavaScript heap and malloc, without the mapped code of Node itself.
 */
import { readFileSync } from 'node:fs'

/** Linux's USER_HZ: the unit of utime and stime (`getconf CLK_TCK`); 100 on every common build. */
const TICKS_PER_SECOND = 100
const KB = 1024

export interface ProcessReading {
  at: number
  cpuSeconds: number
  rss: number
  anon: number
}

export function readProcess(pid: number): ProcessReading | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15)
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kilobytes = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * KB
    return { at: performance.now(), cpuSeconds: ticks / TICKS_PER_SECOND, rss: kilobytes('VmRSS'), anon: kilobytes('RssAnon') }
  } catch {
    return undefined // the process is gone
  }
}

export interface ProcessWindow {
  /** Percent of one core over the window. */
  cpuPercent: number
  rssMean: number
  rssPeak: number
  anonMean: number
  samples: number
}

/**
 * Samples `pid` every `everyMs` from now on. `window()` summarises what was seen since the
 * last `window()` (or the start), so one watcher serves every step of a ramp.
 */
export function watchProcess(pid: number, everyMs = 250) {
  let first = readProcess(pid)
  let readings: ProcessReading[] = first ? [first] : []
  const timer = setInterval(function sampleServer() {
    const reading = readProcess(pid)
    if (reading) readings.push(reading)
  }, everyMs)
  timer.unref()
  return {
    latest: () => readings.at(-1) ?? first,
    window(): ProcessWindow {
      const last = readProcess(pid) ?? readings.at(-1)
      if (last) readings.push(last)
      const start = readings[0]
      const seconds = start && last ? (last.at - start.at) / 1000 : 0
      const summary = {
        cpuPercent: start && last && seconds > 0 ? ((last.cpuSeconds - start.cpuSeconds) / seconds) * 100 : 0,
        rssMean: mean(readings.map((r) => r.rss)),
        rssPeak: Math.max(0, ...readings.map((r) => r.rss)),
        anonMean: mean(readings.map((r) => r.anon)),
        samples: readings.length,
      }
      first = last
      readings = last ? [last] : []
      return summary
    },
    stop() {
      clearInterval(timer)
    },
  }
}

const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length)

/** This process's own CPU, to show when the generator rather than the server was the limit. */
export function watchOwnCpu() {
  let start = process.cpuUsage()
  let at = performance.now()
  return function ownCpuPercentSinceLastCall() {
    const used = process.cpuUsage(start)
    const now = performance.now()
    const percent = ((used.user + used.system) / 1000 / (now - at)) * 100
    start = process.cpuUsage()
    at = now
    return percent
  }
}

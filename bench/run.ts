/**
 * Parley against a socket.io baseline, and the widget and the export beside them.
 *
 *   npm run bench                      every scenario, in this order
 *   npm run bench -- steady            one (or several) of: widget steady polling ramp profile idle heap export
 *   npm run bench -- ramp --quick      a smaller, shorter run to try the bench; RESULTS.md is left alone
 *   npm run bench -- profile --rate 1500
 *
 * Everything runs on 127.0.0.1: each server in a child process of its own (Parley from its
 * build, so run `npm run build` first), the load generator in this process. Every scenario is
 * bounded in connections and time; before each, the runner waits (10 minutes at most) for other
 * work on the machine to end, and the whole run stops after 150 minutes whatever happens.
 * Each scenario replaces its own section of bench/RESULTS.md.
 */
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { waitForQuietMachine } from './quiet-machine.js'
import { dateAndMachine, writeSection } from './results-file.js'
import { runBulkExport } from './scenarios/bulk-export.js'
import { compareRelay } from './scenarios/compare-relay.js'
import { heapReport, runHeapProfile } from './scenarios/heap.js'
import { idleReport, runIdle } from './scenarios/idle.js'
import { profileReport, runProfile } from './scenarios/profile.js'
import { breakingRate, rampPlan, rampReport } from './scenarios/ramp.js'
import { steadyPlan, steadyReport } from './scenarios/steady.js'
import { widgetSizesReport } from './scenarios/widget-sizes.js'
import { measureWidgetSizes } from './widget-size.js'

const SCENARIOS = ['widget', 'steady', 'polling', 'ramp', 'profile', 'idle', 'heap', 'export'] as const
type Scenario = (typeof SCENARIOS)[number]
const RUN_LIMIT_MS = 150 * 60_000
/** Before each scenario, at most this long waiting for other work on the machine to end. */
const QUIET_WAIT_MS = 10 * 60_000
/** From the issue: p99 round trip under 10 ms at 1,000 visitors × 1 msg/s. */
const STEADY_P99_TARGET_MS = 10
/** Profiled when no ramp ran before in the same run to say where Parley breaks. */
const DEFAULT_PROFILE_RATE = 1500

const { values, positionals } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, rate: { type: 'string' } },
  allowPositionals: true,
})
const unknown = positionals.filter((name) => !SCENARIOS.includes(name as Scenario))
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`)
  process.exit(2)
}
const chosen: Scenario[] = positionals.length > 0 ? SCENARIOS.filter((name) => positionals.includes(name)) : [...SCENARIOS]
const quick = values.quick
/** Counts and durations: the issue's, or a tenth of the visitors and a few seconds with --quick. */
const scale = {
  steadyVisitors: quick ? 100 : 1000,
  steadySeconds: quick ? 5 : 60,
  rampVisitors: quick ? 50 : 200,
  rampStepSeconds: quick ? 3 : 10,
  profileSeconds: quick ? 5 : 20,
  idleConnections: quick ? 500 : 10_000,
}

/** 10,000 sockets here and as many in the server: each process needs that many descriptors. */
function checkOpenFileLimit() {
  const limit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? Infinity)
  const needed = scale.idleConnections + 1000
  if ((chosen.includes('idle') || chosen.includes('heap')) && limit < needed) {
    console.error(`the open-file limit is ${limit}; the idle scenario needs ${needed}: raise it (ulimit -n ${needed}) or run without it`)
    process.exit(2)
  }
}

/** Before each server's turn: other work on the machine would be measured too. */
const settle = () => (quick ? Promise.resolve() : waitForQuietMachine(QUIET_WAIT_MS))

async function publish(section: string) {
  console.log(`\n${section}`)
  if (!quick) await writeSection(section)
}

async function main() {
  checkOpenFileLimit()
  const guard = setTimeout(() => {
    console.error(`the bench went over ${RUN_LIMIT_MS / 60_000} minutes: stopping`)
    process.exit(1)
  }, RUN_LIMIT_MS)
  guard.unref()
  let profileRate = values.rate ? Number(values.rate) : undefined

  for (const scenario of chosen) {
    console.log(`\n— ${scenario}${quick ? ' (quick: not written to RESULTS.md)' : ''}`)
    if (scenario !== 'widget') await settle()
    // How busy the machine was before the scenario added its own work.
    const load = os.loadavg()[0]!
    switch (scenario) {
      case 'widget':
        await publish(widgetSizesReport(await measureWidgetSizes(), load))
        break
      case 'steady': {
        const plan = steadyPlan(scale.steadyVisitors, scale.steadySeconds, 'websocket')
        const heading = `## Load: ${scale.steadyVisitors.toLocaleString('en')} WebSocket visitors × 1 message/s (\`npm run bench -- steady\`)`
        await publish(steadyReport(heading, plan, await compareRelay(plan, settle), load, STEADY_P99_TARGET_MS))
        break
      }
      case 'polling': {
        const plan = steadyPlan(scale.steadyVisitors, scale.steadySeconds, 'polling')
        const heading = `## Load: ${scale.steadyVisitors.toLocaleString('en')} long-polling visitors × 1 message/s (\`npm run bench -- polling\`)`
        await publish(steadyReport(heading, plan, await compareRelay(plan, settle), load))
        break
      }
      case 'ramp': {
        const plan = rampPlan(scale.rampVisitors, scale.rampStepSeconds)
        const comparison = await compareRelay(plan, settle)
        profileRate ??= breakingRate(comparison.parley)
        await publish(rampReport(plan, comparison, load))
        break
      }
      case 'profile':
        await publish(profileReport(await runProfile(scale.rampVisitors, profileRate ?? DEFAULT_PROFILE_RATE, scale.profileSeconds), load))
        break
      case 'idle':
        await publish(idleReport(await runIdle(scale.idleConnections, settle), scale.idleConnections, load))
        break
      case 'heap':
        await publish(heapReport(await runHeapProfile(scale.idleConnections), load))
        break
      case 'export':
        if (quick) console.log('  (skipped with --quick: it fills a million messages)')
        else await runBulkExport()
        break
    }
  }
  console.log(`\ndone: ${dateAndMachine(os.loadavg()[0]!)}`)
}

await main()
// Client libraries may keep idle sockets and timers: the bench ends when its work is done.
process.exit(0)

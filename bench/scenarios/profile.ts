/**
 * Where Parley's CPU goes when it is saturated: the throughput scenario again (200 visitors)
 * at one rate past what it sustains, with the server started under `node --cpu-prof`, then
 * the profile folded into self time per function and per area. The profile file is written to
 * a temporary folder and removed; only the summary is kept.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { summariseCpuProfile, type ProfileSummary } from '../load/cpu-profile.js'
import type { RelayOutcome } from '../load/relay-scenario.js'
import { parleyBuild, ROOT } from '../load/servers.js'
import { count, dateAndMachine, ms, table, wrap } from '../results-file.js'
import { runParleyRelay } from './compare-relay.js'
import { AGENTS } from './steady.js'

export interface ProfileRun {
  rate: number
  seconds: number
  outcome: RelayOutcome
  summary: ProfileSummary
}

export async function runProfile(visitors: number, rate: number, seconds: number): Promise<ProfileRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-profile-'))
  try {
    const outcome = await runParleyRelay(
      { visitors, agents: AGENTS, transport: 'websocket', steps: [{ perSecond: rate, seconds }] },
      ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    )
    const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'))
    if (!file) throw new Error('the server wrote no CPU profile (did it exit cleanly?)')
    // The build's paths: dist/server/… for Parley's code.
    return { rate, seconds, outcome, summary: await summariseCpuProfile(path.join(dir, file), ROOT) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export function profileReport({ rate, seconds, outcome, summary }: ProfileRun, load: number): string {
  const step = outcome.steps[0]
  const total = summary.busyMs + summary.idleMs
  return [
    '## Load: where Parley\'s CPU goes when saturated (`npm run bench -- profile`)',
    '',
    wrap(`${dateAndMachine(load)} Parley is ${parleyBuild()}. The throughput scenario's set-up (${count(outcome.visitors.connected)} visitors, ${AGENTS} echo-bot
      agents, WebSocket) at ${count(rate)} round trips/s offered for ${seconds} s, past what Parley sustains, with the server
      under \`node --cpu-prof\` (which slows it somewhat). It delivered ${step ? count(step.deliveredPerSecond) : '—'} round trips/s
      (p99 ${step ? ms(step.latency.p99) : '—'}). The profile covers the server's whole life (start-up, connections, warm-up,
      load, shutdown): ${(summary.busyMs / 1000).toFixed(1)} s busy, ${(summary.idleMs / 1000).toFixed(1)} s idle of
      ${(total / 1000).toFixed(1)} s. Self time is time spent in the function itself, callees excluded; shares are of the busy time.`),
    '',
    'By area (Parley\'s folders in the build, each package, Node\'s internals, V8\'s own work):',
    '',
    table(['area', 'self time', 'share'], summary.areas.map((area) => [area.name, ms(area.ms), `${area.percent.toFixed(1)} %`])),
    '',
    'The functions with the most self time:',
    '',
    table(['function', 'where', 'self time', 'share'], summary.functions.map((fn) => [`\`${fn.name}\``, fn.where ? `\`${fn.where}\`` : '', ms(fn.ms), `${fn.percent.toFixed(1)} %`])),
    '',
  ].join('\n')
}

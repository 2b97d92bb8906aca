/**
 * The highest rate each server sustains: 200 visitors, and a total rate that climbs step by
 * step (10 s each) until the server has fallen behind in two steps in a row (delivered under
 * 95 % of what was offered, or p99 over 500 ms, or a backlog of more than a second's messages):
 * one slow step alone may be a pause of the machine's disk, not the server's limit. A server's
 * sustained throughput is the highest step it kept up with, without loss or error; its peak is
 * the most round trips it delivered in any step, falling behind included.
 */
import { KEPT_UP, type RelayOutcome, type RelayPlan, type StepOutcome } from '../load/relay-scenario.js'
import { count, dateAndMachine, ms, table, wrap, yesNo } from '../results-file.js'
import type { RelayComparison } from './compare-relay.js'
import { AGENTS, describeRelay, relayRows } from './steady.js'

// Past 3,000, steps of 9–17 %: neither server's limit hides in a wide gap between two steps.
const RATES = [200, 400, 600, 800, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750, 3000, 3500, 4000, 4500, 5000, 5500, 6000, 7000, 8000]
const MISSED_STEPS_TO_STOP = 2
/** From the issue: at least twice the baseline's sustained durable throughput. */
const TARGET_RATIO = 2

export function rampPlan(visitors: number, stepSeconds: number): RelayPlan {
  return { visitors, agents: AGENTS, transport: 'websocket', steps: RATES.map((perSecond) => ({ perSecond, seconds: stepSeconds })), stopAfterMissedSteps: MISSED_STEPS_TO_STOP }
}

/** The highest step the server kept up with. */
export function sustainedStep(outcome: RelayOutcome): StepOutcome | undefined {
  return outcome.steps.filter((step) => step.kept).at(-1)
}

/** The first rate past the sustained one: where to profile the server. */
export function breakingRate(outcome: RelayOutcome): number | undefined {
  const sustained = sustainedStep(outcome)?.offered ?? 0
  return outcome.steps.find((step) => step.offered > sustained)?.offered
}

/** Latency side by side at the highest rate both kept up with. */
function p99AtCommonRate(parley: RelayOutcome, socketIo: RelayOutcome): string[][] {
  const both = parley.steps.filter((step) => step.kept && socketIo.steps.some((other) => other.kept && other.offered === step.offered)).at(-1)
  const other = both && socketIo.steps.find((step) => step.offered === both.offered)
  if (!both || !other) return []
  return [[`p99 at ${count(both.offered)} round trips/s, the highest rate both kept up with`, ms(both.latency.p99), ms(other.latency.p99), '']]
}

const peak = (outcome: RelayOutcome) => Math.max(0, ...outcome.steps.map((step) => step.deliveredPerSecond))

function stepTable(outcome: RelayOutcome): string {
  return table(['offered/s', 'delivered/s', 'p50', 'p99', 'max', 'unanswered', 'errors', 'server CPU', 'generator CPU', 'kept up'], outcome.steps.map((step) => [
    count(step.offered), count(step.deliveredPerSecond), ms(step.latency.p50), ms(step.latency.p99), ms(step.latency.max),
    count(step.unanswered), count(step.errors), `${step.server.cpuPercent.toFixed(0)} %`, `${step.generatorCpu.toFixed(0)} %`, step.kept ? 'yes' : 'no',
  ]))
}

export function rampReport(plan: RelayPlan, { parley, socketIo }: RelayComparison, load: number): string {
  const parleyKept = sustainedStep(parley)
  const socketKept = sustainedStep(socketIo)
  const sustained = (step: StepOutcome | undefined) => (step ? `${count(step.offered)} round trips/s` : 'none')
  const ratio = parleyKept && socketKept ? parleyKept.offered / socketKept.offered : 0
  const stepIndex = (o: RelayOutcome) => o.steps.indexOf(sustainedStep(o)!) // −1, shown as —, when none was kept up with
  return [
    `## Load: the highest rate ${count(plan.visitors)} visitors can be served (\`npm run bench -- ramp\`)`,
    '',
    wrap(`${dateAndMachine(load)} ${count(plan.visitors)} visitors; the total rate climbs through
      ${RATES.map(count).join(', ')} round trips/s, ${plan.steps[0]!.seconds} s a step, and stops once the server
      has fallen behind in ${MISSED_STEPS_TO_STOP} steps in a row. A step is kept up with when round trips delivered during it reach
      ${KEPT_UP.deliveredShare * 100} % of those offered, p99 stays under ${KEPT_UP.p99Ms} ms, and no message
      is lost or refused. ${describeRelay(plan)}`),
    '',
    table(['measure', 'Parley', 'socket.io', 'Parley ÷ socket.io'], [
      ['**sustained durable throughput**', `**${sustained(parleyKept)}**`, `**${sustained(socketKept)}**`, ratio ? `${ratio.toFixed(2)}×` : '—'],
      ['peak delivered, any step', `${count(peak(parley))} round trips/s`, `${count(peak(socketIo))} round trips/s`, `${(peak(parley) / Math.max(1, peak(socketIo))).toFixed(2)}×`],
      ['messages stored per second at the sustained rate (2 per round trip)', parleyKept ? count(2 * parleyKept.offered) : '—', socketKept ? count(2 * socketKept.offered) : '—', ''],
      ...p99AtCommonRate(parley, socketIo),
    ]),
    '',
    'At each server\'s sustained rate:',
    '',
    table(['measure', 'Parley', 'socket.io'], relayRows([parley, socketIo], stepIndex)),
    '',
    table(['target (from the issue)', 'result', 'met'], [[`sustained durable throughput at least ${TARGET_RATIO}× the socket.io baseline's`, ratio ? `${ratio.toFixed(2)}×` : '—', yesNo(ratio >= TARGET_RATIO)]]),
    '',
    'Every step, Parley:',
    '',
    stepTable(parley),
    '',
    'Every step, socket.io:',
    '',
    stepTable(socketIo),
    '',
  ].join('\n')
}

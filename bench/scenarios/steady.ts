/**
 * Visitors writing at a steady, ordinary pace (one message a second each) for a minute:
 * round-trip latency and what it costs each server. Over WebSocket (`steady`) and with every
 * visitor on long polling (`polling`); agents are on WebSocket in both.
 */
import type { VisitorTransport } from '../load/chat-driver.js'
import type { RelayOutcome, RelayPlan } from '../load/relay-scenario.js'
import { count, dateAndMachine, mb, ms, table, wrap, yesNo } from '../results-file.js'
import { parleyBuild } from '../load/servers.js'
import type { RelayComparison } from './compare-relay.js'

export const AGENTS = 10

export function steadyPlan(visitors: number, seconds: number, transport: VisitorTransport): RelayPlan {
  return { visitors, agents: AGENTS, transport, steps: [{ perSecond: visitors, seconds }] }
}

/** The rows every relay scenario prints, one column per server. */
export function relayRows(outcomes: RelayOutcome[], stepOf: (outcome: RelayOutcome) => number = () => 0): string[][] {
  const step = (o: RelayOutcome) => o.steps[stepOf(o)]
  const cell = (render: (o: RelayOutcome, s: NonNullable<ReturnType<typeof step>>) => string) => outcomes.map((o) => {
    const s = step(o)
    return s ? render(o, s) : '—'
  })
  const errors = (o: RelayOutcome) => Object.entries(o.errorReasons).map(([reason, n]) => `${n} ${reason}`).join(', ')
  return [
    ['visitors connected (failed)', ...outcomes.map((o) => `${count(o.visitors.connected)} (${o.visitors.failed})`)],
    ['round trips per second, delivered', ...cell((_, s) => `${count(s.deliveredPerSecond)} of ${count(s.offered)} offered`)],
    ['round trip p50', ...cell((_, s) => ms(s.latency.p50))],
    ['round trip p95', ...cell((_, s) => ms(s.latency.p95))],
    ['**round trip p99**', ...cell((_, s) => `**${ms(s.latency.p99)}**`)],
    ['round trip max', ...cell((_, s) => ms(s.latency.max))],
    ['unanswered after the run', ...cell((_, s) => count(s.unanswered))],
    ['errors (whole run)', ...outcomes.map((o) => errors(o) || '0')],
    ['server CPU, % of one core', ...cell((_, s) => `${s.server.cpuPercent.toFixed(0)} %`)],
    ['server RSS, mean (peak)', ...cell((_, s) => `${mb(s.server.rssMean)} (${mb(s.server.rssPeak)})`)],
    ['generator CPU, % of one core', ...cell((_, s) => `${s.generatorCpu.toFixed(0)} %`)],
    ['machine\'s 1-minute load average as the run began', ...outcomes.map((o) => o.loadAtStart.toFixed(1))],
  ]
}

export function describeRelay(plan: RelayPlan): string {
  return `${AGENTS} agents, each the only agent of one site, with capacity 100; visitor i visits site
    i mod ${AGENTS}. Each server runs in its own child process on 127.0.0.1 with a fresh database, one
    after the other: Parley from ${parleyBuild()} (\`dist/server/cli.js serve\`, SQLite, logs at \`warn\`, the
    per-connection frame rate limit raised to 100,000/s since one echo-bot agent answers a hundred
    chats), then the socket.io baseline (\`bench/baseline/\`: socket.io 4 and better-sqlite3 with
    Parley's SQLite settings, WAL and synchronous=FULL; each message committed before it is
    acknowledged or delivered). The difference in how they store: Parley commits the writes of
    one event-loop turn together (its group commit), the baseline each message on its own, as a
    plain better-sqlite3 program does. Every agent is an echo bot answering each visitor message of its
    chats; a round trip is visitor send → stored → agent receives → agent answers → stored →
    visitor receives (two messages stored and delivered). Visitors connect over
    ${plan.transport === 'polling' ? 'long polling (Parley: the widget\'s own polling client from `client/`, over node:http; socket.io: its `polling` transport, over node:http too)' : 'WebSocket'},
    agents over WebSocket. Each visitor first writes one message (opening and assigning its
    conversation, not measured); then visitors write in turn at an even total rate, whatever the
    answers (an open loop). CPU and RSS of the server process are read from /proc every 250 ms.`
}

export function steadyReport(heading: string, plan: RelayPlan, { parley, socketIo }: RelayComparison, load: number, p99TargetMs?: number): string {
  const step = plan.steps[0]!
  const p99 = parley.steps[0]?.latency.p99 ?? Infinity
  return [
    heading,
    '',
    wrap(`${dateAndMachine(load)} ${count(plan.visitors)} visitors × 1 message/s for ${step.seconds} s (${count(step.perSecond)}
      round trips/s offered). ${describeRelay(plan)}`),
    '',
    table(['measure', 'Parley', 'socket.io'], relayRows([parley, socketIo])),
    '',
    ...(p99TargetMs === undefined ? [] : [
      table(['target (from the issue)', 'result', 'met'], [[`p99 round trip under ${p99TargetMs} ms at ${count(plan.visitors)} visitors × 1 msg/s`, ms(p99), yesNo(p99 < p99TargetMs)]]),
      '',
    ]),
  ].join('\n')
}

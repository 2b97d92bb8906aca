/**
 * The relay under load, the same for every server: A agents and V visitors connect; each
 * visitor writes once so that every conversation is open and assigned (not measured); then,
 * step by step, visitors write at a fixed total rate, taking turns so that each writes at an
 * even pace (an open loop: a slow server gets no respite). Every agent is an echo bot that
 * answers each visitor message of its chats with the same text, so a round trip is
 * visitor send → stored → agent receives → agent answers → stored → visitor receives.
 *
 * Bounded: connections have a time limit each and together, every step its length, the
 * drain at the end 15 s; a ramp stops once the server has fallen behind in two steps in a row.
 */
import os from 'node:os'
import type { AgentLink, ChatDriver, VisitorLink, VisitorTransport } from './chat-driver.js'
import { connectAll } from './connect-all.js'
import { createLatencyRecorder, type LatencyRecorder, type LatencySummary } from './latency.js'
import { watchOwnCpu, watchProcess, type ProcessWindow } from './process-sampler.js'

export interface RateStep {
  /** Visitor messages per second, all visitors together. */
  perSecond: number
  seconds: number
}

export interface RelayPlan {
  visitors: number
  agents: number
  transport: VisitorTransport
  steps: RateStep[]
  /** Ends a ramp once the server has fallen behind in this many steps in a row. */
  stopAfterMissedSteps?: number
}

export interface StepOutcome {
  offered: number
  seconds: number
  sent: number
  /** Round trips completed during the step (whenever their message was sent), per second. */
  deliveredPerSecond: number
  /** Of the messages sent during the step. */
  latency: LatencySummary
  /** Messages of the step never answered, even after the drain. */
  unanswered: number
  errors: number
  server: ProcessWindow
  /** The generator's own CPU: near 100 % would make it, not the server, the limit. */
  generatorCpu: number
  /** Kept up: delivered ≥ 95 % of the offered rate, p99 ≤ 500 ms, nothing lost, no error. */
  kept: boolean
}

export interface RelayOutcome {
  server: string
  /** The machine's 1-minute load average as this server's run began: other work slows every figure. */
  loadAtStart: number
  transport: VisitorTransport
  visitors: { connected: number; failed: number; seconds: number; reasons: string[] }
  agents: { connected: number; failed: number }
  /** Server RSS before any client and with every client connected (and welcomed), averaged. */
  steps: StepOutcome[]
  errorReasons: Record<string, number>
}

export const KEPT_UP = { deliveredShare: 0.95, p99Ms: 500 }
const WARM_UP_TIMEOUT_MS = 60_000
const DRAIN_MS = 15_000
const TICK_MS = 5
/** A typical chat line; the first word is the message's key, which the echo bot sends back. */
const FILLER = 'Hello! I ordered a blue jacket last week and it has not arrived yet. Could you check?'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface InFlight {
  at: number
  /** Index of the step it was sent in; −1 for the warm-up. */
  step: number
}

export async function runRelayScenario(driver: ChatDriver, server: { pid: number }, plan: RelayPlan): Promise<RelayOutcome> {
  const inFlight = new Map<string, InFlight>()
  const recorders: LatencyRecorder[] = plan.steps.map(() => createLatencyRecorder())
  const errorReasons: Record<string, number> = {}
  let errorsNow = 0
  let repliesNow = 0
  const noteError = (reason: string) => {
    errorReasons[reason] = (errorReasons[reason] ?? 0) + 1
    errorsNow += 1
  }

  const loadAtStart = os.loadavg()[0]!

  // Agents first, so that every conversation has someone to go to.
  const agentLinks: (AgentLink | undefined)[] = []
  const agents = await connectAll(plan.agents, async (index) => {
    const link = await driver.connectAgent(index, {
      visitorMessage: (conversation, text) => agentLinks[index]?.reply(conversation, text),
      error: noteError,
    })
    agentLinks[index] = link
    return link
  }, { concurrency: 5, label: `${driver.name} agents` })
  if (agents.links.length === 0) throw new Error(`${driver.name}: no agent could connect: ${agents.reasons.join('; ')}`)

  const visitors = await connectAll(plan.visitors, (index) => driver.connectVisitor(index, plan.transport, {
    reply(text) {
      const key = text.slice(0, text.indexOf(' '))
      const sent = inFlight.get(key)
      // Not in flight: a late answer to the warm-up, or a repeat; neither is timed.
      if (!sent) return
      inFlight.delete(key)
      repliesNow += 1
      if (sent.step >= 0) recorders[sent.step]!.add(performance.now() - sent.at)
    },
    error: noteError,
  }), { label: `${driver.name} visitors (${plan.transport})` })
  const links: VisitorLink[] = visitors.links
  console.log(`  ${driver.name}: ${agents.links.length} agents, ${links.length} visitors connected in ${visitors.seconds.toFixed(1)} s (${visitors.failures} failed${visitors.reasons[0] ? `: ${visitors.reasons[0]}` : ''})`)

  const counters = new Array<number>(links.length).fill(0)
  const sendFrom = (visitor: number, step: number) => {
    const key = `${visitor}.${++counters[visitor]!}`
    inFlight.set(key, { at: performance.now(), step })
    links[visitor]!.send(`${key} ${FILLER}`)
  }

  // Warm-up: one message each, in small batches, opens and assigns every conversation.
  for (let visitor = 0; visitor < links.length; visitor++) {
    sendFrom(visitor, -1)
    if (visitor % 50 === 49) await sleep(50)
  }
  const warmDeadline = Date.now() + WARM_UP_TIMEOUT_MS
  while (inFlight.size > 0 && Date.now() < warmDeadline) await sleep(100)
  if (inFlight.size > 0) console.log(`  ${driver.name}: ${inFlight.size} warm-up messages unanswered after ${WARM_UP_TIMEOUT_MS / 1000} s`)
  inFlight.clear()
  await sleep(1000)

  const serverCpu = watchProcess(server.pid)
  const ownCpu = watchOwnCpu()
  const measured: Omit<StepOutcome, 'latency' | 'unanswered' | 'kept'>[] = []
  let cursor = 0
  let missedInARow = 0
  for (const [index, step] of plan.steps.entries()) {
    serverCpu.window()
    ownCpu()
    errorsNow = 0
    repliesNow = 0
    const total = Math.floor(step.seconds * step.perSecond)
    let sent = 0
    const started = performance.now()
    await new Promise<void>((resolve) => {
      const timer = setInterval(function sendWhatIsDue() {
        const elapsed = performance.now() - started
        const due = Math.min(total, Math.floor((elapsed / 1000) * step.perSecond))
        for (; sent < due && links.length > 0; sent++) {
          sendFrom(cursor, index)
          cursor = (cursor + 1) % links.length
        }
        if (elapsed >= step.seconds * 1000) {
          clearInterval(timer)
          resolve()
        }
      }, TICK_MS)
    })
    const seconds = (performance.now() - started) / 1000
    const outcome = { offered: step.perSecond, seconds, sent, deliveredPerSecond: repliesNow / seconds, errors: errorsNow, server: serverCpu.window(), generatorCpu: ownCpu() }
    measured.push(outcome)
    const backlog = [...inFlight.values()].filter((message) => message.step === index).length
    const p99 = recorders[index]!.summary().p99
    console.log(`  ${driver.name} ${step.perSecond}/s: ${outcome.deliveredPerSecond.toFixed(0)} round trips/s, p99 ${p99.toFixed(1)} ms so far, backlog ${backlog}, ${outcome.errors} errors, server CPU ${outcome.server.cpuPercent.toFixed(0)} %, generator CPU ${outcome.generatorCpu.toFixed(0)} %`)
    const fellBehind = outcome.deliveredPerSecond < KEPT_UP.deliveredShare * step.perSecond || backlog > step.perSecond || p99 > KEPT_UP.p99Ms
    missedInARow = fellBehind ? missedInARow + 1 : 0
    if (plan.stopAfterMissedSteps !== undefined && missedInARow >= plan.stopAfterMissedSteps) break
  }
  serverCpu.stop()

  const drainDeadline = Date.now() + DRAIN_MS
  while (inFlight.size > 0 && Date.now() < drainDeadline) await sleep(100)
  const unanswered = measured.map(() => 0)
  for (const message of inFlight.values()) if (message.step >= 0) unanswered[message.step]! += 1

  for (const link of links) link.close()
  for (const link of agents.links) link.close()
  await sleep(500)

  const steps = measured.map((step, index) => {
    const latency = recorders[index]!.summary()
    const kept = step.deliveredPerSecond >= KEPT_UP.deliveredShare * step.offered && latency.p99 <= KEPT_UP.p99Ms && unanswered[index] === 0 && step.errors === 0
    return { ...step, latency, unanswered: unanswered[index]!, kept }
  })
  return {
    server: driver.name,
    loadAtStart,
    transport: plan.transport,
    visitors: { connected: links.length, failed: visitors.failures, seconds: visitors.seconds, reasons: visitors.reasons },
    agents: { connected: agents.links.length, failed: agents.failures },
    steps,
    errorReasons,
  }
}

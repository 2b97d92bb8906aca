/**
 * One relay plan against Parley, then against the socket.io baseline, each on a fresh
 * database in a temporary folder and in its own child process, one after the other so that
 * they never share the machine.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parleyDriver } from '../load/parley-driver.js'
import { runRelayScenario, type RelayOutcome, type RelayPlan } from '../load/relay-scenario.js'
import { prepareParleyDatabase, startParley, startSocketIoBaseline } from '../load/servers.js'
import { socketIoDriver } from '../load/socketio-driver.js'

export interface RelayComparison {
  parley: RelayOutcome
  socketIo: RelayOutcome
}

/** Sites: one per agent, in both servers (see prepareParleyDatabase). */
export async function runParleyRelay(plan: RelayPlan, nodeFlags: string[] = []): Promise<RelayOutcome> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-relay-'))
  try {
    const database = await prepareParleyDatabase(dir, plan.agents)
    const server = await startParley(database.databaseUrl, nodeFlags)
    try {
      return await runRelayScenario(parleyDriver({ url: server.url, siteKeys: database.siteKeys, agents: database.agents }), server, plan)
    } finally {
      await server.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export async function runSocketIoRelay(plan: RelayPlan): Promise<RelayOutcome> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-socketio-'))
  try {
    const server = await startSocketIoBaseline(dir)
    try {
      return await runRelayScenario(socketIoDriver({ url: server.url, sites: plan.agents }), server, plan)
    } finally {
      await server.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** `settle` runs between the two servers' turns (waiting for a quiet machine, say). */
export async function compareRelay(plan: RelayPlan, settle: () => Promise<unknown> = async () => {}): Promise<RelayComparison> {
  const parley = await runParleyRelay(plan)
  await settle()
  const socketIo = await runSocketIoRelay(plan)
  return { parley, socketIo }
}

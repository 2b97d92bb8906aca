/**
 * Where a server spent its CPU: a `.cpuprofile` (written by `node --cpu-prof`) folded into
 * self time per function and per area (Parley's own folders, each package, Node's internals,
 * the garbage collector). Self time is what a function did itself, callees excluded: the
 * places to look at first.
 */
import { readFile } from 'node:fs/promises'
import { areaOf, shortenUrl } from './code-location.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface SelfTime {
  name: string
  /** Path or package and line, shortened. */
  where: string
  ms: number
  /** Of the busy time (idle excluded). */
  percent: number
}

export interface ProfileSummary {
  busyMs: number
  idleMs: number
  functions: SelfTime[]
  areas: SelfTime[]
}

export async function summariseCpuProfile(file: string, root: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfByNode = new Map<number, number>()
  profile.samples.forEach((id, i) => selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000))

  const functions = new Map<string, SelfTime>()
  const areas = new Map<string, SelfTime>()
  let idleMs = 0
  let busyMs = 0
  for (const [id, ms] of selfByNode) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame
    if (functionName === '(idle)') {
      idleMs += ms
      continue
    }
    busyMs += ms
    const path = shortenUrl(url, root)
    const name = functionName || '(anonymous)'
    const where = path ? `${path}:${lineNumber + 1}` : ''
    const key = `${name} ${where}`
    const entry = functions.get(key) ?? { name, where, ms: 0, percent: 0 }
    entry.ms += ms
    functions.set(key, entry)
    const area = areaOf(path, name)
    const areaEntry = areas.get(area) ?? { name: area, where: '', ms: 0, percent: 0 }
    areaEntry.ms += ms
    areas.set(area, areaEntry)
  }
  const ranked = (entries: Iterable<SelfTime>) =>
    [...entries].sort((a, b) => b.ms - a.ms).slice(0, top).map((entry) => ({ ...entry, percent: (entry.ms / busyMs) * 100 }))
  return { busyMs, idleMs, functions: ranked(functions.values()), areas: ranked(areas.values()) }
}

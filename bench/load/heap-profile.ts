/**
 * Where the memory of idle connections is kept: a sampling heap profile (allocations still
 * alive after a full GC) folded two ways. By allocation site: the function that made the
 * object. By Parley's code: the nearest frame of Parley's own build on the allocation's stack,
 * so that what `ws`, Hono or Node allocate on Parley's behalf is charged to the Parley code
 * that asked for it.
 */
import { areaOf, isParleyCode, shortenUrl } from './code-location.js'
import type { SamplingHeapNode, SamplingHeapProfile } from './inspector-heap.js'

export interface LiveBytes {
  name: string
  where: string
  bytes: number
}

export interface HeapSummary {
  totalBytes: number
  sites: LiveBytes[]
  areas: LiveBytes[]
  parleyCallers: LiveBytes[]
}

export function summariseHeapProfile(profile: SamplingHeapProfile, root: string, top = 15): HeapSummary {
  const sites = new Map<string, LiveBytes>()
  const areas = new Map<string, LiveBytes>()
  const callers = new Map<string, LiveBytes>()
  let totalBytes = 0
  const add = (table: Map<string, LiveBytes>, name: string, where: string, bytes: number) => {
    const key = `${name} ${where}`
    const entry = table.get(key) ?? { name, where, bytes: 0 }
    entry.bytes += bytes
    table.set(key, entry)
  }
  // Iterative, with the nearest Parley frame carried down: allocation stacks can be deep.
  const stack: { node: SamplingHeapNode; parley?: LiveBytes }[] = [{ node: profile.head }]
  while (stack.length > 0) {
    const { node, parley } = stack.pop()!
    const { functionName, url, lineNumber } = node.callFrame
    const path = shortenUrl(url, root)
    const name = functionName || '(anonymous)'
    const where = path ? `${path}:${lineNumber + 1}` : ''
    const nearestParley = isParleyCode(path) ? { name, where, bytes: 0 } : parley
    if (node.selfSize > 0) {
      totalBytes += node.selfSize
      add(sites, name, where, node.selfSize)
      add(areas, areaOf(path, name), '', node.selfSize)
      add(callers, nearestParley?.name ?? '(no Parley frame)', nearestParley?.where ?? '', node.selfSize)
    }
    for (const child of node.children) stack.push({ node: child, parley: nearestParley })
  }
  const ranked = (table: Map<string, LiveBytes>) => [...table.values()].sort((a, b) => b.bytes - a.bytes).slice(0, top)
  return { totalBytes, sites: ranked(sites), areas: ranked(areas), parleyCallers: ranked(callers) }
}

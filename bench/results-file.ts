/**
 * bench/RESULTS.md, section by section: each bench replaces its own `## ` section (found by
 * its heading) and leaves the others as they are, so that one scenario can be run again alone.
 */
import { readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url))

/** Replaces the section under the same heading, or adds it at the end. */
export async function writeSection(section: string) {
  const heading = section.slice(0, section.indexOf('\n'))
  const current = await readFile(RESULTS, 'utf8')
  const at = current.indexOf(`\n${heading}\n`)
  if (at === -1) {
    await writeFile(RESULTS, `${current.trimEnd()}\n\n${section.trimEnd()}\n`)
    return
  }
  const next = current.indexOf('\n## ', at + heading.length + 1)
  await writeFile(RESULTS, `${current.slice(0, at + 1)}${section.trimEnd()}\n${next === -1 ? '' : `\n${current.slice(next + 1)}`}`)
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU'
  } catch {
    return os.cpus()[0]?.model.trim() ?? 'unknown CPU'
  }
}

/**
 * Today's date and the machine, in one sentence, with how busy it was: other work on the
 * machine slows every figure down.
 */
export function dateAndMachine(loadAtStart: number): string {
  const cores = os.availableParallelism()
  return `${new Date().toISOString().slice(0, 10)}, ${cores} cores (\`nproc\`), ${cpuModel()}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, ` +
    `${os.type()} ${os.release()}, Node ${process.versions.node}; 1-minute load average ${loadAtStart.toFixed(1)} as the scenario began` +
    `${loadAtStart > cores / 2 ? ' (the machine was busy with other work)' : ''}.`
}

/** Joins words into lines of at most `width` characters, as the rest of RESULTS.md is written. */
export function wrap(text: string, width = 96): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return [...lines, ...(line ? [line] : [])].join('\n')
}

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((cells) => `| ${cells.join(' | ')} |`)].join('\n')
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`
export const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`
export const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en')} ms`
export const count = (value: number) => Math.round(value).toLocaleString('en')
export const yesNo = (met: boolean) => (met ? 'yes' : '**no**')

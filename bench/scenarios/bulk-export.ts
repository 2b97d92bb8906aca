/**
 * The bulk export of a million messages is its own bench (bench/export.ts, which writes its
 * own section of RESULTS.md); the runner starts it as a child process, bounded in time.
 */
import { spawn } from 'node:child_process'
import { ROOT } from '../load/servers.js'

const TIME_LIMIT_MS = 12 * 60_000

export function runBulkExport(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/export.ts'], { cwd: ROOT, stdio: 'inherit' })
    const timer = setTimeout(() => child.kill('SIGKILL'), TIME_LIMIT_MS)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new Error(`bench/export.ts ended with ${signal ?? `code ${code}`}`))
    })
  })
}

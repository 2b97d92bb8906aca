/**
 * Parley in processes of its own, as an operator runs it: a command run to its end, or a node
 * (`parley serve`) for tests of several nodes and of a node killed outright.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** The environment of a child, without any setting of the test runner's own. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(PARLEY_|PORT$|HOST$|PUBLIC_URL$|DATABASE_URL$|LOG_LEVEL$|REDIS_)/.test(name)) env[name] = value
  }
  return env
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `parley ARGS` to its end, as an operator would; a run longer than `timeoutMs` is killed and fails. */
export function runParley(args: string[], timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { cwd: root, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`parley ${args.join(' ')} did not finish in ${timeoutMs} ms`))
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

export interface ParleyProcess {
  url: string
  child: ChildProcess
  /** What the node logged, one JSON line each. */
  log: string[]
  /** Ends the node with SIGKILL: no goodbye, no cleanup. */
  kill(): Promise<void>
  /** Ends the node with SIGTERM, as an orderly restart would. */
  stop(): Promise<void>
}

/** Starts `parley serve` on a port of the OS's choosing, with these settings (environment variable names). */
export async function startParleyProcess(settings: Record<string, string>, timeoutMs = 20_000): Promise<ParleyProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'serve'], {
    cwd: root,
    env: { ...cleanEnv(), HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const log: string[] = []
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`parley serve did not listen within ${timeoutMs} ms: ${stderr}`)), timeoutMs)
    void exited.then(() => reject(new Error(`parley serve exited (${child.exitCode}): ${stderr}\n${log.join('\n')}`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.push(line)
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string }
        if (entry.msg === 'parley is listening' && entry.url) {
          clearTimeout(timer)
          resolve(entry.url)
        }
      } catch {
        // not a log line: kept in `log` for failure messages
      }
    })
  })

  async function end(signal: NodeJS.Signals) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  return { url, child, log, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') }
}

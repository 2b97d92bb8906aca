/**
 * A server under test, in a child process of its own: its CPU and memory are then its own
 * (read from /proc), and the generator's work does not count against it. Listens on
 * 127.0.0.1 only, and is stopped by SIGTERM (then SIGKILL) whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'

export interface ServerProcess {
  name: string
  pid: number
  url: string
  /** The child's inspector, when it was started with `--inspect=127.0.0.1:0`. */
  inspectorUrl?: string
  /** What the child wrote last (stdout and stderr), for error messages. */
  output(): string
  stop(): Promise<void>
}

export interface ServerCommand {
  name: string
  /** Flags for node itself (`--cpu-prof`, `--inspect=127.0.0.1:0`, `--import tsx`). */
  nodeFlags?: string[]
  /** The script and its arguments; `{port}` is replaced by the port chosen. */
  args: string[]
  cwd: string
  env?: NodeJS.ProcessEnv
  startTimeoutMs?: number
}

const OUTPUT_KEPT = 8 * 1024

// A bench that ends early (an error, Ctrl-C, its time limit) must not leave servers behind.
const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})
// Node ends on these without 'exit' unless a listener turns them into an exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))

/** A port free right now on 127.0.0.1 (the child takes it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function startServer(command: ServerCommand): Promise<ServerProcess> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, [...(command.nodeFlags ?? []), ...command.args.map((arg) => arg.replaceAll('{port}', String(port)))], {
    cwd: command.cwd,
    env: { ...process.env, ...command.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let output = ''
  let inspectorUrl: string | undefined
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT)
    inspectorUrl ??= /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1]
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let hasExited = false
  void exited.then(() => {
    hasExited = true
    running.delete(child)
  })

  const stop = async () => {
    if (hasExited) return
    child.kill('SIGTERM')
    const forced = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(forced)
  }

  const deadline = Date.now() + (command.startTimeoutMs ?? 30_000)
  for (;;) {
    if (hasExited) throw new Error(`${command.name} exited before it was ready:\n${output}`)
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${command.name} was not ready in time:\n${output}`)
    }
    const ready = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false)
    if (ready && (!command.nodeFlags?.some((flag) => flag.startsWith('--inspect')) || inspectorUrl)) break
    await sleep(100)
  }
  return { name: command.name, pid: child.pid!, url, inspectorUrl, output: () => output, stop }
}

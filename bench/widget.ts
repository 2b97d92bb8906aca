/**
 * The widget's budgets, measured: bytes (gzip, brotli) of the loader and the panel, the time
 * from the script starting to execute to the launcher being visible on a local page, and the
 * long tasks (over 50 ms) on the host page while the widget loads, connects and prefetches.
 *
 *   npm run build && npx tsx bench/widget.ts
 *
 * Runs a real Parley server and a host page on 127.0.0.1 only, in Debian's Chromium, a
 * bounded number of times, and prints a Markdown table for bench/RESULTS.md.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { createSite } from '../server/admin/admin-actions.js'
import { loadConfig } from '../server/config.js'
import { createLogger } from '../server/ops/logger.js'
import { startParley } from '../server/parley-server.js'
import { openStore } from '../server/store/open-store.js'
import { measureWidgetSizes } from './widget-size.js'

const RUNS = 15
const BUDGET = { loaderGzip: 6 * 1024, totalGzip: 25 * 1024, launcherMs: 150, longTaskMs: 50 }

async function timings() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-'))
  const config = loadConfig({}, { port: '0', 'database-url': `sqlite:${path.join(dir, 'bench.db')}`, 'log-level': 'silent', 'sqlite-synchronous': 'normal' })
  const parley = await startParley(config, { store: await openStore(config.databaseUrl), logger: createLogger('silent') })
  const host = http.createServer()
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`
  const site = await createSite(parley.store, { name: 'Bench', allowedOrigins: [origin] })
  // Each page records long tasks from its first script on. The widget's own page is compared
  // with the same page without the widget, so the browser's own start-up work is not counted
  // against the widget.
  const page = (withWidget: boolean) => `<!doctype html><html><head><title>Host</title><script>
    window.__longTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration) }).observe({ type: 'longtask', buffered: true });
    </script></head><body><h1>A host page</h1><p>Some text.</p>
    ${withWidget ? `<script src="${parley.url}/widget.js" data-site="${site.key}" async></script>` : ''}</body></html>`
  host.on('request', (request, response) => response.writeHead(200, { 'Content-Type': 'text/html' }).end(page(request.url !== '/plain')))

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
  const launcherMs: number[] = []
  const longTasks: number[] = []
  const controlLongTasks: number[] = []
  try {
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext()
      const control = await context.newPage()
      await control.goto(`${origin}/plain`)
      await control.waitForTimeout(1500)
      controlLongTasks.push(...(await control.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks)))
      const tab = await context.newPage()
      await tab.goto(origin)
      await tab.waitForFunction(() => {
        const button = document.querySelector('parley-chat')?.shadowRoot?.querySelector('.launcher')
        if (!button || button.getBoundingClientRect().width === 0) return false
        ;(window as unknown as { __launcherAt?: number }).__launcherAt ??= performance.now()
        return true
      }, undefined, { polling: 'raf', timeout: 10_000 })
      // The script executes as soon as it has arrived: its resource entry's end is that moment.
      const measured = await tab.evaluate(() => {
        const script = performance.getEntriesByType('resource').find((entry) => entry.name.endsWith('/widget.js'))!
        return (window as unknown as { __launcherAt: number }).__launcherAt - (script as PerformanceResourceTiming).responseEnd
      })
      launcherMs.push(measured)
      // Let it go idle, connect and prefetch the panel, then collect the long tasks seen.
      await tab.waitForTimeout(3000)
      longTasks.push(...(await tab.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks)))
      await context.close()
    }
  } finally {
    await browser.close()
    host.close()
    await parley.stop()
    await rm(dir, { recursive: true, force: true })
  }
  return { launcherMs, longTasks, controlLongTasks }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`

const size = await measureWidgetSizes()
const debug = process.env.BENCH_DEBUG !== undefined
const time = await timings()
if (debug) console.error(time)
const totalGzip = size.loader.gzip + size.panel.gzip
const worstTask = Math.max(0, ...time.longTasks)
const rows = [
  ['loader `widget.js`, gzip', kb(size.loader.gzip), `≤ ${kb(BUDGET.loaderGzip)}`, size.loader.gzip <= BUDGET.loaderGzip],
  ['loader, brotli', kb(size.loader.brotli), '', true],
  ['panel, gzip (Preact included)', kb(size.panel.gzip), '', true],
  ['loader + panel, gzip', kb(totalGzip), `≤ ${kb(BUDGET.totalGzip)}`, totalGzip <= BUDGET.totalGzip],
  ['loader + panel, brotli', kb(size.loader.brotli + size.panel.brotli), '', true],
  [`launcher visible after script start, median of ${RUNS}`, `${percentile(time.launcherMs, 50).toFixed(1)} ms`, `≤ ${BUDGET.launcherMs} ms`, percentile(time.launcherMs, 50) <= BUDGET.launcherMs],
  ['launcher visible, worst run', `${Math.max(...time.launcherMs).toFixed(1)} ms`, `≤ ${BUDGET.launcherMs} ms`, Math.max(...time.launcherMs) <= BUDGET.launcherMs],
  [`long tasks on the page with the widget (${RUNS} loads)`, `${time.longTasks.length}, longest ${worstTask.toFixed(0)} ms`, `none over ${BUDGET.longTaskMs} ms caused by the widget`, time.longTasks.length <= time.controlLongTasks.length],
  [`long tasks on the same page without it (${RUNS} loads)`, `${time.controlLongTasks.length}, longest ${Math.max(0, ...time.controlLongTasks).toFixed(0)} ms`, '', true],
] as const
console.log(`| measure | result | budget | met |\n|---|---|---|---|`)
for (const [what, result, budget, met] of rows) console.log(`| ${what} | ${result} | ${budget} | ${budget ? (met ? 'yes' : '**no**') : ''} |`)

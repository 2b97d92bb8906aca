/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), and a host page
 * server on its own origin, as a customer's website would be.
 */
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser } from 'playwright-core'

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
}

export interface HostPage {
  html: string
  headers?: Record<string, string>
}

/** Serves `pages[path]` on 127.0.0.1 at a port of its own: a different origin from Parley's. */
export async function startHostSite(pages: Record<string, HostPage>) {
  const server = http.createServer((request, response) => {
    const page = pages[new URL(request.url ?? '/', 'http://host').pathname]
    if (!page) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...page.headers })
    response.end(page.html)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    pages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The embed snippet, as a site owner pastes it. */
export const snippet = (parleyUrl: string, siteKey: string, extra = '') =>
  `<script src="${parleyUrl}/widget.js" data-site="${siteKey}" ${extra} async></script>`

/** Where screenshots go, to be looked at by eye; outside the repository. */
export const SHOTS = path.join(os.tmpdir(), 'parley-shots')

/** How long a UI step may take: generous next to what it needs locally (well under 1 s). */
export const UI_MS = 8_000

/** The install stub, as the docs give it: calls made before widget.js has loaded are queued. */
export const STUB = 'window.Parley = window.Parley || function () { (Parley.q = Parley.q || []).push(arguments) };'

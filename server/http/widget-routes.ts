/**
 * The widget's files and the demo page. `/widget.js` keeps its name (it is what site owners
 * paste), so it is cached briefly and names the current panel file; the panel files are
 * content-hashed and cached for good.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Hono } from 'hono'
import type { Store } from '../store/store.js'
import { embedSnippet } from '../admin/admin-actions.js'
import { apiError } from './errors.js'

/** dist/public, found from this file whether it runs compiled (dist/server/http) or from source (server/http). */
export function publicDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const root = here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '../../..') : path.resolve(here, '../..')
  return path.join(root, 'dist', 'public')
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

export function widgetRoutes({ store, publicUrl, dir = publicDir() }: { store: Store; publicUrl: string; dir?: string }) {
  const app = new Hono()
  const cache = new Map<string, string>()
  async function file(name: string): Promise<string | undefined> {
    if (!cache.has(name)) {
      try {
        cache.set(name, await readFile(path.join(dir, name), 'utf8'))
      } catch {
        return undefined
      }
    }
    return cache.get(name)
  }

  app.get('/widget.js', async (c) => {
    const code = await file('widget.js')
    if (code === undefined) return apiError(c, 503, 'not_built', 'the widget is not built: run npm run build')
    c.header('Content-Type', 'text/javascript; charset=utf-8')
    c.header('Cache-Control', 'public, max-age=300')
    return c.body(code)
  })

  app.get('/widget/:file{[\\w.-]+\\.js}', async (c) => {
    const code = await file(path.join('widget', c.req.param('file')))
    if (code === undefined) return apiError(c, 404, 'not_found', 'no such widget file')
    c.header('Content-Type', 'text/javascript; charset=utf-8')
    c.header('Cache-Control', 'public, max-age=31536000, immutable')
    // Loaded with import(), a cross-origin module fetch: it needs CORS. The files are public.
    c.header('Access-Control-Allow-Origin', '*')
    return c.body(code)
  })

  app.get('/demo', async (c) => {
    const sites = await store.listSites()
    const site = sites.find((s) => s.key === c.req.query('site')) ?? sites[0]
    if (!site) return apiError(c, 404, 'no_site', 'create a site first: npx parley create-site --name "My site"')
    return c.html(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley demo</title>
<link rel="stylesheet" href="/demo.css">
</head>
<body>
<main>
<h1>Parley demo</h1>
<p>This page embeds the chat widget of <strong>${escapeHtml(site.name)}</strong>. Open the chat with the button in the
corner and write; answer from the <a href="/console">agent console</a> in another window.</p>
<p>The snippet on this page, as on any site:</p>
<pre>${escapeHtml(embedSnippet(publicUrl, site))}</pre>
</main>
<script src="/widget.js" data-site="${escapeHtml(site.key)}" async></script>
</body>
</html>`)
  })

  app.get('/demo.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8')
    return c.body('body{font:16px/1.6 system-ui,sans-serif;margin:0;background:#f6f7fb;color:#1f2937}main{max-width:720px;margin:64px auto;padding:0 24px}pre{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px;white-space:pre-wrap;word-break:break-all}a{color:#3b5bdb}')
  })
  return app
}

/**
 * The agent console: an HTML shell at `/console` that loads the content-hashed bundle by its
 * current name, found in dist/public/console when asked (a rebuild needs no restart), and the
 * bundle itself, cached for good. The shell has no inline script or style, so it can send a
 * strict Content-Security-Policy; the bundle adopts its own stylesheet.
 */
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { Hono } from 'hono'
import { apiError } from './errors.js'
import { publicDir } from './widget-routes.js'

const BUNDLE = /^console-[\w-]+\.js$/

const CSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

export function consoleRoutes({ dir = path.join(publicDir(), 'console') }: { dir?: string } = {}) {
  const app = new Hono()

  async function currentBundle(): Promise<string | undefined> {
    try {
      return (await readdir(dir)).find((name) => BUNDLE.test(name))
    } catch {
      return undefined
    }
  }

  app.get('/', (c) => c.redirect('/console'))

  app.get('/console', async (c) => {
    const bundle = await currentBundle()
    if (!bundle) return apiError(c, 503, 'not_built', 'the console is not built: run npm run build')
    c.header('Content-Security-Policy', CSP)
    c.header('Cache-Control', 'no-cache')
    c.header('X-Content-Type-Options', 'nosniff')
    return c.html(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Parley console</title>
<script type="module" src="/console/${bundle}"></script>
</head>
<body>
<noscript>The Parley console needs JavaScript.</noscript>
</body>
</html>`)
  })

  app.get('/console/:file{console-[\\w-]+\\.js}', async (c) => {
    const name = c.req.param('file')
    let code: string
    try {
      code = await readFile(path.join(dir, name), 'utf8')
    } catch {
      return apiError(c, 404, 'not_found', 'no such console file')
    }
    c.header('Content-Type', 'text/javascript; charset=utf-8')
    c.header('Cache-Control', 'public, max-age=31536000, immutable')
    c.header('X-Content-Type-Options', 'nosniff')
    return c.body(code)
  })

  return app
}

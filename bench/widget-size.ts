/**
 * The widget's bytes as a visitor's browser receives them: the loader (`widget.js`, in every
 * page view) and the panel (fetched when the visitor is idle or opens the chat), raw, gzip
 * (level 9) and brotli (node:zlib's default, quality 11), from the build in dist/public.
 */
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { publicDir } from '../server/http/widget-routes.js'

export interface CompressedSize {
  raw: number
  gzip: number
  brotli: number
}

export interface WidgetSizes {
  loader: CompressedSize
  panel: CompressedSize
}

async function measure(file: string): Promise<CompressedSize> {
  const code = await readFile(file)
  return { raw: code.length, gzip: gzipSync(code, { level: 9 }).length, brotli: brotliCompressSync(code).length }
}

export async function measureWidgetSizes(dir = publicDir()): Promise<WidgetSizes> {
  const panelName = (await readdir(path.join(dir, 'widget'))).find((name) => name.startsWith('panel-'))
  if (!panelName) throw new Error(`no panel in ${dir}/widget: run \`npm run build\` first`)
  return { loader: await measure(path.join(dir, 'widget.js')), panel: await measure(path.join(dir, 'widget', panelName)) }
}

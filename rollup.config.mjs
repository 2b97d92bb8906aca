// Browser bundles. Each prints its size (raw, gzip, brotli) on every build, because every
// byte of the widget is paid for in every page view of every site that embeds it.
import { nodeResolve } from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import replace from '@rollup/plugin-replace'
import typescript from '@rollup/plugin-typescript'
import { rmSync } from 'node:fs'
import { brotliCompressSync, gzipSync } from 'node:zlib'

// Old content-hashed panel files would pile up and be served forever.
rmSync('dist/public', { recursive: true, force: true })

function reportSize() {
  return {
    name: 'report-size',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk') continue
        const code = Buffer.from(file.code)
        const kb = (n) => `${(n / 1024).toFixed(1)} KB`
        console.log(`${file.fileName}: ${kb(code.length)}, ${kb(gzipSync(code, { level: 9 }).length)} gzip, ${kb(brotliCompressSync(code).length)} brotli`)
      }
    },
  }
}

const plugins = () => [
  nodeResolve({ browser: true }),
  typescript({ tsconfig: './tsconfig.json', include: ['protocol/**', 'client/**', 'widget/**', 'console/**'], compilerOptions: { noEmit: false, declaration: false, sourceMap: false, outDir: undefined } }),
  terser({ ecma: 2020, module: true, toplevel: true, compress: { passes: 3, unsafe_arrows: true, unsafe_methods: true, pure_getters: true }, format: { comments: false } }),
  reportSize(),
]

// The loader names the panel's content-hashed file, so it is built second and told the name.
let panelFile
const rememberPanelFile = {
  name: 'remember-panel-file',
  generateBundle(_options, bundle) {
    panelFile = Object.values(bundle).find((file) => file.type === 'chunk' && file.isEntry).fileName
  },
}

export default [
  {
    // Stage 2: the chat panel with Preact, fetched when the visitor opens the chat.
    input: 'widget/panel/index.tsx',
    output: { dir: 'dist/public/widget', format: 'es', entryFileNames: 'panel-[hash].js', chunkFileNames: '[name]-[hash].js' },
    plugins: [...plugins(), rememberPanelFile],
  },
  {
    // Stage 1: widget.js, a classic script (the embed snippet is a plain <script async>).
    input: 'widget/loader.ts',
    output: { file: 'dist/public/widget.js', format: 'iife' },
    // After TypeScript, which must still see the `declare const PANEL_FILE`.
    plugins: [...plugins(), replace({ preventAssignment: true, values: { PANEL_FILE: () => JSON.stringify(panelFile) } })],
  },
  {
    // The agent console: a Preact app of its own, served at /console under its hashed name.
    input: 'console/index.tsx',
    output: { dir: 'dist/public/console', format: 'es', entryFileNames: 'console-[hash].js', chunkFileNames: '[name]-[hash].js' },
    plugins: plugins(),
  },
  {
    // The shared wire protocol on its own: proves it bundles for browsers and shows its cost.
    input: 'protocol/index.ts',
    output: { file: 'dist/public/protocol.js', format: 'es' },
    plugins: plugins(),
  },
  {
    // The connection library the widget and console share, to keep an eye on what it costs.
    input: 'client/index.ts',
    output: { file: 'dist/public/client.js', format: 'es' },
    plugins: plugins(),
  },
]

// Browser bundles. Each prints its size (raw, gzip, brotli) on every build, because every
// byte of the widget is paid for in every page view of every site that embeds it.
import { nodeResolve } from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'
import { brotliCompressSync, gzipSync } from 'node:zlib'

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
  terser({ ecma: 2020, module: true, compress: { passes: 2 } }),
  reportSize(),
]

export default [
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

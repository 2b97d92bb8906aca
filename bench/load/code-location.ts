/**
 * Names for where code lives, as profiles report it (a URL and a line): shortened to a path
 * inside the project or a package, and grouped into areas (Parley's folders in the build, each
 * package, Node's internals, V8's own entries such as `(garbage collector)`).
 */

/** `file:///…/node_modules/hono/dist/…` → `hono/dist/…`; Parley's build → `dist/server/…`. */
export function shortenUrl(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '')
  const inModules = path.lastIndexOf('/node_modules/')
  if (inModules !== -1) return path.slice(inModules + '/node_modules/'.length)
  return path.startsWith(root) ? path.slice(root.length).replace(/^\//, '') : path
}

/** The area of a shortened path; `name` tells V8's own entries, which have no path. */
export function areaOf(path: string, name: string): string {
  if (path === '') return name.startsWith('(') ? name : '(native)'
  if (path.startsWith('node:')) return 'node internals'
  if (path.startsWith('dist/')) return `parley ${path.split('/').slice(1, -1).join('/')}`
  const [scope, pkg] = path.split('/')
  return scope?.startsWith('@') ? `${scope}/${pkg}` : (scope ?? path)
}

export const isParleyCode = (path: string) => path.startsWith('dist/')

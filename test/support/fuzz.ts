/**
 * Building blocks for the fuzz tests: a fixed seed per property (so a run is repeatable and
 * a failure names the seed and path to replay it), and arbitraries for hostile input — strings
 * with the awkward corners of Unicode, JSON that JSON.stringify would never write (numbers
 * beyond a double, duplicate and `__proto__` keys, nesting thousands deep) and frames with
 * their fields removed, retyped or blown up.
 */
import fc from 'fast-check'

/**
 * fast-check parameters: a fixed number of runs and a fixed seed. On failure fast-check prints
 * the seed, the path and the counterexample: pass the seed back here to replay it.
 *
 * `shrink: false` for properties over a live server whose state carries from run to run: a
 * shrunk input would be tried on a server the failing run already changed, so the run is
 * reported as it happened instead.
 *
 * @example fc.assert(fc.property(arb, check), fuzzRuns(200))
 */
export function fuzzRuns(numRuns: number, { seed = 0x5ea1ed, shrink = true }: { seed?: number; shrink?: boolean } = {}): fc.Parameters<unknown> {
  return { numRuns, seed, endOnFailure: !shrink }
}

/** JSON text inserted verbatim: numbers JSON.stringify cannot write, broken or deep nesting. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object as a list of entries, so that a key may repeat or be `__proto__` (an own key in JSON.parse's output). */
export class JsonEntries {
  constructor(readonly entries: [string, unknown][]) {}
}

/** Writes JSON text, with RawJson verbatim and JsonEntries as objects with exactly those entries. */
export function writeJson(value: unknown): string {
  if (value instanceof RawJson) return value.text
  if (value instanceof JsonEntries) return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${writeJson(item)}`).join(',')}}`
  if (Array.isArray(value)) return `[${value.map(writeJson).join(',')}]`
  if (typeof value === 'object' && value !== null) return writeJson(new JsonEntries(Object.entries(value)))
  // undefined (an absent optional field) has no JSON form: null stands in for it.
  return JSON.stringify(value) ?? 'null'
}

/** Strings that have broken parsers, databases and renderers before. */
export const awkwardStrings = [
  '', ' ', '\t\n', '\u0000', 'a\u0000b', '\uFEFF', '\u200B', '\u202Eevil', 'e\u0301', '🙂', '👩‍👩‍👧‍👦', '\ud800', '\udc00', 'x\ud83d',
  '\uFFFF', '\u2028\u2029', 'İı', 'ß', '\\', '"', "'", '%00', '%zz', '${7*7}', '{{7*7}}', '<script>alert(1)</script>',
  "'); DROP TABLE messages; --", '" OR 1=1 --', 'NEAR(a b)', '*', '"unbalanced', 'null', 'undefined', 'NaN', '-0', '1e400',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '../../etc/passwd', 'C:\\con', 'a'.repeat(256),
]

/** Any string: short ones of every kind, lone surrogates included, and the awkward ones above. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 20 }),
  fc.constantFrom(...awkwardStrings),
)

/** Number literals at and past the edges of a double and of safe integers. */
export const edgeNumberText = fc.constantFrom(
  '1e400', '-1e400', '1e308', '-1e308', '1e-400', '9007199254740993', '9007199254740992', '18446744073709551616',
  '123456789012345678901234567890', '-0', '0.0', '0.5', '1.5', '-1', '0', '2147483648', '4294967296', '1E2', '1e15', '999999999999999',
)

/** A number as JSON: ordinary doubles, integers, and the edge literals (as RawJson). */
export const anyNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.integer({ min: -2, max: 20 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  edgeNumberText.map((text) => new RawJson(text)),
)

/** Keys an object may carry: the fields frames and bodies know, prototype names, anything. */
export const anyKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('t', 'as', 'cid', 'ref', 'conv', 'text', 'seq', 'id', 'site', 'visitor', 'agent', 'bot', 'note', 'url', 'events', 'email', 'name', 'password'),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'),
  anyString,
)

/** Nesting far deeper than any real frame: closed, unclosed, of arrays or of objects. */
export const deepNesting: fc.Arbitrary<RawJson> = fc
  .tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom('array', 'object', 'unclosed'))
  .map(([depth, shape]) => new RawJson(
    shape === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : shape === 'object' ? `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`
        : '['.repeat(depth),
  ))

/** Any JSON value, objects written as entries (duplicate and `__proto__` keys included). */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    anyNumber,
    anyString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.tuple(anyKey, tie('value')), { maxLength: 5 }).map((entries) => new JsonEntries(entries)),
  ),
})).value

/** JSON text of any value, now and then with deep nesting spliced in. */
export const anyJsonText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: anyJson.map(writeJson), weight: 5 },
  { arbitrary: deepNesting.map((nesting) => nesting.text), weight: 1 },
)

/** A value of the wrong kind for a field, whatever the field is. */
export const anyFieldValue: fc.Arbitrary<unknown> = fc.oneof(anyJson, deepNesting)

/** Lengths that land just past the limits of this protocol and API (64, 128, 2048, 4000, 64 KiB…). */
export const oversizeLength = fc.constantFrom(65, 101, 129, 201, 256, 501, 1025, 2049, 4001, 8193, 70_000)

/**
 * Mutations of an object (a frame, a request body): each returns a new value to write with
 * writeJson. `pick` chooses which key or nested object is hit, so shrinking finds the smallest one.
 */
export type Mutation = (value: Record<string, unknown>) => unknown

const keyAt = (value: Record<string, unknown>, pick: number) => {
  const keys = Object.keys(value)
  return keys.length === 0 ? undefined : keys[pick % keys.length]
}

/** The same object with `key` set to `item`, as entries so that `__proto__` stays an own key. */
const withEntry = (value: Record<string, unknown>, key: string, item: unknown, repeat = false) =>
  new JsonEntries([...Object.entries(value).filter(([k]) => repeat || k !== key), [key, item]])

export function mutationsOf(types: readonly string[]): fc.Arbitrary<Mutation> {
  return fc.oneof(
    // A field removed.
    fc.nat().map((pick): Mutation => (value) => {
      const key = keyAt(value, pick)
      return key === undefined ? value : new JsonEntries(Object.entries(value).filter(([k]) => k !== key))
    }),
    // A field of another type (or another value of its type).
    fc.tuple(fc.nat(), anyFieldValue).map(([pick, item]): Mutation => (value) => {
      const key = keyAt(value, pick)
      return key === undefined ? value : withEntry(value, key, item)
    }),
    // A field far too long: a string past its limit, in one or in two UTF-16 units a character.
    fc.tuple(fc.nat(), oversizeLength, fc.constantFrom('x', '€', '🙂', ' ')).map(([pick, length, unit]): Mutation => (value) => {
      const key = keyAt(value, pick)
      return key === undefined ? value : withEntry(value, key, unit.repeat(Math.ceil(length / unit.length)))
    }),
    // A string field turned into an awkward one, or with one appended.
    fc.tuple(fc.nat(), fc.constantFrom(...awkwardStrings), fc.boolean()).map(([pick, awkward, append]): Mutation => (value) => {
      const key = keyAt(value, pick)
      if (key === undefined) return value
      const current = value[key]
      return withEntry(value, key, append && typeof current === 'string' ? current + awkward : awkward)
    }),
    // A number past what a double or a safe integer holds.
    fc.tuple(fc.nat(), edgeNumberText).map(([pick, text]): Mutation => (value) => {
      const key = keyAt(value, pick)
      return key === undefined ? value : withEntry(value, key, new RawJson(text))
    }),
    // Nesting thousands deep in place of a field.
    fc.tuple(fc.nat(), deepNesting).map(([pick, nesting]): Mutation => (value) => {
      const key = keyAt(value, pick)
      return key === undefined ? value : withEntry(value, key, nesting)
    }),
    // A `__proto__` key, at the top or inside a nested object.
    fc.tuple(fc.nat(), anyJson, fc.boolean()).map(([pick, item, nested]): Mutation => (value) => {
      const key = keyAt(value, pick)
      const inner = key === undefined ? undefined : value[key]
      if (nested && key !== undefined && typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
        return withEntry(value, key, withEntry(inner as Record<string, unknown>, '__proto__', item))
      }
      return withEntry(value, '__proto__', item)
    }),
    // An unknown key.
    fc.tuple(anyKey, anyJson).map(([key, item]): Mutation => (value) => withEntry(value, key, item)),
    // A key twice: JSON.parse keeps the last.
    fc.tuple(fc.nat(), anyJson).map(([pick, item]): Mutation => (value) => {
      const key = keyAt(value, pick)
      return key === undefined ? value : withEntry(value, key, item, true)
    }),
    // Another type's name on these fields.
    fc.constantFrom(...types).map((type): Mutation => (value) => withEntry(value, 't', type)),
    // Not an object at all.
    anyJson.map((other): Mutation => () => other),
  )
}

/** Applies mutations in turn; a mutation that gave something other than an object ends the chain. */
export function applyMutations(value: Record<string, unknown>, mutations: readonly Mutation[]): unknown {
  let current: unknown = value
  for (const mutate of mutations) {
    const object = asPlainObject(current)
    if (object === undefined) return current
    current = mutate(object)
  }
  return current
}

/** JsonEntries back to an object for the next mutation (a repeated key keeps its last value, as JSON.parse would). */
function asPlainObject(value: unknown): Record<string, unknown> | undefined {
  if (value instanceof JsonEntries) {
    const object: Record<string, unknown> = {}
    for (const [key, item] of value.entries) Object.defineProperty(object, key, { value: item, enumerable: true, writable: true, configurable: true })
    return object
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RawJson)) return value as Record<string, unknown>
  return undefined
}

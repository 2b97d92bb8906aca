/**
 * Values that fit a JSON Schema — the request bodies of the OpenAPI document, or a valibot
 * schema converted with @valibot/to-json-schema — so that fuzzing starts from bodies a route
 * accepts and mutates them from there. Only what those documents use is understood: objects,
 * strings, numbers, booleans, arrays, null, enum, const, anyOf and oneOf.
 */
import fc from 'fast-check'

export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
  format?: string
  pattern?: string
}

/**
 * Values for fields whose meaning a schema does not carry (a URL is "a string" in it): by
 * property name. Anything not named here is generated from its schema alone.
 */
export type FieldHints = Record<string, fc.Arbitrary<unknown>>

/** A string within the schema's lengths, mostly short. */
function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0
  const max = schema.maxLength ?? 200
  if (schema.pattern !== undefined) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((text) => text.length >= min && text.length <= max)
    } catch {
      // A pattern JavaScript cannot read: the lengths alone.
    }
  }
  return fc.oneof(
    { arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, 30)) }), weight: 4 },
    { arbitrary: fc.constant('x'.repeat(Math.max(min, max))), weight: 1 },
  ).filter((text) => text.trim().length >= Math.min(min, 1))
}

/** A number within the schema's bounds; ids and counts are small in practice, so small ones come most. */
function numberFor(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? (integer ? -10 : -1e6)
  const max = schema.maximum ?? (integer ? Number.MAX_SAFE_INTEGER : 1e6)
  if (!integer) return fc.double({ min, max, noNaN: true })
  return fc.oneof(
    { arbitrary: fc.integer({ min, max: Math.min(max, min + 10) }), weight: 4 },
    { arbitrary: fc.integer({ min, max }), weight: 1 },
  )
}

export function arbitraryFor(schema: JsonSchema, hints: FieldHints = {}): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...schema.enum)
  const choices = schema.anyOf ?? schema.oneOf
  if (choices) return fc.oneof(...choices.map((choice) => arbitraryFor(choice, hints)))
  const types = schema.type === undefined ? ['object'] : [schema.type].flat()
  if (types.length > 1) return fc.oneof(...types.map((type) => arbitraryFor({ ...schema, type }, hints)))
  switch (types[0]) {
    case 'string':
      return stringFor(schema)
    case 'integer':
      return numberFor(schema, true)
    case 'number':
      return numberFor(schema, false)
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array':
      return fc.array(arbitraryFor(schema.items ?? {}, hints), { minLength: schema.minItems ?? 0, maxLength: schema.maxItems ?? Math.max(schema.minItems ?? 0, 3) })
    default: {
      const properties = schema.properties ?? {}
      const model = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, hints[name] ?? arbitraryFor(property, hints)]))
      return fc.record(model, { requiredKeys: schema.required ?? [], noNullPrototype: true })
    }
  }
}

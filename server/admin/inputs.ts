/**
 * What an administrator may set on sites, agents and API tokens, checked once here for every
 * entry point (CLI, console, REST).
 */
import * as v from 'valibot'
import { normalizeOrigin } from '../http/origin-guard.js'

const origin = v.pipe(
  v.string(),
  v.trim(),
  v.check((text) => text === '*' || normalizeOrigin(text) !== undefined, 'must be an origin such as https://shop.example, or *'),
  v.transform((text) => (text === '*' ? text : normalizeOrigin(text)!)),
)

export const siteInput = v.object({
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'is required'), v.maxLength(100)),
  allowedOrigins: v.optional(v.array(origin), []),
  color: v.optional(v.pipe(v.string(), v.regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #3b5bdb')), '#3b5bdb'),
  greeting: v.optional(v.pipe(v.string(), v.maxLength(500)), 'Hi! How can we help?'),
  position: v.optional(v.picklist(['left', 'right']), 'right'),
  prechat: v.optional(v.boolean(), false),
  /** Make a secret for identity verification (printed for the site's server). */
  identityVerification: v.optional(v.boolean(), false),
  /** Refuse visitors without a verified identity (implies identity verification). */
  verifiedOnly: v.optional(v.boolean(), false),
})

export const agentInput = v.object({
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'is required'), v.maxLength(100)),
  email: v.pipe(v.string(), v.trim(), v.email('must be an email address'), v.maxLength(254)),
  password: v.pipe(v.string(), v.minLength(8, 'must be at least 8 characters'), v.maxLength(1024)),
  role: v.optional(v.picklist(['admin', 'agent']), 'agent'),
  capacity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 5),
  siteIds: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(1))), []),
})

export const apiTokenInput = v.object({
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'is required'), v.maxLength(100)),
  siteIds: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(1))), []),
})

export type SiteInput = v.InferInput<typeof siteInput>
export type AgentInput = v.InferInput<typeof agentInput>
export type ApiTokenInput = v.InferInput<typeof apiTokenInput>

export class InputError extends Error {
  override readonly name = 'InputError'
}

/** Parses or throws an InputError naming the field and the problem. */
export function parseInput<T extends v.GenericSchema>(schema: T, input: unknown): v.InferOutput<T> {
  const result = v.safeParse(schema, input)
  if (result.success) return result.output
  const issue = result.issues[0]
  const path = issue.path?.map((item) => String(item.key)).join('.')
  throw new InputError(`${path ? `${path}: ` : ''}${issue.message}`)
}

/**
 * What an administrator may set on sites, agents, canned responses and API tokens, checked
 * once here for every entry point (CLI, console, REST). Creation schemas fill in defaults;
 * patch schemas take only the fields to change and refuse unknown ones, so that a misspelt
 * field is an error rather than a change that silently did not happen.
 */
import * as v from 'valibot'
import { normalizeOrigin } from '../http/origin-guard.js'

const origin = v.pipe(
  v.string(),
  v.trim(),
  v.check((text) => text === '*' || normalizeOrigin(text) !== undefined, 'must be an origin such as https://shop.example, or *'),
  v.transform((text) => (text === '*' ? text : normalizeOrigin(text)!)),
)

const displayName = v.pipe(v.string(), v.trim(), v.minLength(1, 'is required'), v.maxLength(100))
const email = v.pipe(v.string(), v.trim(), v.email('must be an email address'), v.maxLength(254))
const password = v.pipe(v.string(), v.minLength(8, 'must be at least 8 characters'), v.maxLength(1024))
const role = v.picklist(['admin', 'agent'], 'must be admin or agent')
const capacity = v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(1, 'must be at least 1'), v.maxValue(100, 'must be at most 100'))
const siteId = v.pipe(v.number('must be a site id'), v.integer('must be a site id'), v.minValue(1, 'must be a site id'))
const siteIds = v.array(siteId)
const allowedOrigins = v.array(origin)
const color = v.pipe(v.string(), v.regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #3b5bdb'))
const greeting = v.pipe(v.string(), v.maxLength(500))
const position = v.picklist(['left', 'right'], 'must be left or right')

/** An object of optional fields to change; an unknown field is named as such. */
function patchOf<const T extends v.ObjectEntries>(entries: T) {
  return v.strictObject(entries, (issue) => (issue.expected === 'never' ? 'cannot be changed here' : 'must be an object'))
}

/** Longest canned response: well inside a message's own limit (protocol MAX_TEXT_LENGTH). */
export const CANNED_TEXT_MAX = 2000
export const SHORTCUT_MAX = 32

/** Typed after `/` in the composer; a leading `/` typed here too is dropped. */
const shortcut = v.pipe(
  v.string(),
  v.trim(),
  v.transform((text) => text.replace(/^\//, '')),
  v.minLength(1, 'is required'),
  v.maxLength(SHORTCUT_MAX, `must be at most ${SHORTCUT_MAX} characters`),
  v.regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, - and _'),
)
const cannedText = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'is required'),
  v.maxLength(CANNED_TEXT_MAX, `must be at most ${CANNED_TEXT_MAX} characters`),
)

export const siteInput = v.object({
  name: displayName,
  allowedOrigins: v.optional(allowedOrigins, []),
  color: v.optional(color, '#3b5bdb'),
  greeting: v.optional(greeting, 'Hi! How can we help?'),
  position: v.optional(position, 'right'),
  prechat: v.optional(v.boolean(), false),
  /** Make a secret for identity verification (printed for the site's server). */
  identityVerification: v.optional(v.boolean(), false),
  /** Refuse visitors without a verified identity (implies identity verification). */
  verifiedOnly: v.optional(v.boolean(), false),
})

/** The identity secret is not set here: it is made, rotated and removed by its own actions. */
export const sitePatch = patchOf({
  name: v.optional(displayName),
  allowedOrigins: v.optional(allowedOrigins),
  color: v.optional(color),
  greeting: v.optional(greeting),
  position: v.optional(position),
  prechat: v.optional(v.boolean()),
  /** Turning it on makes a secret when the site has none, as at creation. */
  verifiedOnly: v.optional(v.boolean()),
})

export const agentInput = v.object({
  name: displayName,
  email,
  password,
  role: v.optional(role, 'agent'),
  capacity: v.optional(capacity, 5),
  siteIds: v.optional(siteIds, []),
})

/** The password is not set here: resetting it signs the agent out, so it has its own action. */
export const agentPatch = patchOf({
  name: v.optional(displayName),
  email: v.optional(email),
  role: v.optional(role),
  capacity: v.optional(capacity),
  /** Replaces the whole list. */
  siteIds: v.optional(siteIds),
  active: v.optional(v.boolean()),
})

export const passwordInput = v.object({ password })

export const apiTokenInput = v.object({
  name: displayName,
  siteIds: v.optional(siteIds, []),
})

export const cannedInput = v.object({
  shortcut,
  text: cannedText,
  /** Absent or null: shared by every site. */
  siteId: v.optional(v.nullable(siteId)),
})

export const cannedPatch = patchOf({
  shortcut: v.optional(shortcut),
  text: v.optional(cannedText),
  /** `null` makes it shared by every site. */
  siteId: v.optional(v.nullable(siteId)),
})

export type SiteInput = v.InferInput<typeof siteInput>
export type SitePatchInput = v.InferInput<typeof sitePatch>
export type AgentInput = v.InferInput<typeof agentInput>
export type AgentPatchInput = v.InferInput<typeof agentPatch>
export type ApiTokenInput = v.InferInput<typeof apiTokenInput>
export type CannedInput = v.InferInput<typeof cannedInput>
export type CannedPatchInput = v.InferInput<typeof cannedPatch>

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

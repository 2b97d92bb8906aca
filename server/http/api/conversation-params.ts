/**
 * Query parameters of the conversation routes, as valibot schemas: each checks what a caller
 * sent, turns it into the value the route uses, and describes itself in the OpenAPI document.
 */
import * as v from 'valibot'
import type { ConversationStatus } from '../../../protocol/index.js'
import { decodeCursor } from '../../export/conversation-cursor.js'
import { INSTANT_FORMS, parseInstant } from '../../export/parse-instant.js'

export const CONVERSATION_STATUSES = ['queued', 'assigned', 'closed'] as const satisfies readonly ConversationStatus[]

/** A whole number between `min` and `max`, `fallback` when absent. */
export const countParam = (min: number, max: number, fallback: number, description: string) => v.pipe(
  v.optional(v.string(), String(fallback)),
  v.regex(/^\d{1,6}$/, `must be a whole number from ${min} to ${max}`),
  v.transform(Number),
  v.minValue(min, `must be at least ${min}`),
  v.maxValue(max, `must be at most ${max}`),
  v.description(`${description} (${min} to ${max}, default ${fallback})`),
)

/** An id given in a query string. */
export const idParam = (what: string, description: string) =>
  v.pipe(v.string(), v.regex(/^\d{1,15}$/, `must be ${what} id`), v.transform(Number), v.description(description))

export const flagParam = (description: string) =>
  v.pipe(v.optional(v.picklist(['0', '1'], 'must be 0 or 1'), '0'), v.transform((flag) => flag === '1'), v.description(description))

export const instantParam = (description: string) => v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const at = parseInstant(dataset.value)
    if (at === undefined) {
      addIssue({ message: `must be ${INSTANT_FORMS}` })
      return NEVER
    }
    return at
  }),
  v.description(`${description}: ${INSTANT_FORMS}`),
)

/** `status=queued&status=assigned` or `status=queued,assigned`. */
export const statusesParam = v.pipe(
  v.union([v.string(), v.array(v.string())], 'must be queued, assigned or closed'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const given = [dataset.value].flat().flatMap((list) => list.split(',')).map((status) => status.trim())
    const statuses = given.filter((status): status is ConversationStatus => (CONVERSATION_STATUSES as readonly string[]).includes(status))
    if (statuses.length < given.length) {
      addIssue({ message: 'must be queued, assigned or closed (repeated, or separated by commas)' })
      return NEVER
    }
    return [...new Set(statuses)]
  }),
  v.description('Only conversations in these states: queued, assigned, closed; repeat the parameter or separate them by commas'),
)

export const conversationCursorParam = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const cursor = decodeCursor(dataset.value)
    if (!cursor) {
      addIssue({ message: 'must be the `next` of an earlier page' })
      return NEVER
    }
    return cursor
  }),
  v.description('The `next` of the previous page: the page after it, with the same filters'),
)

import { vValidator } from '@hono/valibot-validator'
import type { ValidationTargets } from 'hono'
import type { GenericSchema } from 'valibot'
import { issuePath } from '../../protocol/index.js'
import { apiError } from './errors.js'

/** Request validation whose failures are answered as 422 with the first problem named. */
export function validate<T extends GenericSchema, Target extends keyof ValidationTargets>(target: Target, schema: T) {
  return vValidator(target, schema, (result, c) => {
    if (result.success) return
    const issue = result.issues[0]
    const path = issuePath(issue.path)
    return apiError(c, 422, 'invalid_request', `${path ? `${path}: ` : ''}${issue.message}`)
  })
}

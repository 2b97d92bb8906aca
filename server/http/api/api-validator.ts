import type { ValidationTargets } from 'hono'
import { validator } from 'hono-openapi'
import type { GenericSchema } from 'valibot'
import { issuePath } from '../../../protocol/index.js'
import { apiError } from '../errors.js'

/**
 * Request validation for the REST API: the same valibot schemas check requests and describe
 * them in the OpenAPI document. A failure is a 422 naming the first problem.
 */
export function apiValidator<T extends GenericSchema, Target extends keyof ValidationTargets>(target: Target, schema: T) {
  return validator(target, schema, (result, c) => {
    if (result.success) return
    const issue = result.error[0] as { message: string; path?: readonly { key: unknown }[] } | undefined
    const path = issuePath(issue?.path)
    return apiError(c, 422, 'invalid_request', `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid request'}`)
  })
}

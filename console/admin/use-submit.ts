import { useState } from 'preact/hooks'
import { ApiError } from '../api.js'

/** What went wrong with a form: a message for one field, or for the form as a whole. */
export interface Problem {
  field?: string
  message: string
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/**
 * The server names the field it refuses: `email: must be an email address` (422), or the code
 * `email_taken` (409). A list item (`allowedOrigins.1: ...`) is named by its line.
 */
export function problemOf(error: unknown): Problem {
  if (!(error instanceof ApiError)) return { message: 'Something went wrong. Try again.' }
  const taken = /^(\w+)_taken$/.exec(error.code)
  if (taken) return { field: taken[1], message: capitalised(error.message) }
  const named = error.status === 422 ? /^(\w+)(?:\.(\d+))?: (.*)$/.exec(error.message) : null
  if (named) {
    const [, field, index, text] = named
    const message = index === undefined ? capitalised(text!) : `Line ${Number(index) + 1}: ${text}`
    return { field, message }
  }
  return { message: capitalised(error.message) }
}

export interface Submitting {
  saving: boolean
  problem?: Problem
  /** The message for this field, when the last attempt failed because of it. */
  errorFor(field: string): string | undefined
  /** The message to show above the buttons: any problem not about one of the fields the form shows. */
  formError(fields: readonly string[]): string | undefined
  /** Runs the request once at a time; its failure becomes the problem to show. */
  submit(run: () => Promise<void>): Promise<void>
}

export function useSubmit(): Submitting {
  const [saving, setSaving] = useState(false)
  const [problem, setProblem] = useState<Problem>()
  return {
    saving,
    problem,
    errorFor: (field) => (problem?.field === field ? problem.message : undefined),
    formError: (fields) => (problem && (!problem.field || !fields.includes(problem.field)) ? problem.message : undefined),
    async submit(run) {
      if (saving) return
      setSaving(true)
      setProblem(undefined)
      try {
        await run()
      } catch (error) {
        setProblem(problemOf(error))
      } finally {
        setSaving(false)
      }
    },
  }
}

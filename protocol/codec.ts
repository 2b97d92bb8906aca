/**
 * Turning frames into text and back. Decoding never throws: bad input becomes a value the
 * caller answers with an error frame, so one malformed frame cannot take a connection down.
 */
import * as v from 'valibot'
import { clientFrameSchema, type ClientFrame } from './client-frames.js'
import type { ErrorCode, ServerFrame, ServerFrameType } from './server-frames.js'
import { clipText, issuePath } from './issue-text.js'
import { defaultLimits, type Limits } from './limits.js'

export type Decoded<T> = { ok: true; frame: T } | { ok: false; code: ErrorCode; message: string; ref?: string }

export function encode(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame)
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const clientTypes = new Set<string>([
  'hello', 'send', 'start', 'typing', 'read', 'claim', 'transfer', 'close', 'status', 'history', 'page', 'profile', 'ping', 'pong',
])

/** Builds a decoder for client frames under the given limits (the server builds one at start). */
export function createClientDecoder(limits: Limits = defaultLimits) {
  const schema = clientFrameSchema(limits)
  return function decodeClientFrame(text: string): Decoded<ClientFrame> {
    // JSON text is at most 3 bytes per UTF-16 unit, so this bound is cheap and safe; the
    // transports enforce the exact byte limit before a frame gets here.
    if (text.length > limits.maxFrameBytes) {
      return { ok: false, code: 'too_large', message: `frame is larger than ${limits.maxFrameBytes} bytes` }
    }
    const parsed = parseJson(text)
    if (!parsed.ok) return { ok: false, code: 'bad_json', message: 'frame is not valid JSON' }
    const value = parsed.value
    if (!isObject(value) || typeof value.t !== 'string') {
      return { ok: false, code: 'bad_frame', message: 'frame must be a JSON object with a string "t"' }
    }
    // Echo whatever identifies the frame, so that a client can match the error to what it sent.
    const ref = typeof value.cid === 'string' ? value.cid : typeof value.ref === 'string' ? value.ref : undefined
    if (!clientTypes.has(value.t)) {
      return { ok: false, code: 'unknown_type', message: `unknown frame type "${value.t.slice(0, 32)}"`, ref }
    }
    const result = v.safeParse(schema, value)
    if (result.success) return { ok: true, frame: result.output }
    return { ok: false, code: 'bad_frame', message: describeIssue(value.t, result.issues[0]), ref }
  }
}

/**
 * Longest error message of a refused frame. Valibot's messages quote the value they refused, and
 * a path names the keys it went through: both come from the frame.
 */
export const MAX_FRAME_ERROR_LENGTH = 200

function describeIssue(type: string, issue: v.BaseIssue<unknown>): string {
  const path = issuePath(issue.path)
  return clipText(`${type}${path ? `.${path}` : ''}: ${issue.message}`, MAX_FRAME_ERROR_LENGTH)
}

const serverTypes = new Set<ServerFrameType>([
  'welcome', 'msg', 'ack', 'conv', 'typing', 'read', 'agent', 'visitor', 'gone', 'history', 'ok', 'error', 'ping', 'pong', 'bye',
])

/** Decodes a server frame in a client: checks only its envelope, see server-frames.ts. */
export function decodeServerFrame(text: string): ServerFrame | undefined {
  const parsed = parseJson(text)
  if (!parsed.ok || !isObject(parsed.value)) return undefined
  return serverTypes.has(parsed.value.t as ServerFrameType) ? (parsed.value as ServerFrame) : undefined
}

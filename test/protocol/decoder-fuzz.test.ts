/**
 * The client frame decoder under fuzzing: arbitrary text, arbitrary JSON and valid frames
 * mutated into almost-valid ones (fields removed, retyped, oversized, awkward Unicode, deep
 * nesting, numbers past a double, `__proto__` keys). Whatever comes in, the decoder returns
 * a frame its own schema accepts or an error with a known code and a short message, and it
 * never throws. Each property runs a fixed number of times from a fixed seed (fuzzRuns).
 */
import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import {
  clientFrameSchema, createClientDecoder, defaultLimits, encode, MAX_CLIENT_ID_LENGTH, MAX_FRAME_ERROR_LENGTH, type ClientFrame, type Decoded, type ErrorCode, type Limits,
} from '../../protocol/index.js'
import { CLIENT_FRAME_TYPES, validClientFrames } from '../support/client-frame-arbitraries.js'
import {
  anyJson, anyJsonText, anyString, applyMutations, fuzzRuns, JsonEntries, mutationsOf, RawJson, writeJson,
} from '../support/fuzz.js'

/** The codes a decoder may answer with: the protocol's, minus those only chat logic gives. */
const DECODER_CODES: ErrorCode[] = ['bad_json', 'bad_frame', 'too_large', 'unknown_type']

const decode = createClientDecoder()
const schema = clientFrameSchema(defaultLimits)

/** Decodes, failing the property with the input shown if the decoder throws. */
function decodeSafely(text: string, decoder = decode): Decoded<ClientFrame> {
  try {
    return decoder(text)
  } catch (error) {
    throw new Error(`the decoder threw on ${JSON.stringify(text.slice(0, 200))}: ${String(error)}`)
  }
}

/** What every answer of the decoder must look like, whatever the input. */
function expectWellFormed(result: Decoded<ClientFrame>, frameSchema = schema) {
  if (result.ok) {
    expect(v.is(frameSchema, result.frame), `decoded frame fails its schema: ${JSON.stringify(result.frame)}`).toBe(true)
    expect(Object.getPrototypeOf(result.frame)).toBe(Object.prototype)
    expect(Object.hasOwn(result.frame, '__proto__')).toBe(false)
    return
  }
  expect(DECODER_CODES).toContain(result.code)
  expect(typeof result.message).toBe('string')
  expect(result.message.length).toBeGreaterThan(0)
  expect(result.message.length, result.message.slice(0, 300)).toBeLessThanOrEqual(MAX_FRAME_ERROR_LENGTH)
  if (result.ref !== undefined) expect(typeof result.ref).toBe('string')
}

/**
 * The code the decoder should answer with, worked out the long way: size first, then JSON,
 * then the envelope, then the frame's own schema.
 */
function expectedCode(text: string, limits: Limits = defaultLimits): ErrorCode | 'ok' {
  if (text.length > limits.maxFrameBytes) return 'too_large'
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return 'bad_json'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'bad_frame'
  const t = (value as { t?: unknown }).t
  if (typeof t !== 'string') return 'bad_frame'
  if (!(CLIENT_FRAME_TYPES as readonly string[]).includes(t)) return 'unknown_type'
  return v.safeParse(clientFrameSchema(limits), value).success ? 'ok' : 'bad_frame'
}

const codeOf = (result: Decoded<ClientFrame>) => (result.ok ? 'ok' : result.code)

const mutatedFrames = fc
  .tuple(validClientFrames(), fc.array(mutationsOf(CLIENT_FRAME_TYPES), { minLength: 1, maxLength: 3 }))
  .map(([frame, mutations]) => writeJson(applyMutations({ ...frame }, mutations)))

describe('the decoder on arbitrary input', () => {
  it('never throws on any string, and answers with a known code', () => {
    fc.assert(fc.property(fc.oneof(anyString, fc.string({ unit: 'binary', maxLength: 500 })), (text) => {
      const result = decodeSafely(text)
      expectWellFormed(result)
      expect(codeOf(result)).toBe(expectedCode(text))
    }), fuzzRuns(2000))
  })

  it('never throws on any JSON, duplicate keys, deep nesting and huge numbers included', () => {
    fc.assert(fc.property(anyJsonText, (text) => {
      const result = decodeSafely(text)
      expectWellFormed(result)
      expect(codeOf(result)).toBe(expectedCode(text))
    }), fuzzRuns(2000))
  })

  it('never throws on JSON objects with a frame type and arbitrary fields', () => {
    const framelike = fc.tuple(fc.constantFrom(...CLIENT_FRAME_TYPES), fc.array(fc.tuple(fc.string(), anyJson), { maxLength: 6 }))
      .map(([t, entries]) => writeJson(new JsonEntries([['t', t], ...entries])))
    fc.assert(fc.property(framelike, (text) => {
      const result = decodeSafely(text)
      expectWellFormed(result)
      expect(codeOf(result)).toBe(expectedCode(text))
    }), fuzzRuns(2000))
  })
})

describe('the decoder on valid frames, mutated', () => {
  it('answers every mutation with a frame its schema accepts or a clear error', () => {
    fc.assert(fc.property(mutatedFrames, (text) => {
      const result = decodeSafely(text)
      expectWellFormed(result)
      expect(codeOf(result)).toBe(expectedCode(text))
    }), fuzzRuns(3000))
  })

  it('echoes the client id or ref of a refused frame with a type, when it is a string', () => {
    fc.assert(fc.property(mutatedFrames, (text) => {
      const result = decodeSafely(text)
      if (result.ok || result.code === 'too_large' || result.code === 'bad_json') return
      const value: unknown = JSON.parse(text)
      const { t, cid, ref } = typeof value === 'object' && value !== null ? value as { t?: unknown; cid?: unknown; ref?: unknown } : {}
      // Without a string type there is no frame to speak of, and nothing is echoed.
      const expected = typeof t !== 'string' ? undefined : typeof cid === 'string' ? cid : typeof ref === 'string' ? ref : undefined
      expect(result.ref).toBe(expected)
    }), fuzzRuns(1000))
  })

  it('lets no key reach Object.prototype, whatever the frame carries', () => {
    const withProto = fc.tuple(validClientFrames(), anyJson, fc.constantFrom('__proto__', 'constructor', 'prototype'))
      .map(([frame, value, key]) => {
        // Into every nested object too: `page`, `last`, `identity`.
        const entries = Object.entries(frame).map(([k, item]): [string, unknown] =>
          typeof item === 'object' && item !== null ? [k, new JsonEntries([...Object.entries(item), [key, value]])] : [k, item])
        return writeJson(new JsonEntries([...entries, [key, value], ['__proto__', { polluted: true }]]))
      })
    fc.assert(fc.property(withProto, (text) => {
      expectWellFormed(decodeSafely(text))
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      expect(Object.prototype).not.toHaveProperty('polluted')
    }), fuzzRuns(500))
  })
})

describe('valid frames', () => {
  it('decode to themselves, and re-encode to the same frame', () => {
    fc.assert(fc.property(validClientFrames(), (frame) => {
      const result = decodeSafely(encode(frame))
      expect(result).toEqual({ ok: true, frame })
      if (result.ok) expect(decodeSafely(encode(result.frame))).toEqual(result)
    }), fuzzRuns(1000))
  })

  it('keep decoding with unknown keys added, which are dropped', () => {
    const extra = fc.dictionary(fc.string().filter((key) => !['t', '__proto__'].includes(key)), anyJson, { minKeys: 1, maxKeys: 3, noNullPrototype: true })
    fc.assert(fc.property(validClientFrames({ types: ['ping', 'pong', 'close', 'claim', 'read'] }), extra, (frame, more) => {
      const known = Object.keys(frame)
      const added = Object.fromEntries(Object.entries(more).filter(([key]) => !known.includes(key) && !['conv', 'ref', 'seq', 'to'].includes(key)))
      expect(decodeSafely(writeJson({ ...added, ...frame }))).toEqual({ ok: true, frame })
    }), fuzzRuns(300))
  })
})

describe('limits', () => {
  const limitsArb = fc.record({
    maxTextLength: fc.integer({ min: 1, max: 5000 }),
    maxFrameBytes: fc.integer({ min: 64, max: 100_000 }),
    heartbeatMs: fc.constant(defaultLimits.heartbeatMs),
  }, { noNullPrototype: true })

  it('accepts a text up to maxTextLength UTF-16 units and refuses one longer, naming the limit', () => {
    const unit = fc.constantFrom('x', 'é', '🙂', '\u0301a')
    // Lengths at the limit and either side of it, and anywhere.
    const length = fc.oneof(fc.integer({ min: -2, max: 2 }).map((delta) => ({ delta })), fc.integer({ min: 0, max: 6000 }).map((units) => ({ units })))
    fc.assert(fc.property(limitsArb, unit, length, (limits, piece, wanted) => {
      const units = 'delta' in wanted ? Math.max(0, limits.maxTextLength + wanted.delta) : wanted.units
      const text = piece.repeat(Math.ceil(units / piece.length)).slice(0, units)
      const frameText = encode({ t: 'send', cid: 'c', text })
      const result = decodeSafely(frameText, createClientDecoder(limits))
      expectWellFormed(result, clientFrameSchema(limits))
      if (frameText.length > limits.maxFrameBytes) expect(codeOf(result)).toBe('too_large')
      else if (text.length === 0) expect(result).toMatchObject({ code: 'bad_frame', message: 'send.text: must not be empty' })
      else if (text.length > limits.maxTextLength) {
        expect(result).toEqual({ ok: false, code: 'bad_frame', message: `send.text: must be at most ${limits.maxTextLength} characters`, ref: 'c' })
      } else expect(result).toEqual({ ok: true, frame: { t: 'send', cid: 'c', text } })
    }), fuzzRuns(300))
  })

  it('refuses any text longer than maxFrameBytes as too_large before reading it', () => {
    fc.assert(fc.property(limitsArb, fc.oneof(anyJsonText, anyString), fc.integer({ min: 1, max: 200 }), (limits, text, extra) => {
      const long = text.padEnd(limits.maxFrameBytes + extra, text.length > 0 ? text : ' ')
      const result = decodeSafely(long, createClientDecoder(limits))
      expect(result).toEqual({ ok: false, code: 'too_large', message: `frame is larger than ${limits.maxFrameBytes} bytes` })
    }), fuzzRuns(200))
  })

  it('refuses client ids and refs past their lengths, whatever their characters', () => {
    const longer = fc.tuple(fc.constantFrom('x', '🙂', '\ud800'), fc.integer({ min: 1, max: 40 }))
    fc.assert(fc.property(longer, ([unit, over]) => {
      const cid = unit.repeat(Math.ceil((MAX_CLIENT_ID_LENGTH + over) / unit.length))
      expect(codeOf(decodeSafely(encode({ t: 'send', cid, text: 'hi' })))).toBe('bad_frame')
      const ref = unit.repeat(Math.ceil((64 + over) / unit.length))
      expect(codeOf(decodeSafely(encode({ t: 'claim', conv: 1, ref })))).toBe('bad_frame')
    }), fuzzRuns(100))
  })
})

describe('regressions found by fuzzing', () => {
  it('keeps error messages short when a frame carries a long value or key', () => {
    for (const text of [
      encode({ t: 'status', status: 'x'.repeat(5000) } as never),
      writeJson({ t: 'hello', as: 'visitor', last: { ['9'.repeat(20) + 'k'.repeat(5000)]: 1 } }),
      writeJson({ t: 'hello', as: 'y'.repeat(5000) }),
      writeJson({ t: 'read', conv: new RawJson('1e400'), seq: 0 }),
    ]) {
      expectWellFormed(decodeSafely(text))
    }
  })
})

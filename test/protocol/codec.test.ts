import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  createClientDecoder,
  decodeServerFrame,
  defaultLimits,
  encode,
  MAX_CLIENT_ID_LENGTH,
  MAX_HISTORY_PAGE,
  MAX_TEXT_LENGTH,
  type ClientFrame,
  type ServerFrame,
} from '../../protocol/index.js'

const decode = createClientDecoder()

/** Decodes and insists on a refusal, so that each test reads as "this input gets that error". */
function refusal(text: string, decoder = decode) {
  const result = decoder(text)
  if (result.ok) throw new Error(`expected ${text.slice(0, 80)} to be refused, got ${JSON.stringify(result.frame)}`)
  return result
}

const json = (value: unknown) => JSON.stringify(value)

/** One valid example of every client frame, as a client would send it. */
const validFrames: Record<string, ClientFrame> = {
  'hello as a first-time visitor': { t: 'hello', as: 'visitor' },
  'hello as a returning visitor': {
    t: 'hello',
    as: 'visitor',
    token: 'pv_abc',
    last: { '12': 4, '13': 0 },
    page: { url: 'https://shop.test/cart', title: 'Cart', referrer: 'https://search.test/' },
    locale: 'en-GB',
    tz: 'America/Argentina/Buenos_Aires',
  },
  'hello as an agent': { t: 'hello', as: 'agent', last: { '7': 30 } },
  'send by a visitor': { t: 'send', cid: 'c-1', text: 'Hello there' },
  'send by an agent': { t: 'send', cid: '0b5e2f3c-7c1e-4d38-9e4a-2c8f9a1d7b60', text: 'Hi!', conv: 3 },
  'start, an agent writing first to a visitor': { t: 'start', visitor: 42, cid: 'c-7', text: 'Can I help?' },
  'typing by a visitor': { t: 'typing', on: true },
  'typing by an agent': { t: 'typing', conv: 3, on: false },
  read: { t: 'read', conv: 3, seq: 0 },
  claim: { t: 'claim', conv: 3, ref: 'r1' },
  transfer: { t: 'transfer', conv: 3, to: 9, ref: 'r2' },
  close: { t: 'close', conv: 3 },
  status: { t: 'status', status: 'away', ref: 'r3' },
  'history, newest page': { t: 'history', conv: 3 },
  'history, older page': { t: 'history', conv: 3, before: 120, limit: MAX_HISTORY_PAGE, ref: 'h' },
  page: { t: 'page', url: 'https://shop.test/', title: 'Shop' },
  profile: { t: 'profile', name: 'Mia', email: 'mia@example.com' },
  ping: { t: 'ping' },
  pong: { t: 'pong' },
}

describe('createClientDecoder: valid frames', () => {
  it.each(Object.entries(validFrames))('accepts %s unchanged', (_name, frame) => {
    expect(decode(encode(frame))).toEqual({ ok: true, frame })
  })

  it('covers every client frame type', () => {
    const types = new Set(Object.values(validFrames).map((frame) => frame.t))
    expect([...types].sort()).toEqual(
      ['claim', 'close', 'hello', 'history', 'page', 'ping', 'pong', 'profile', 'read', 'send', 'start', 'status', 'transfer', 'typing'],
    )
  })

  it('drops keys it does not know, so newer clients can add fields', () => {
    expect(decode(json({ t: 'ping', extra: 1 }))).toEqual({ ok: true, frame: { t: 'ping' } })
    expect(decode(json({ t: 'hello', as: 'agent', token: 'pv_visitor-only' }))).toEqual({ ok: true, frame: { t: 'hello', as: 'agent' } })
  })

  it('accepts a text of exactly the longest length, counted in UTF-16 code units', () => {
    expect(decode(json({ t: 'send', cid: 'a', text: 'x'.repeat(MAX_TEXT_LENGTH) })).ok).toBe(true)
    // An emoji is two code units: half as many of them fit.
    expect(decode(json({ t: 'send', cid: 'a', text: '🙂'.repeat(MAX_TEXT_LENGTH / 2) })).ok).toBe(true)
    expect(refusal(json({ t: 'send', cid: 'a', text: '🙂'.repeat(MAX_TEXT_LENGTH / 2 + 1) })).code).toBe('bad_frame')
  })
})

describe('createClientDecoder: refusals', () => {
  it('refuses text that is not JSON as bad_json', () => {
    for (const text of ['', ' ', '{', "{t:'ping'}", '{"t":"ping",}', 'undefined', 'NaN']) {
      expect(refusal(text)).toEqual({ ok: false, code: 'bad_json', message: 'frame is not valid JSON' })
    }
  })

  it('refuses JSON that is not an object with a string "t" as bad_frame', () => {
    for (const text of ['null', '[]', '[{"t":"ping"}]', 'true', '0', '"ping"', '{}', '{"t":1}', '{"t":null}', '{"type":"ping"}']) {
      expect(refusal(text)).toMatchObject({ ok: false, code: 'bad_frame', message: 'frame must be a JSON object with a string "t"' })
    }
  })

  it('refuses an unknown type as unknown_type, naming it and echoing the frame\'s id', () => {
    expect(refusal(json({ t: 'shout', cid: 'c-9' }))).toEqual({
      ok: false, code: 'unknown_type', message: 'unknown frame type "shout"', ref: 'c-9',
    })
    expect(refusal(json({ t: 'delete', ref: 'r-4' })).ref).toBe('r-4')
  })

  it('names at most 32 characters of an unknown type', () => {
    const { message } = refusal(json({ t: 'x'.repeat(10_000) }))
    expect(message).toBe(`unknown frame type "${'x'.repeat(32)}"`)
  })

  it.each([
    ['a missing field', { t: 'send', cid: 'c-1' }, 'send.text'],
    ['a wrong-typed field', { t: 'read', conv: '3', seq: 0 }, 'read.conv'],
    ['a negative sequence number', { t: 'read', conv: 3, seq: -1 }, 'read.seq'],
    ['a fractional id', { t: 'claim', conv: 1.5 }, 'claim.conv'],
    ['a zero id', { t: 'send', cid: 'c', text: 'x', conv: 0 }, 'send.conv'],
    ['an unknown role in hello', { t: 'hello', as: 'robot' }, 'hello.as'],
    ['hello without a role', { t: 'hello' }, 'hello.as'],
    ['a nested field of the wrong type', { t: 'hello', as: 'visitor', page: { url: 5 } }, 'hello.page.url'],
    ['a replay key that is not a conversation id', { t: 'hello', as: 'visitor', last: { abc: 5 } }, 'hello.last.abc'],
    ['a status agents cannot choose', { t: 'status', status: 'offline' }, 'status.status'],
    ['a history page above the limit', { t: 'history', conv: 1, limit: MAX_HISTORY_PAGE + 1 }, 'history.limit'],
    ['typing with a non-boolean', { t: 'typing', on: 'yes' }, 'typing.on'],
    ['an empty client id', { t: 'send', cid: '', text: 'x' }, 'send.cid'],
    ['a client id that is too long', { t: 'send', cid: 'c'.repeat(MAX_CLIENT_ID_LENGTH + 1), text: 'x' }, 'send.cid'],
    ['a ref that is not a string', { t: 'claim', conv: 1, ref: 5 }, 'claim.ref'],
    ['a time zone that is no IANA name', { t: 'hello', as: 'visitor', tz: 'UTC; DROP' }, 'hello.tz'],
    ['a start without a visitor', { t: 'start', cid: 'c', text: 'Hi' }, 'start.visitor'],
    ['a start without a client id', { t: 'start', visitor: 4, text: 'Hi' }, 'start.cid'],
    ['a start with blank text', { t: 'start', visitor: 4, cid: 'c', text: '  ' }, 'start.text'],
  ])('refuses %s as bad_frame, naming the field', (_name, frame, field) => {
    const result = refusal(json(frame))
    expect(result.code).toBe('bad_frame')
    expect(result.message.startsWith(`${field}: `)).toBe(true)
  })

  it('refuses empty or blank text', () => {
    for (const text of ['', '   ', '\n\t']) {
      expect(refusal(json({ t: 'send', cid: 'c-1', text }))).toEqual({
        ok: false, code: 'bad_frame', message: 'send.text: must not be empty', ref: 'c-1',
      })
    }
  })

  it('refuses text longer than the limit in force, saying what the limit is', () => {
    const strict = createClientDecoder({ ...defaultLimits, maxTextLength: 10 })
    expect(strict(json({ t: 'send', cid: 'c-2', text: 'x'.repeat(10) })).ok).toBe(true)
    expect(refusal(json({ t: 'send', cid: 'c-2', text: 'x'.repeat(11) }), strict)).toEqual({
      ok: false, code: 'bad_frame', message: 'send.text: must be at most 10 characters', ref: 'c-2',
    })
  })

  it('echoes the client id of a refused send, so the sender can mark that message as failed', () => {
    expect(refusal(json({ t: 'send', cid: 'c-77', text: 'hi', conv: -1 })).ref).toBe('c-77')
    expect(refusal(json({ t: 'history', conv: 0, ref: 'h-3' })).ref).toBe('h-3')
    expect(refusal(json({ t: 'history', conv: 0 })).ref).toBeUndefined()
    // A refused start is answered like a refused send: by its client id.
    expect(refusal(json({ t: 'start', visitor: 0, cid: 's-5', text: 'hi' })).ref).toBe('s-5')
  })

  it('refuses a frame longer than maxFrameBytes before parsing it', () => {
    const small = createClientDecoder({ ...defaultLimits, maxFrameBytes: 1024 })
    const padded = (length: number) => {
      const frame = json({ t: 'send', cid: 'c', text: '' })
      return frame.replace('"text":""', `"text":"${'x'.repeat(length - frame.length)}"`)
    }
    expect(padded(1024)).toHaveLength(1024)
    expect(small(padded(1024)).ok).toBe(true)
    expect(refusal(padded(1025), small)).toEqual({ ok: false, code: 'too_large', message: 'frame is larger than 1024 bytes' })
    // Even text that is not JSON: size is checked first, so nothing large is ever parsed.
    expect(refusal('{'.repeat(1025), small).code).toBe('too_large')
  })
})

describe('createClientDecoder never throws', () => {
  const odd = [
    '', 'null', '[]', '{}', '""', '-0', '1e400', '{"t":"read","conv":1e400,"seq":0}',
    '{"t":"read","conv":9007199254740993,"seq":1e308}', '{"t":"send","cid":"a","text":"\\ud800"}',
    '\u0000', '\uFEFF{"t":"ping"}', '\ud800', '['.repeat(20_000), `{"a":${'['.repeat(20_000)}`,
    '{"t":"__proto__"}', '{"t":"constructor"}', '{"t":"toString","cid":{}}', '{"t":"hasOwnProperty"}',
    '{"t":"ping","__proto__":{"polluted":true}}', '{"__proto__":{"t":"ping"}}',
    '{"t":"hello","as":"visitor","last":{"__proto__":{"polluted":true}}}',
    '{"t":"hello","as":"visitor","page":{"__proto__":{"url":1}}}', '{"t":"send","constructor":{"prototype":{"polluted":true}}}',
  ]

  it.each(odd.map((text) => [text.slice(0, 60), text]))('on %j', (_shown, text) => {
    const result = decode(text)
    expect(typeof result.ok).toBe('boolean')
    if (!result.ok) expect(result.message.length).toBeGreaterThan(0)
  })

  it('lets no key reach Object.prototype', () => {
    for (const text of odd) decode(text)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
  })

  it('treats prototype names as data, never as frame types', () => {
    for (const t of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(refusal(json({ t })).code).toBe('unknown_type')
    }
  })

  it('keeps a "__proto__" key out of a decoded frame', () => {
    const result = decode('{"t":"ping","__proto__":{"polluted":true}}')
    expect(result).toEqual({ ok: true, frame: { t: 'ping' } })
    if (result.ok) expect(Object.getPrototypeOf(result.frame)).toBe(Object.prototype)
  })

  it('reads numbers beyond what JSON can hold as Infinity and refuses them', () => {
    expect(refusal('{"t":"read","conv":1e400,"seq":0}')).toMatchObject({ code: 'bad_frame', message: expect.stringMatching(/^read\.conv: /) })
  })
})

describe('decodeServerFrame', () => {
  const serverFrames: ServerFrame[] = [
    {
      t: 'welcome', as: 'visitor', me: { id: 1 }, token: 'pv_x', conversations: [],
      site: { key: 'site_a', name: 'Shop', color: '#3b5bdb', greeting: 'Hi', position: 'right' }, limits: defaultLimits,
    },
    { t: 'msg', conv: 1, seq: 2, id: 9, author: { role: 'visitor', id: 1 }, text: 'hi', at: 1_700_000_000_000, cid: 'c-1' },
    { t: 'ack', cid: 'c-1', conv: 1, seq: 2, id: 9, at: 1_700_000_000_000 },
    {
      t: 'conv',
      conv: { id: 1, site: 1, visitor: { id: 1 }, status: 'queued', lastSeq: 2, read: { visitor: 2, agent: 0 }, createdAt: 1, updatedAt: 2 },
    },
    { t: 'typing', conv: 1, role: 'agent', name: 'Ada', on: true },
    { t: 'read', conv: 1, role: 'visitor', seq: 2 },
    { t: 'agent', agent: { id: 3, name: 'Ada', status: 'online' } },
    { t: 'visitor', visitor: { id: 4, site: 1, name: 'Mia', page: { url: 'https://shop.test/', title: 'Shop' }, since: 1_700_000_000_000, returning: true } },
    { t: 'gone', visitor: 4, site: 1 },
    { t: 'history', conv: 1, ref: 'h', events: [], more: false },
    { t: 'ok', ref: 'r' },
    { t: 'error', code: 'rate_limited', message: 'slow down', ref: 'c-2' },
    { t: 'error', code: 'conflict', message: 'Mia already has an open conversation (#12)', ref: 'c-3', conv: 12 },
    { t: 'ping' },
    { t: 'pong' },
    { t: 'bye', reason: 'server restarting' },
  ]

  it.each(serverFrames.map((frame) => [frame.t, frame]))('returns a %s frame as sent', (_type, frame) => {
    expect(decodeServerFrame(encode(frame))).toEqual(frame)
  })

  it('checks only the envelope: the server is trusted with the fields', () => {
    expect(decodeServerFrame('{"t":"msg"}')).toEqual({ t: 'msg' })
  })

  it('returns undefined for anything that is not a server frame, without throwing', () => {
    for (const text of ['', 'nope', 'null', '[]', '[{"t":"ping"}]', '42', '{}', '{"t":7}', '{"t":"hello"}', '{"t":"send"}', '{"t":"__proto__"}', '['.repeat(20_000)]) {
      expect(decodeServerFrame(text)).toBeUndefined()
    }
  })
})

describe('the protocol module boundary', () => {
  const protocolDir = fileURLToPath(new URL('../../protocol/', import.meta.url))

  async function protocolSources() {
    const names = (await readdir(protocolDir)).filter((name) => name.endsWith('.ts'))
    return Promise.all(names.map(async (name) => ({ name, text: await readFile(path.join(protocolDir, name), 'utf8') })))
  }

  /** The code without comments, so that prose may mention anything. */
  const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1')

  /** Every module specifier: static imports, re-exports, side-effect imports and import(). */
  function specifiers(text: string): string[] {
    const found: string[] = []
    const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g]
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!)
    return found
  }

  it('finds the protocol files', async () => {
    const names = (await protocolSources()).map((file) => file.name)
    expect(names).toEqual(expect.arrayContaining(['codec.ts', 'client-frames.ts', 'server-frames.ts', 'limits.ts', 'index.ts']))
  })

  it('imports nothing but its own files and valibot', async () => {
    for (const { name, text } of await protocolSources()) {
      const own = new Set((await readdir(protocolDir)).filter((file) => file.endsWith('.ts')).map((file) => `./${file.replace(/\.ts$/, '.js')}`))
      for (const specifier of specifiers(withoutComments(text))) {
        expect(specifier === 'valibot' || own.has(specifier), `${name} imports "${specifier}"`).toBe(true)
      }
    }
  })

  it('uses no Node or browser globals, so the widget, console and server can all load it', async () => {
    const globals = /\b(window|document|navigator|localStorage|sessionStorage|location|process|Buffer|require|__dirname|__filename)\b/
    for (const { name, text } of await protocolSources()) {
      const code = withoutComments(text)
      expect(code, `${name} mentions node:`).not.toMatch(/node:/)
      expect(code.match(globals)?.[0], `${name} uses a global`).toBeUndefined()
    }
  })

  it('would notice a forbidden import (the checks themselves work)', () => {
    expect(specifiers(`import { readFile } from 'node:fs'\nexport * from "./x.js"\nawait import('ws')`)).toEqual(['node:fs', './x.js', 'ws'])
    expect(withoutComments('// uses window\nconst a = 1 /* document */')).not.toMatch(/window|document/)
  })
})

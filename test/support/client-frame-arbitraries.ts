/**
 * Valid client frames of every type, generated from the shapes in protocol/client-frames.ts:
 * each field within its limits, optional fields present or not. The fuzz tests mutate them
 * into frames that are almost right, which is where decoders and handlers go wrong.
 */
import fc from 'fast-check'
import { MAX_CLIENT_ID_LENGTH, MAX_HISTORY_PAGE, type ClientFrame, type ClientFrameType } from '../../protocol/index.js'

export const CLIENT_FRAME_TYPES = [
  'hello', 'send', 'start', 'typing', 'read', 'claim', 'transfer', 'close', 'status', 'history', 'page', 'profile', 'ping', 'pong',
] as const satisfies readonly ClientFrameType[]

export interface FrameShapeOptions {
  /** Ids of conversations, visitors and agents (default: any positive safe integer). */
  id?: fc.Arbitrary<number>
  /** Conversation ids, where a frame names one (default: `id`). */
  conv?: fc.Arbitrary<number>
  /** Visitor ids, in `start` (default: `id`). */
  visitor?: fc.Arbitrary<number>
  /** Agent ids, in `transfer` (default: `id`). */
  agent?: fc.Arbitrary<number>
  /** Sequence numbers (default: any non-negative safe integer). */
  seq?: fc.Arbitrary<number>
  /** Client message ids (default: 1 to 64 characters). */
  cid?: fc.Arbitrary<string>
  /** Longest message text (default: 4000, the protocol's). */
  maxTextLength?: number
  /** Which frame types (default: all). */
  types?: readonly ClientFrameType[]
}

/** A string within `max` characters, mostly short, sometimes exactly at the limit. */
const boundedString = (max: number, min = 0) => fc.oneof(
  { arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, 40) }), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', minLength: min, maxLength: Math.min(max, 20) }), weight: 2 },
  { arbitrary: fc.constant('x'.repeat(max)), weight: 1 },
)

/** Message text: not blank, within the limit (which counts UTF-16 units). */
const messageText = (max: number) => fc.oneof(
  boundedString(max, 1),
  fc.constantFrom('Hello', 'e\u0301', '🙂', '\u0000x', '\ud800 lone', 'مرحبا', '\u202Eevil'),
).filter((text) => text.trim().length > 0 && text.length <= max)

/** What `v.pipe(v.string(), v.trim(), v.email())` accepts unchanged. */
const emailAddress = fc.tuple(
  fc.stringMatching(/^[a-z0-9._%+-]{1,20}$/),
  fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  fc.constantFrom('com', 'test', 'io', 'example'),
).map(([local, domain, tld]) => `${local}@${domain}.${tld}`)
  .filter((email) => /^[\w+-]+(?:\.[\w+-]+)*@[\da-z]+(?:[.-][\da-z]+)*\.[a-z]{2,}$/iu.test(email))

const pageContext = fc.record({
  url: boundedString(2048),
  title: boundedString(512),
  referrer: boundedString(2048),
}, { requiredKeys: [], noNullPrototype: true })

/** Valid frames, one arbitrary per type; pick with `types`. */
export function validClientFrames(options: FrameShapeOptions = {}): fc.Arbitrary<ClientFrame> {
  const id = options.id ?? fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
  const conv = options.conv ?? id
  const visitor = options.visitor ?? id
  const agent = options.agent ?? id
  const seq = options.seq ?? fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
  const cid = options.cid ?? boundedString(MAX_CLIENT_ID_LENGTH, 1)
  const text = messageText(options.maxTextLength ?? 4000)
  const ref = boundedString(64)
  const last = fc.dictionary(fc.oneof(conv.filter((n) => n < 1e15).map(String), fc.stringMatching(/^\d{1,15}$/)), seq, { maxKeys: 4, noNullPrototype: true })
  const shapes: Record<ClientFrameType, fc.Arbitrary<ClientFrame>> = {
    hello: fc.oneof(
      fc.record({
        t: fc.constant('hello' as const),
        as: fc.constant('visitor' as const),
        token: boundedString(128),
        last,
        page: pageContext,
        locale: boundedString(35),
        tz: fc.oneof(fc.constantFrom('Europe/Paris', 'America/Argentina/Buenos_Aires', 'UTC', 'Etc/GMT+5'), fc.stringMatching(/^[A-Za-z][\w+\-/]{0,20}$/)),
        identity: fc.record({ userId: boundedString(128, 1), hash: fc.stringMatching(/^[0-9a-fA-F]{64}$/) }, { noNullPrototype: true }),
      }, { requiredKeys: ['t', 'as'], noNullPrototype: true }),
      fc.record({ t: fc.constant('hello' as const), as: fc.constant('agent' as const), last }, { requiredKeys: ['t', 'as'], noNullPrototype: true }),
    ),
    send: fc.record({ t: fc.constant('send' as const), cid, text, conv, note: fc.boolean() }, { requiredKeys: ['t', 'cid', 'text'], noNullPrototype: true }),
    start: fc.record({ t: fc.constant('start' as const), visitor, cid, text }, { noNullPrototype: true }),
    typing: fc.record({ t: fc.constant('typing' as const), conv, on: fc.boolean() }, { requiredKeys: ['t', 'on'], noNullPrototype: true }),
    read: fc.record({ t: fc.constant('read' as const), conv, seq }, { noNullPrototype: true }),
    claim: fc.record({ t: fc.constant('claim' as const), conv, ref }, { requiredKeys: ['t', 'conv'], noNullPrototype: true }),
    transfer: fc.record({ t: fc.constant('transfer' as const), conv, to: agent, ref }, { requiredKeys: ['t', 'conv', 'to'], noNullPrototype: true }),
    close: fc.record({ t: fc.constant('close' as const), conv, ref }, { requiredKeys: ['t', 'conv'], noNullPrototype: true }),
    status: fc.record({ t: fc.constant('status' as const), status: fc.constantFrom('online' as const, 'away' as const), ref }, { requiredKeys: ['t', 'status'], noNullPrototype: true }),
    history: fc.record({
      t: fc.constant('history' as const), conv, before: seq, limit: fc.integer({ min: 1, max: MAX_HISTORY_PAGE }), ref,
    }, { requiredKeys: ['t', 'conv'], noNullPrototype: true }),
    page: fc.record({ t: fc.constant('page' as const), url: boundedString(2048), title: boundedString(512), referrer: boundedString(2048) }, { requiredKeys: ['t'], noNullPrototype: true }),
    profile: fc.record({
      t: fc.constant('profile' as const),
      // Trimmed already: the schema trims, and a round trip should give back what was sent.
      name: boundedString(100).map((name) => name.trim()),
      email: emailAddress.filter((email) => email.length <= 254),
    }, { requiredKeys: ['t'], noNullPrototype: true }),
    ping: fc.constant({ t: 'ping' as const }),
    pong: fc.constant({ t: 'pong' as const }),
  }
  return fc.oneof(...(options.types ?? CLIENT_FRAME_TYPES).map((type) => shapes[type]))
}

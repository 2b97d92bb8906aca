/**
 * Frames a client (widget or console) sends to the server. Each is described once, as a
 * valibot schema, and its TypeScript type is inferred from it, so the type and the check
 * cannot drift apart. valibot is modular: a bundle pays only for the pieces it imports.
 */
import * as v from 'valibot'
import { MAX_CLIENT_ID_LENGTH, MAX_HISTORY_PAGE, type Limits } from './limits.js'

const id = v.pipe(v.number(), v.integer(), v.minValue(1))
const seq = v.pipe(v.number(), v.integer(), v.minValue(0))
const ref = v.optional(v.pipe(v.string(), v.maxLength(64)))
const shortText = (max: number) => v.optional(v.pipe(v.string(), v.maxLength(max)))
const clientId = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_CLIENT_ID_LENGTH))

/** Where the visitor is: sent on connect and whenever the page changes. */
const pageContext = v.object({
  url: shortText(2048),
  title: shortText(512),
  referrer: shortText(2048),
})

export function clientFrameSchema(limits: Pick<Limits, 'maxTextLength'>) {
  const text = v.pipe(
    v.string(),
    v.check((s) => s.trim().length > 0, 'must not be empty'),
    v.maxLength(limits.maxTextLength, `must be at most ${limits.maxTextLength} characters`),
  )
  return v.variant('t', [
    v.object({
      t: v.literal('hello'),
      as: v.literal('visitor'),
      /** The visitor token from an earlier `welcome`; absent on a first visit. */
      token: v.optional(v.pipe(v.string(), v.maxLength(128))),
      /** Last sequence number seen, per conversation id: the server replays what came after. */
      last: v.optional(v.record(v.pipe(v.string(), v.regex(/^\d{1,15}$/)), seq)),
      page: v.optional(pageContext),
      locale: shortText(35),
      /** The browser's IANA time zone (`Europe/Paris`), for the visitor's local time in the console. */
      tz: v.optional(v.pipe(v.string(), v.maxLength(64), v.regex(/^[A-Za-z][\w+\-/]*$/, 'must be an IANA time zone name'))),
      /** The site's own user id, signed by the site's server: see docs/widget.md. */
      identity: v.optional(
        v.object({
          userId: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
          hash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/i, 'must be a hex HMAC-SHA256')),
        }),
      ),
    }),
    v.object({
      t: v.literal('hello'),
      as: v.literal('agent'),
      last: v.optional(v.record(v.pipe(v.string(), v.regex(/^\d{1,15}$/)), seq)),
    }),
    v.object({
      t: v.literal('send'),
      /** Client message id, the idempotency key: a resend with the same id is never stored twice. */
      cid: clientId,
      text,
      /** Required for agents; a visitor's message goes to their current conversation. */
      conv: v.optional(id),
      /** An agent's internal note: stored and shown to agents only, never to the visitor. */
      note: v.optional(v.boolean()),
    }),
    /**
     * An agent writes first to a visitor on the site who has not written: a conversation opens,
     * assigned to the agent, with this message in it. Answered like `send` (an `ack`, idempotent on `cid`).
     */
    v.object({ t: v.literal('start'), visitor: id, cid: clientId, text }),
    v.object({ t: v.literal('typing'), conv: v.optional(id), on: v.boolean() }),
    v.object({ t: v.literal('read'), conv: id, seq }),
    v.object({ t: v.literal('claim'), conv: id, ref }),
    v.object({ t: v.literal('transfer'), conv: id, to: id, ref }),
    v.object({ t: v.literal('close'), conv: id, ref }),
    v.object({ t: v.literal('status'), status: v.picklist(['online', 'away']), ref }),
    v.object({
      t: v.literal('history'),
      conv: id,
      /** Return events with a sequence number below this one (newest first page when absent). */
      before: v.optional(seq),
      limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_HISTORY_PAGE))),
      ref,
    }),
    v.object({ t: v.literal('page'), ...pageContext.entries }),
    /** A visitor says who they are (pre-chat form, away form, `Parley.identify`). */
    v.object({
      t: v.literal('profile'),
      name: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(100))),
      email: v.optional(v.pipe(v.string(), v.trim(), v.email('must be an email address'), v.maxLength(254))),
    }),
    v.object({ t: v.literal('ping') }),
    v.object({ t: v.literal('pong') }),
  ])
}

export type ClientFrame = v.InferOutput<ReturnType<typeof clientFrameSchema>>
export type ClientFrameType = ClientFrame['t']
export type FrameOf<T extends ClientFrameType> = Extract<ClientFrame, { t: T }>
export type PageContext = v.InferOutput<typeof pageContext>

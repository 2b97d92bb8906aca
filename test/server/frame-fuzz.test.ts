/**
 * A live server fed random and malformed frames over WebSocket, mixed with valid ones that
 * touch real conversations (sends with repeated client ids, claims, transfers, closes, starts):
 * it answers every malformed frame with an error frame carrying its code, never fails inside
 * ("internal"), keeps its store consistent, and still answers a ping and a hello on a fresh
 * connection afterwards. Each property runs a fixed number of times from a fixed seed.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createClientDecoder, defaultLimits, encode, type ClientFrameType, type ErrorCode, type ServerFrame,
} from '../../protocol/index.js'
import { createSite } from '../../server/admin/admin-actions.js'
import { signVisitorIdentity } from '../../server/auth/visitor-identity.js'
import type { Agent } from '../../server/store/types.js'
import { connectAgent, connectVisitor, openClient, signIn, type TestClient } from '../support/chat-client.js'
import { CLIENT_FRAME_TYPES, validClientFrames } from '../support/client-frame-arbitraries.js'
import { anyJsonText, anyString, applyMutations, fuzzRuns, mutationsOf, writeJson } from '../support/fuzz.js'
import { inspectStore, type StoreInspector } from '../support/store-consistency.js'
import { HOST_ORIGIN, startTestServer, type TestServer } from '../support/test-server.js'

/** Small enough that oversized frames are cheap, large enough for every valid frame. */
const MAX_FRAME_BYTES = 16 * 1024
const limits = { ...defaultLimits, maxFrameBytes: MAX_FRAME_BYTES }
const decodeLocally = createClientDecoder(limits)

const ERROR_CODES: ErrorCode[] = [
  'bad_json', 'bad_frame', 'too_large', 'unknown_type', 'not_authenticated', 'already_authenticated', 'forbidden', 'not_found',
  'conflict', 'rate_limited', 'unavailable', 'internal',
]
const BINARY_REFUSAL = { code: 'bad_frame', message: 'frames are JSON text; binary frames are not accepted' }

type ErrorFrame = Extract<ServerFrame, { t: 'error' }>
type Refusal = { code: string; message: string; ref?: string }

/** One frame of a sequence: its text, and whether it goes as a binary message. */
interface Sent {
  text: string
  binary: boolean
}

/**
 * The error the server must answer a frame with before any chat logic sees it, or undefined
 * for a frame that decodes. The text is taken as it arrives: sending turns lone surrogates
 * into U+FFFD, as UTF-8 cannot carry them.
 */
function refusalOf({ text, binary }: Sent): Refusal | undefined {
  if (binary) return BINARY_REFUSAL
  const wire = Buffer.from(text, 'utf8').toString('utf8')
  if (Buffer.byteLength(wire) > MAX_FRAME_BYTES) {
    return { code: 'too_large', message: `frame is larger than ${MAX_FRAME_BYTES} bytes; nothing was applied` }
  }
  const decoded = decodeLocally(wire)
  if (decoded.ok) return undefined
  return { code: decoded.code, message: decoded.message, ...(decoded.ref === undefined ? {} : { ref: decoded.ref }) }
}

let s: TestServer
let inspector: StoreInspector
let agents: Agent[]
let cookies: string[]
/** Visitors who come back run after run, each with a conversation: their tokens. */
const regulars: string[] = []

beforeAll(async () => {
  // No rate limit in the way: every malformed frame must get its answer.
  s = await startTestServer({ 'rate-burst': '100000', 'rate-per-second': '100000', 'max-frame-bytes': String(MAX_FRAME_BYTES) })
  inspector = inspectStore(s.server.store, s.dbPath)
  agents = [await s.addAgent({ capacity: 3 }), await s.addAgent({ capacity: 2 })]
  cookies = await Promise.all(agents.map((agent) => signIn(s, agent.email)))
  for (const text of ['first', 'second', 'third', 'fourth', 'fifth']) {
    const { client, token } = await connectVisitor(s, { transport: 'websocket' })
    await client.say(text)
    await client.close()
    regulars.push(token)
  }
})

afterAll(async () => {
  inspector?.close()
  await s?.stop()
})

/**
 * Stand-ins for ids known only when a run starts, replaced in the frame text before it is
 * sent: the conversation of the run's visitor (which the visitor and the agent both act on)
 * and the visitor.
 */
const THEIR_CONVERSATION = 424242424242
const THE_VISITOR = 434343434343

/** Mostly the run's own conversation and visitor, or ids near the ones in use; now and then a far one. */
const far = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
const conversationIds = fc.oneof({ arbitrary: fc.constant(THEIR_CONVERSATION), weight: 5 }, { arbitrary: fc.integer({ min: 1, max: 12 }), weight: 4 }, { arbitrary: far, weight: 1 })
const visitorIds = fc.oneof({ arbitrary: fc.constant(THE_VISITOR), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 12 }), weight: 3 }, { arbitrary: far, weight: 1 })
const agentIds = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 4 }), weight: 5 }, { arbitrary: far, weight: 1 })
/** Few client ids, so that resends (and resends with another text) happen. */
const fewCids = fc.oneof(fc.constantFrom('c-1', 'c-2', 'c-3', 'dup'), fc.string({ minLength: 1, maxLength: 64 }))

/** The frame with the run's ids in place of the stand-ins. */
function withIds(sent: Sent, ids: { conversation: number; visitor: number }): Sent {
  const text = sent.text.replaceAll(String(THEIR_CONVERSATION), String(ids.conversation)).replaceAll(String(THE_VISITOR), String(ids.visitor))
  return { ...sent, text }
}

function frameTexts(types: readonly ClientFrameType[]): fc.Arbitrary<Sent> {
  const valid = validClientFrames({ id: conversationIds, conv: conversationIds, visitor: visitorIds, agent: agentIds, seq: fc.integer({ min: 0, max: 20 }), cid: fewCids, types })
  const mutated = fc.tuple(valid, fc.array(mutationsOf(CLIENT_FRAME_TYPES), { minLength: 1, maxLength: 2 }))
    .map(([frame, mutations]) => writeJson(applyMutations({ ...frame }, mutations)))
  return fc.record({
    text: fc.oneof(
      { arbitrary: valid.map(encode), weight: 6 },
      { arbitrary: mutated, weight: 3 },
      { arbitrary: anyJsonText, weight: 1 },
      { arbitrary: anyString, weight: 1 },
    ),
    // One frame in twenty goes as a binary message, which the protocol refuses.
    binary: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  }, { noNullPrototype: true })
    // Past four times the limit a frame ends the connection (1009): that case has its own test.
    .filter(({ text }) => Buffer.byteLength(text) <= 4 * MAX_FRAME_BYTES)
}

/** Sends a sequence; resolves with the refusals the server owes for it. */
function sendAll(client: TestClient, sequence: readonly Sent[]): Refusal[] {
  const owed: Refusal[] = []
  for (const sent of sequence) {
    if (sent.binary) client.socket.send(Buffer.from(sent.text))
    else client.send(sent.text)
    const refusal = refusalOf(sent)
    if (refusal) owed.push(refusal)
  }
  return owed
}

/** Every owed refusal is among the error frames received, each matched once. */
function expectRefusalsAnswered(errors: readonly ErrorFrame[], owed: readonly Refusal[]) {
  const unmatched = errors.map(({ code, message, ref }) => ({ code, message, ...(ref === undefined ? {} : { ref }) }))
  for (const refusal of owed) {
    const index = unmatched.findIndex((error) => JSON.stringify(error) === JSON.stringify(refusal))
    expect(index, `no error frame answered ${JSON.stringify(refusal)}; got ${JSON.stringify(errors.slice(-10))}`).toBeGreaterThanOrEqual(0)
    unmatched.splice(index, 1)
  }
}

/** Every error frame carries a known code and a message; none says the server failed. */
function expectClearErrors(client: TestClient) {
  for (const error of client.ofType('error')) {
    expect(ERROR_CODES).toContain(error.code)
    expect(typeof error.message).toBe('string')
    expect(error.message.length).toBeGreaterThan(0)
    expect(error.code, `the server failed on a frame: ${JSON.stringify(error)}`).not.toBe('internal')
  }
}

/**
 * Sends a frame that every identity answers with something carrying its ref (a history page,
 * or an error), after all that came before it; resolves with that answer.
 */
function drain(client: TestClient, ref: string): Promise<ServerFrame> {
  client.send({ t: 'history', conv: 1, ref })
  const answers = [client.waitFor('history', (frame) => frame.ref === ref, 10_000), client.waitFor('error', (frame) => frame.ref === ref, 10_000)]
  // Only one of the two ever comes: the other times out, quietly.
  for (const answer of answers) answer.catch(() => {})
  return Promise.any(answers)
}

async function expectStoreConsistent(options: { integrity?: boolean } = {}) {
  expect(await inspector.problems(options)).toEqual([])
}

/** After a property: the store, the file itself, and a fresh connection. */
async function expectServerAlive() {
  await expectStoreConsistent({ integrity: true })
  const client = await openClient(s, { siteKey: s.site.key, origin: HOST_ORIGIN, transport: 'websocket' })
  client.send({ t: 'ping' })
  await client.waitFor('pong')
  client.send({ t: 'hello', as: 'visitor' })
  await client.waitFor('welcome')
  await client.close()
}

const visitorFrames = frameTexts(CLIENT_FRAME_TYPES)
const agentFrames = frameTexts(['send', 'start', 'typing', 'read', 'claim', 'transfer', 'close', 'status', 'history', 'hello', 'ping', 'page', 'profile'])

describe('frames against a live server', () => {
  it('answers every malformed frame from a visitor and an agent with an error, and keeps the store consistent', async () => {
    let run = 0
    await fc.assert(fc.asyncProperty(
      fc.array(visitorFrames, { minLength: 1, maxLength: 20 }),
      fc.array(agentFrames, { minLength: 1, maxLength: 20 }),
      fc.nat({ max: 1 }),
      fc.nat({ max: 4 }),
      async (fromVisitor, fromAgent, agentIndex, regular) => {
        run += 1
        const visitor = await connectVisitor(s, { token: regulars[regular], transport: 'websocket' })
        const agent = await connectAgent(s, agents[agentIndex]!, { cookie: cookies[agentIndex], transport: 'websocket' })
        const ids = { conversation: visitor.welcome.conversations[0]?.id ?? 0, visitor: visitor.welcome.me.id }
        try {
          // Interleaved, without waiting: the two sides act on the same conversation at once.
          const owedVisitor: Refusal[] = []
          const owedAgent: Refusal[] = []
          for (let i = 0; i < Math.max(fromVisitor.length, fromAgent.length); i++) {
            if (fromVisitor[i]) owedVisitor.push(...sendAll(visitor.client, [withIds(fromVisitor[i]!, ids)]))
            if (fromAgent[i]) owedAgent.push(...sendAll(agent.client, [withIds(fromAgent[i]!, ids)]))
          }
          await Promise.all([drain(visitor.client, `end-${run}`), drain(agent.client, `end-${run}`)])
          for (const [client, owed] of [[visitor.client, owedVisitor], [agent.client, owedAgent]] as const) {
            expectClearErrors(client)
            expectRefusalsAnswered(client.ofType('error'), owed)
          }
        } finally {
          await Promise.all([visitor.client.close(), agent.client.close()])
        }
        await expectStoreConsistent()
      },
    ), fuzzRuns(300, { shrink: false }))
    await expectServerAlive()
  })

  it('answers frames before, with and after a hello on connections of every kind, and closes only as designed', async () => {
    // A site that chats only with visitors its own server signed for.
    const verifiedOnly = await createSite(s.server.store, { name: 'Members', allowedOrigins: [HOST_ORIGIN], verifiedOnly: true })
    const signedHello = fc.string({ minLength: 1, maxLength: 40 }).map((userId): Sent => ({
      text: encode({ t: 'hello', as: 'visitor', identity: { userId, hash: signVisitorIdentity(verifiedOnly.identitySecret!, userId) } }),
      binary: false,
    }))
    const kinds = ['visitor', 'verified-only visitor', 'agent', 'agent on a widget URL', 'anonymous'] as const
    const helloFrames = validClientFrames({ id: conversationIds, types: ['hello'] }).map((frame): Sent => ({ text: encode(frame), binary: false }))
    const sequence = fc.array(fc.oneof({ arbitrary: helloFrames, weight: 1 }, { arbitrary: signedHello, weight: 1 }, { arbitrary: visitorFrames, weight: 4 }), { minLength: 1, maxLength: 15 })
    let run = 0
    await fc.assert(fc.asyncProperty(fc.constantFrom(...kinds), sequence, async (kind, frames) => {
      run += 1
      const site = kind === 'verified-only visitor' ? verifiedOnly : kind === 'visitor' || kind === 'agent on a widget URL' ? s.site : undefined
      const client = await openClient(s, {
        transport: 'websocket',
        ...(site ? { siteKey: site.key, origin: HOST_ORIGIN } : {}),
        ...(kind === 'agent' || kind === 'agent on a widget URL' ? { cookie: cookies[0] } : {}),
      })
      let closedByServer: number | undefined
      void client.closed.then(({ code }) => {
        closedByServer ??= code
      })
      try {
        const owed = sendAll(client, frames.map((sent) => withIds(sent, { conversation: 1, visitor: 1 })))
        const answered = drain(client, `end-${run}`)
        answered.catch(() => {}) // a closed connection answers nothing
        await Promise.race([answered, client.closed])
        expectClearErrors(client)
        if (closedByServer === undefined) expectRefusalsAnswered(client.ofType('error'), owed)
        // Only a refused hello ends a connection: no site key, an unsigned or wrongly signed identity, no session.
        else expect([4401, 4403]).toContain(closedByServer)
      } finally {
        await client.close()
      }
      await expectStoreConsistent()
    }), fuzzRuns(200, { shrink: false }))
    await expectServerAlive()
  })

  it('closes a connection whose text frame is not UTF-8 (1007), and stays up', async () => {
    const { client } = await connectVisitor(s, { transport: 'websocket' })
    for (const bytes of [[0x7b, 0xff, 0x7d], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
      const { client: victim } = await connectVisitor(s, { transport: 'websocket' })
      victim.socket.on('error', () => {}) // the server ends the connection
      victim.socket.send(Buffer.from(bytes), { binary: false })
      expect((await victim.closed).code).toBe(1007)
    }
    await client.say('still fine')
    await client.close()
    await expectStoreConsistent()
    await expectServerAlive()
  })
})

describe('malformed frames under the rate limit', () => {
  it('answers junk while the connection has tokens and drops the rest silently, answering pings throughout', async () => {
    const limited = await startTestServer({ 'rate-burst': '6', 'rate-per-second': '1', 'max-frame-bytes': String(MAX_FRAME_BYTES) })
    try {
      const { client } = await connectVisitor(limited, { transport: 'websocket' }) // the hello took one token
      const junk = fc.sample(visitorFrames.filter((sent) => refusalOf(sent) !== undefined && !sent.binary), { numRuns: 30, seed: 7 })
      for (const { text } of junk) client.send(text)
      await client.roundTrip()
      // Tokens come back at one a second: a slow machine may have earned one more meanwhile.
      expect(client.ofType('error').length).toBeGreaterThanOrEqual(5)
      expect(client.ofType('error').length).toBeLessThanOrEqual(7)
      expectRefusalsAnswered(client.ofType('error'), junk.slice(0, 5).map((sent) => refusalOf(sent)!))
      expectClearErrors(client)
      await client.close()
      const limitedInspector = inspectStore(limited.server.store, limited.dbPath)
      expect(await limitedInspector.problems({ integrity: true })).toEqual([])
      limitedInspector.close()
    } finally {
      await limited.stop()
    }
  })
})

/**
 * A crowd for fault tests: visitors and agents on the client connection library
 * (client/connection.ts, with its outbox, backoff and sequence tracking, as the widget and the
 * console use it). Each visitor has a conversation of their own and the agent it was routed
 * to answers every message of theirs. A bounded burst runs between them while a test breaks
 * things (a killed server, a hostile network); `problems()` then compares what each
 * application was handed with what the store kept.
 *
 * @example
 *   const crowd = openCrowd({ url, siteKey, agentCookies, visitors: 50, messagesPerVisitor: 8, seed })
 *   await crowd.gather()
 *   await crowd.burst() // while something fails
 *   await crowd.settled(20_000)
 *   expect(await crowd.problems(store)).toEqual([])
 */
import { createConnection, type Connection, type ConnectionOptions } from '../../client/index.js'
import type { ChatEvent, ServerFrame } from '../../protocol/index.js'
import type { Store } from '../../server/store/store.js'
import type { Message } from '../../server/store/types.js'
import { seededRandom } from './tcp-proxy.js'
import { delay, transportsWith, waitUntil, type TransportChoice } from './node-transports.js'
import { HOST_ORIGIN } from './test-server.js'

export interface CrowdOptions {
  /** The server, or a proxy in front of it. */
  url: string
  siteKey: string
  /** One session cookie (`name=value`) per agent. */
  agentCookies: string[]
  visitors: number
  /** Each visitor writes this many messages in the burst, and gets as many answers. */
  messagesPerVisitor: number
  /** Draws the pauses between a visitor's messages. */
  seed: number
  /** A pause between two messages of a visitor is drawn in [min, max). */
  gapMs?: [number, number]
  transports?: TransportChoice
  timing?: Pick<ConnectionOptions, 'fallbackAfterMs' | 'upgradeEveryMs'>
}

type Ack = Extract<ServerFrame, { t: 'ack' }>

/** A message given to `sendMessage`. */
interface Written {
  cid: string
  text: string
  /** Where it was written to (a visitor writes to their current conversation, unnamed). */
  conv?: number
}

interface Party {
  name: string
  role: 'visitor' | 'agent'
  connection: Connection
  /** Every frame handed to `onFrame`, in order: what the application saw. */
  frames: ServerFrame[]
  written: Written[]
  /** Client ids of the messages seen in `msg` events, per conversation. */
  seen: Map<number, Set<string>>
  /** From the latest `welcome`. */
  id?: number
  token?: string
  /** A visitor's conversation, from the acknowledgement of their first message. */
  conv?: number
}

const events = (party: Party, conv: number) => party.frames.filter((frame): frame is ChatEvent => frame.t === 'msg' && frame.conv === conv)
const acks = (party: Party) => party.frames.filter((frame): frame is Ack => frame.t === 'ack')
const welcomes = (party: Party) => party.frames.filter((frame) => frame.t === 'welcome').length

const visitorText = (visitor: number, n: number) => `visitor ${visitor} message ${n}`
const VISITOR_TEXT = /^visitor (\d+) message (\d+)$/

export function openCrowd(options: CrowdOptions) {
  const { messagesPerVisitor } = options
  const [minGap, maxGap] = options.gapMs ?? [30, 120]
  const agents: Party[] = []
  const visitors: Party[] = []
  /** Who is assigned each conversation, as the agents last heard. */
  const assignees = new Map<number, number>()
  /** Fixed when the burst starts: the agent who answers each conversation. */
  const answerers = new Map<number, Party>()

  /** A party on a connection of its own; `link` says how it connects and introduces itself. */
  function open(name: string, role: Party['role'], link: (party: Party) => Pick<ConnectionOptions, 'query' | 'hello' | 'transports'>): Party {
    const party = { name, role, frames: [], written: [], seen: new Map() } as Omit<Party, 'connection'> as Party
    party.connection = createConnection({
      url: options.url,
      ...link(party),
      ...options.timing,
      onFrame(frame) {
        party.frames.push(frame)
        heard(party, frame)
      },
    })
    return party
  }

  function heard(party: Party, frame: ServerFrame) {
    switch (frame.t) {
      case 'welcome':
        party.id = frame.me.id
        party.token = frame.token ?? party.token
        for (const conv of frame.conversations) if (conv.assignee) assignees.set(conv.id, conv.assignee.id)
        return
      case 'conv':
        if (frame.conv.assignee) assignees.set(frame.conv.id, frame.conv.assignee.id)
        return
      case 'ack':
        if (party.role === 'visitor') party.conv ??= frame.conv
        return
      case 'msg': {
        if (frame.cid !== undefined) {
          const seen = party.seen.get(frame.conv) ?? new Set()
          seen.add(frame.cid)
          party.seen.set(frame.conv, seen)
        }
        const asked = VISITOR_TEXT.exec(frame.text)
        if (party.role === 'agent' && frame.author.role === 'visitor' && asked && answerers.get(frame.conv) === party) {
          // The application answers what it is handed: a repeat handed to it would be answered twice.
          write(party, `${party.name} answers visitor ${asked[1]} message ${asked[2]}`, frame.conv)
        }
        return
      }
    }
  }

  function write(party: Party, text: string, conv?: number) {
    const cid = party.connection.sendMessage(text, conv)
    party.written.push({ cid, text, conv })
  }

  options.agentCookies.forEach((cookie, n) => {
    agents.push(open(`agent ${n + 1}`, 'agent', () => ({
      hello: () => ({ as: 'agent' as const }),
      transports: transportsWith({ Cookie: cookie }, options.transports),
    })))
  })

  function openVisitors() {
    for (let n = 1; n <= options.visitors; n += 1) {
      const visitor = open(`visitor ${n}`, 'visitor', (party) => ({
        query: `site=${options.siteKey}`,
        // The token of the first welcome, at every reconnect: still the same visitor.
        hello: () => ({ as: 'visitor' as const, ...(party.token ? { token: party.token } : {}) }),
        transports: transportsWith({ Origin: HOST_ORIGIN }, options.transports),
      }))
      visitors.push(visitor)
      write(visitor, `visitor ${n} says hello`)
    }
  }

  const parties = () => [...agents, ...visitors]
  const conversations = () => visitors.map((visitor) => visitor.conv!)
  /** A visitor and every agent follow the visitor's conversation. */
  const followers = (visitor: Party) => [visitor, ...agents]
  /** Every message written into a visitor's conversation. */
  const writtenInto = (visitor: Party) => [...visitor.written, ...(answerers.get(visitor.conv!)?.written ?? []).filter((item) => item.conv === visitor.conv)]

  /** How many of the messages written into a visitor's conversation a party has not been handed yet. */
  const missing = (party: Party, visitor: Party) => {
    const seen = party.seen.get(visitor.conv!) ?? new Set()
    return writtenInto(visitor).filter((item) => !seen.has(item.cid)).length
  }

  return {
    /** Every visitor and agent, by name. */
    parties,
    /** Each visitor's conversation (known once `gather` is over). */
    conversations,

    /**
     * Agents come online, then each visitor says hello and is routed to one of them. Resolves
     * once every conversation is assigned and its agent has seen the hello.
     */
    async gather(timeoutMs = 15_000) {
      await waitUntil(() => `the agents are online: ${agents.map((agent) => agent.connection.state).join(', ')}`,
        () => agents.every((agent) => agent.connection.state === 'online'), timeoutMs)
      openVisitors()
      await waitUntil(
        () => `every visitor is in a conversation assigned to an agent who saw it: ${visitors.filter((visitor) => visitor.conv === undefined).length} without a conversation, ` +
          `${visitors.filter((visitor) => visitor.conv !== undefined && !assignees.has(visitor.conv)).length} not assigned`,
        () => visitors.every((visitor) => {
          if (visitor.conv === undefined || !assignees.has(visitor.conv)) return false
          const agent = agents.find((candidate) => candidate.id === assignees.get(visitor.conv!))
          return agent !== undefined && missing(agent, visitor) === 0
        }),
        timeoutMs,
      )
      for (const conv of conversations()) answerers.set(conv, agents.find((agent) => agent.id === assignees.get(conv))!)
    },

    /** Each visitor writes their messages, a seeded pause apart; agents answer as they see them. */
    async burst() {
      await Promise.all(visitors.map(async (visitor, index) => {
        const random = seededRandom(options.seed + index)
        for (let n = 1; n <= messagesPerVisitor; n += 1) {
          write(visitor, visitorText(index + 1, n))
          await delay(minGap + random() * (maxGap - minGap))
        }
      }))
    },

    /** Burst messages and answers written and acknowledged so far, out of how many in all. */
    progress() {
      const inBurst = (party: Party) => (party.role === 'visitor' ? 1 : 0)
      const written = parties().reduce((sum, party) => sum + party.written.length - inBurst(party), 0)
      const acknowledged = parties().reduce((sum, party) => sum + acks(party).length - inBurst(party), 0)
      return { written, acknowledged, expected: 2 * options.visitors * messagesPerVisitor }
    },

    /** Messages waiting in the outboxes now, by client id (with the writer's name). */
    pending(): Map<string, string> {
      return new Map(parties().flatMap((party) => party.connection.pending().map((item) => [item.cid, party.name] as const)))
    },

    /** How many times each party has been welcomed after its first time. */
    reconnects: () => parties().map((party) => Math.max(0, welcomes(party) - 1)),

    /** Every message written, answered and acknowledged, and seen by everyone who follows its conversation. */
    async settled(timeoutMs: number) {
      await waitUntil(() => {
        const behind = parties().filter((party) => party.connection.pending().length > 0 || visitors.some((visitor) => followers(visitor).includes(party) && missing(party, visitor) > 0))
        const unanswered = visitors.filter((visitor) => writtenInto(visitor).length < 1 + 2 * messagesPerVisitor)
        return `every message is written, answered, acknowledged and seen: ${unanswered.length} conversations still unanswered; behind: ` +
          behind.slice(0, 8).map((party) => `${party.name} (${party.connection.state}, ${party.connection.pending().length} pending, ` +
            `${visitors.reduce((sum, visitor) => sum + (followers(visitor).includes(party) ? missing(party, visitor) : 0), 0)} unseen)`).join(', ')
      }, () => visitors.every((visitor) =>
        writtenInto(visitor).length === 1 + 2 * messagesPerVisitor &&
        followers(visitor).every((party) => party.connection.pending().length === 0 && missing(party, visitor) === 0),
      ), timeoutMs)
    },

    /**
     * Everything that went wrong, compared with the store, one line each (none: nothing lost,
     * doubled or reordered):
     * - each message written is stored exactly once, in its conversation, in the order written;
     * - each party was handed each event of the conversations it follows once, in sequence
     *   order, as stored;
     * - each message written was acknowledged to its writer once, as stored.
     */
    async problems(store: Store): Promise<string[]> {
      const found: string[] = []
      const storedByCid = new Map<string, Message[]>()
      for (const visitor of visitors) {
        const conv = visitor.conv!
        const stored = await store.messagesAfter(conv, 0, 100_000)
        for (const message of stored) {
          if (message.clientId !== undefined) storedByCid.set(message.clientId, [...(storedByCid.get(message.clientId) ?? []), message])
        }
        found.push(...storeProblems(`conversation ${conv} (${visitor.name})`, stored, visitor, answerers.get(conv)!, writtenInto(visitor)))
        for (const party of followers(visitor)) {
          const problem = deliveryProblem(events(party, conv), stored)
          if (problem) found.push(`${party.name} in conversation ${conv}: ${problem}`)
        }
      }
      for (const party of parties()) found.push(...ackProblems(party, storedByCid))
      return found
    },

    close() {
      for (const party of parties()) party.connection.close()
    },
  }
}

export type Crowd = ReturnType<typeof openCrowd>

/** Each message written is stored once, and a writer's messages in the order written. */
function storeProblems(where: string, stored: Message[], visitor: Party, answerer: Party, written: Written[]): string[] {
  const found: string[] = []
  const seqs = stored.map((message) => message.seq)
  if (seqs.some((seq, index) => seq !== index + 1)) found.push(`${where}: stored sequence numbers are not 1..${stored.length}: ${seqs.join(',')}`)
  for (const item of written) {
    const copies = stored.filter((message) => message.clientId === item.cid).length
    if (copies !== 1) found.push(`${where}: "${item.text}" (${item.cid}) is stored ${copies} times`)
  }
  const writtenCids = new Set(written.map((item) => item.cid))
  for (const message of stored) {
    if (message.clientId !== undefined && !writtenCids.has(message.clientId)) found.push(`${where}: "${message.text}" (seq ${message.seq}) was stored but never written here`)
  }
  for (const [party, role] of [[visitor, 'visitor'], [answerer, 'agent']] as const) {
    const own = stored.filter((message) => message.authorRole === role).map((message) => message.text)
    const inOrder = party.written.map((item) => item.text).filter((text) => own.includes(text))
    if (own.join('\n') !== inOrder.join('\n')) found.push(`${where}: ${party.name}'s messages are stored out of the order written: ${own.join(' | ')}`)
  }
  return found
}

/** What is wrong with the events handed to an application, compared with the store; undefined when nothing. */
function deliveryProblem(seen: ChatEvent[], stored: Message[]): string | undefined {
  const counts = new Map<number, number>()
  for (const event of seen) counts.set(event.seq, (counts.get(event.seq) ?? 0) + 1)
  const doubled = [...counts].filter(([, count]) => count > 1).map(([seq]) => seq)
  if (doubled.length > 0) return `handed seq ${doubled.join(', ')} more than once`
  const missed = stored.filter((message) => !counts.has(message.seq)).map((message) => message.seq)
  if (missed.length > 0) return `never handed seq ${missed.join(', ')} (of ${stored.length})`
  const disorder = seen.findIndex((event, index) => index > 0 && event.seq < seen[index - 1]!.seq)
  if (disorder > 0) return `handed seq ${seen[disorder]!.seq} after seq ${seen[disorder - 1]!.seq}`
  const bySeq = new Map(stored.map((message) => [message.seq, message]))
  for (const event of seen) {
    const message = bySeq.get(event.seq)
    if (!message) return `handed seq ${event.seq}, which is not stored`
    if (message.id !== event.id || message.text !== event.text || message.clientId !== event.cid) {
      return `handed seq ${event.seq} as "${event.text}" (id ${event.id}), stored as "${message.text}" (id ${message.id})`
    }
  }
  return undefined
}

/** Each message written was acknowledged to the application once, with the seq and id it is stored with. */
function ackProblems(party: Party, storedByCid: Map<string, Message[]>): string[] {
  const found: string[] = []
  const handed = new Map<string, Ack[]>()
  for (const ack of acks(party)) handed.set(ack.cid, [...(handed.get(ack.cid) ?? []), ack])
  for (const item of party.written) {
    const got = handed.get(item.cid) ?? []
    if (got.length !== 1) found.push(`${party.name}: "${item.text}" was acknowledged ${got.length} times`)
    const stored = storedByCid.get(item.cid)?.[0]
    const ack = got[0]
    if (ack && stored && (ack.conv !== stored.conversationId || ack.seq !== stored.seq || ack.id !== stored.id)) {
      found.push(`${party.name}: "${item.text}" was acknowledged as conversation ${ack.conv} seq ${ack.seq} id ${ack.id}, ` +
        `stored as conversation ${stored.conversationId} seq ${stored.seq} id ${stored.id}`)
    }
  }
  const writtenCids = new Set(party.written.map((item) => item.cid))
  for (const cid of handed.keys()) if (!writtenCids.has(cid)) found.push(`${party.name}: acknowledged ${cid}, which it never wrote`)
  return found
}

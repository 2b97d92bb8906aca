/**
 * Transcripts as files: the same conversation as plain text, CSV and JSON, checked as exact
 * text, with notes left out unless asked for and spreadsheet formulas defused.
 */
import { describe, expect, it } from 'vitest'
import { isoTime, isTimeZone } from '../../server/export/iso-time.js'
import { buildTranscript, renderTranscript, transcriptCsv, transcriptText, type TranscriptSource } from '../../server/export/transcript.js'
import type { Message } from '../../server/store/types.js'

const at = (minute: number, second = 0) => Date.UTC(2026, 2, 1, 9, minute, second)

function message(seq: number, fields: Partial<Message> & Pick<Message, 'authorRole' | 'text'>): Message {
  return { id: 100 + seq, conversationId: 12, seq, kind: 'message', createdAt: at(seq), ...fields }
}

/** A closed chat: a visitor who writes formulas, an agent, a colleague's note and system events. */
const source: TranscriptSource = {
  conversation: {
    id: 12, siteId: 1, visitorId: 5, status: 'closed', assigneeId: 2, lastSeq: 7,
    visitorReadSeq: 7, agentReadSeq: 7, createdAt: at(0), updatedAt: at(30), closedAt: at(30),
  },
  messages: [
    message(1, { authorRole: 'visitor', authorId: 5, text: 'Hello, my order "the blue one" has not arrived' }),
    message(2, { kind: 'system', authorRole: 'system', systemEvent: 'joined', text: 'Grace Hopper joined the conversation' }),
    message(3, { authorRole: 'agent', authorId: 2, authorName: 'Grace Hopper', text: 'Sorry about that!\nLet me check.' }),
    message(4, { authorRole: 'agent', authorId: 3, authorName: 'Nora', internal: true, text: 'VIP; refund if late' }),
    message(5, { authorRole: 'visitor', authorId: 5, text: '=HYPERLINK("http://evil.test","click")' }),
    message(6, { authorRole: 'visitor', authorId: 5, text: '-1 star, @support\r\n+ one more' }),
    { ...message(7, { kind: 'system', authorRole: 'system', systemEvent: 'closed', text: 'Grace Hopper closed the conversation' }), createdAt: at(30) },
  ],
  site: { id: 1, name: 'Shop, Inc.' },
  visitor: { id: 5, name: 'Ada Lovelace', email: 'ada@example.com' },
  agents: [{ id: 2, name: 'Grace Hopper' }, { id: 3, name: 'Nora' }],
}

describe('times in transcripts', () => {
  it('carry their offset, in the time zone asked for', () => {
    expect(isoTime(Date.UTC(2026, 0, 5, 23, 30, 5))).toBe('2026-01-05T23:30:05Z')
    expect(isoTime(Date.UTC(2026, 0, 5, 23, 30, 5), 'Europe/Paris')).toBe('2026-01-06T00:30:05+01:00')
    expect(isoTime(Date.UTC(2026, 6, 5, 23, 30, 5), 'Europe/Paris')).toBe('2026-07-06T01:30:05+02:00')
    expect(isoTime(Date.UTC(2026, 0, 5, 12, 0, 0), 'Asia/Kolkata')).toBe('2026-01-05T17:30:00+05:30')
    expect(isoTime(Date.UTC(2026, 0, 5, 12, 0, 0), 'America/St_Johns')).toBe('2026-01-05T08:30:00-03:30')
    expect(isoTime(Date.UTC(2026, 0, 5, 12, 0, 0), 'Europe/London')).toBe('2026-01-05T12:00:00Z')
  })

  it('know a time zone from a made-up one', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true)
    expect(isTimeZone('UTC')).toBe(true)
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false)
    expect(isTimeZone('')).toBe(false)
  })
})

describe('a transcript', () => {
  it('reads as plain text: a header, system events, later lines indented under their message', () => {
    expect(transcriptText(buildTranscript(source, { includeNotes: true }))).toBe([
      'Parley conversation #12',
      'Site: Shop, Inc.',
      'Visitor: Ada Lovelace <ada@example.com>',
      'Agents: Grace Hopper, Nora',
      'Status: closed',
      'Started: 2026-03-01T09:00:00Z',
      'Closed: 2026-03-01T09:30:00Z',
      'Time zone: UTC',
      'Internal notes: included, marked (internal note)',
      '',
      '[2026-03-01T09:01:00Z] Ada Lovelace: Hello, my order "the blue one" has not arrived',
      '[2026-03-01T09:02:00Z] * Grace Hopper joined the conversation',
      '[2026-03-01T09:03:00Z] Grace Hopper: Sorry about that!',
      '    Let me check.',
      '[2026-03-01T09:04:00Z] Nora (internal note): VIP; refund if late',
      '[2026-03-01T09:05:00Z] Ada Lovelace: =HYPERLINK("http://evil.test","click")',
      '[2026-03-01T09:06:00Z] Ada Lovelace: -1 star, @support',
      '    + one more',
      '[2026-03-01T09:30:00Z] * Grace Hopper closed the conversation',
      '',
    ].join('\n'))
  })

  it('leaves internal notes out unless asked, and their authors with them', () => {
    const text = transcriptText(buildTranscript(source, { timeZone: 'Europe/Paris' }))
    expect(text).not.toContain('VIP')
    expect(text).toContain('Agents: Grace Hopper\n')
    expect(text).toContain('Internal notes: not included\n')
    expect(text).toContain('Started: 2026-03-01T10:00:00+01:00\n')
    expect(text).toContain('Time zone: Europe/Paris\n')
  })

  it('names a visitor without a name by number, and an open conversation has no closing time', () => {
    const open = buildTranscript({
      ...source,
      conversation: { ...source.conversation, status: 'assigned', closedAt: at(20) },
      visitor: { id: 5 },
      agents: [],
    })
    expect(open.conversation.closedAt).toBeUndefined()
    expect(open.conversation.agents).toEqual([{ id: 2, name: 'Grace Hopper' }])
    const text = transcriptText(open)
    expect(text).toContain('Visitor: Visitor #5\n')
    expect(text).not.toContain('Closed:')
    expect(text).toContain('] Visitor #5: Hello')
  })

  it('is RFC 4180 CSV: CRLF records, quoted commas, quotes and line breaks, formulas defused', () => {
    const csv = transcriptCsv(buildTranscript(source, { includeNotes: true }))
    expect(csv.split('\r\n').slice(0, 1)).toEqual(['conversation,site,visitor,visitor_email,time,seq,type,author_role,author,text'])
    const prefix = '12,"Shop, Inc.",Ada Lovelace,ada@example.com,'
    expect(csv).toBe([
      'conversation,site,visitor,visitor_email,time,seq,type,author_role,author,text\r\n',
      `${prefix}2026-03-01T09:01:00Z,1,message,visitor,Ada Lovelace,"Hello, my order ""the blue one"" has not arrived"\r\n`,
      `${prefix}2026-03-01T09:02:00Z,2,system,system,,Grace Hopper joined the conversation\r\n`,
      `${prefix}2026-03-01T09:03:00Z,3,message,agent,Grace Hopper,"Sorry about that!\nLet me check."\r\n`,
      `${prefix}2026-03-01T09:04:00Z,4,note,agent,Nora,VIP; refund if late\r\n`,
      `${prefix}2026-03-01T09:05:00Z,5,message,visitor,Ada Lovelace,"'=HYPERLINK(""http://evil.test"",""click"")"\r\n`,
      `${prefix}2026-03-01T09:06:00Z,6,message,visitor,Ada Lovelace,"'-1 star, @support\r\n+ one more"\r\n`,
      `${prefix}2026-03-01T09:30:00Z,7,system,system,,Grace Hopper closed the conversation\r\n`,
    ].join(''))
  })

  it('defuses every cell a spreadsheet would run, names included, and quotes a lone CR', () => {
    const csv = transcriptCsv(buildTranscript({
      ...source,
      site: { id: 1, name: '@site' },
      visitor: { id: 5, name: '+Visitor', email: '=mail@example.com' },
      messages: [
        message(1, { authorRole: 'visitor', text: '\tTabbed' }),
        message(2, { authorRole: 'visitor', text: '\rReturned' }),
        message(3, { authorRole: 'visitor', text: 'safe - and = inside' }),
      ],
    }))
    const rows = csv.split('\r\n')
    expect(rows[1]).toBe("12,'@site,'+Visitor,'=mail@example.com,2026-03-01T09:01:00Z,1,message,visitor,'+Visitor,'\tTabbed")
    expect(rows[2]).toBe(`12,'@site,'+Visitor,'=mail@example.com,2026-03-01T09:02:00Z,2,message,visitor,'+Visitor,"'\rReturned"`)
    expect(rows[3]).toMatch(/,safe - and = inside$/)
  })

  it('starts CSV with a UTF-8 byte order mark only when asked', () => {
    expect(transcriptCsv(buildTranscript(source)).charCodeAt(0)).toBe('c'.charCodeAt(0))
    expect(transcriptCsv(buildTranscript(source), { bom: true }).startsWith('\uFEFFconversation,')).toBe(true)
  })

  it('is JSON with the same header and events, notes marked as notes', () => {
    const file = renderTranscript(source, 'json', { includeNotes: true, timeZone: 'Asia/Kolkata' })
    expect(file.contentType).toBe('application/json; charset=utf-8')
    expect(file.fileName).toBe('parley-conversation-12.json')
    const transcript = JSON.parse(file.body)
    expect(transcript.conversation).toEqual({
      id: 12,
      status: 'closed',
      site: { id: 1, name: 'Shop, Inc.' },
      visitor: { id: 5, name: 'Ada Lovelace', email: 'ada@example.com' },
      agents: [{ id: 2, name: 'Grace Hopper' }, { id: 3, name: 'Nora' }],
      createdAt: '2026-03-01T14:30:00+05:30',
      closedAt: '2026-03-01T15:00:00+05:30',
    })
    expect(transcript.timeZone).toBe('Asia/Kolkata')
    expect(transcript.notesIncluded).toBe(true)
    expect(transcript.events[1]).toEqual({
      seq: 2, at: '2026-03-01T14:32:00+05:30', type: 'system', event: 'joined', author: { role: 'system' }, text: 'Grace Hopper joined the conversation',
    })
    expect(transcript.events[3]).toEqual({
      seq: 4, at: '2026-03-01T14:34:00+05:30', type: 'note', author: { role: 'agent', id: 3, name: 'Nora' }, text: 'VIP; refund if late',
    })
    expect(JSON.parse(renderTranscript(source, 'json').body).events.map((event: { seq: number }) => event.seq)).toEqual([1, 2, 3, 5, 6, 7])
  })

  it('is served under a file name and content type for each format', () => {
    expect(renderTranscript(source, 'txt')).toMatchObject({ fileName: 'parley-conversation-12.txt', contentType: 'text/plain; charset=utf-8' })
    expect(renderTranscript(source, 'csv')).toMatchObject({ fileName: 'parley-conversation-12.csv', contentType: 'text/csv; charset=utf-8; header=present' })
  })
})

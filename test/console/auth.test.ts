/** What the sign-in form is told for each answer of the auth API. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { currentAgent, signIn } from '../../console/auth.js'

const agent = { id: 1, name: 'Ada', email: 'ada@parley.test', role: 'agent' }

function answer(status: number, body: unknown = {}, headers: Record<string, string> = {}) {
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(body), { status, headers })))
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('console sign-in', () => {
  it('returns the agent when the password is right', async () => {
    answer(200, { agent })
    expect(await signIn('ada@parley.test', 'pw')).toEqual({ ok: true, agent })
  })

  it('says a wrong email or password does not match', async () => {
    answer(401, { error: { code: 'invalid_credentials' } })
    expect(await signIn('ada@parley.test', 'nope')).toEqual({ ok: false, message: 'That email and password do not match an agent.' })
  })

  it('says when to try again after too many attempts', async () => {
    answer(429, {}, { 'retry-after': '600' })
    expect(await signIn('ada@parley.test', 'nope')).toEqual({ ok: false, message: 'Too many failed attempts. Try again in 10 minutes.' })
    answer(429, {}, { 'retry-after': '30' })
    expect(await signIn('ada@parley.test', 'nope')).toMatchObject({ message: 'Too many failed attempts. Try again in 30 seconds.' })
  })

  it('says so when the server cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('fetch failed') }))
    expect(await signIn('ada@parley.test', 'pw')).toMatchObject({ ok: false, message: expect.stringContaining('cannot be reached') })
    expect(await currentAgent()).toBeUndefined()
  })

  it('finds the agent of the current session, or none', async () => {
    answer(200, { agent })
    expect(await currentAgent()).toEqual(agent)
    answer(401)
    expect(await currentAgent()).toBeUndefined()
  })
})

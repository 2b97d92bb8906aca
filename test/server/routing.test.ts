import { describe, expect, it } from 'vitest'
import { assignToLeastBusyAgent, canTakeChat, type AgentLoad } from '../../server/chat/routing.js'

/** An online agent with room for five chats and none yet, unless told otherwise. */
const agent = (id: number, load: Partial<Omit<AgentLoad, 'id'>> = {}): AgentLoad => ({
  id, status: 'online', capacity: 5, assigned: 0, ...load,
})

describe('canTakeChat', () => {
  it('is true for an online agent below capacity', () => {
    expect(canTakeChat(agent(1, { assigned: 4, capacity: 5 }))).toBe(true)
  })

  it('is false once the agent has as many chats as their capacity, or more', () => {
    expect(canTakeChat(agent(1, { assigned: 5, capacity: 5 }))).toBe(false)
    expect(canTakeChat(agent(1, { assigned: 6, capacity: 5 }))).toBe(false)
  })

  it('is false for an agent who is away or offline, however free', () => {
    expect(canTakeChat(agent(1, { status: 'away' }))).toBe(false)
    expect(canTakeChat(agent(1, { status: 'offline' }))).toBe(false)
  })
})

describe('assignToLeastBusyAgent', () => {
  it('returns undefined when there is nobody to ask', () => {
    expect(assignToLeastBusyAgent([])).toBeUndefined()
  })

  it('returns undefined when every agent is away, offline or full', () => {
    const agents = [
      agent(1, { status: 'away' }),
      agent(2, { status: 'offline' }),
      agent(3, { assigned: 2, capacity: 2 }),
    ]
    expect(assignToLeastBusyAgent(agents)).toBeUndefined()
  })

  it('picks the online agent with the fewest open chats', () => {
    const agents = [agent(1, { assigned: 3 }), agent(2, { assigned: 1 }), agent(3, { assigned: 2 })]
    expect(assignToLeastBusyAgent(agents)).toBe(2)
  })

  it('passes over a full agent even when they have the fewest chats', () => {
    const agents = [agent(1, { assigned: 1, capacity: 1 }), agent(2, { assigned: 3, capacity: 5 })]
    expect(assignToLeastBusyAgent(agents)).toBe(2)
  })

  it('passes over idle agents who are away or offline', () => {
    const agents = [
      agent(1, { status: 'away' }),
      agent(2, { status: 'offline' }),
      agent(3, { assigned: 4 }),
    ]
    expect(assignToLeastBusyAgent(agents)).toBe(3)
  })

  it('breaks a tie in open chats in favour of the agent with more free room', () => {
    const agents = [agent(1, { assigned: 2, capacity: 3 }), agent(2, { assigned: 2, capacity: 8 })]
    expect(assignToLeastBusyAgent(agents)).toBe(2)
  })

  it('breaks a complete tie by the lowest id, whatever the order of the list', () => {
    const agents = [agent(7, { assigned: 1 }), agent(3, { assigned: 1 }), agent(5, { assigned: 1 })]
    expect(assignToLeastBusyAgent(agents)).toBe(3)
    expect(assignToLeastBusyAgent([...agents].reverse())).toBe(3)
  })

  it('leaves the list it was given as it was', () => {
    const agents = [agent(2, { assigned: 3 }), agent(1, { assigned: 0 }), agent(3, { status: 'away' })]
    const before = structuredClone(agents)
    assignToLeastBusyAgent(agents)
    expect(agents).toEqual(before)
  })
})

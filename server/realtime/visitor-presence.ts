/**
 * Who is on each site right now. Chat logic tells presence when a visitor's connections open
 * and close and where they are; presence keeps the visits and says when one has ended. The
 * in-process implementation is local-visitor-presence.ts; one shared by several processes
 * (Redis) implements the same interface, which is why every call returns a promise.
 */

/** One visitor's visit: unbroken presence, whatever the number of tabs or reloads. */
export interface Visit {
  visitorId: number
  siteId: number
  name?: string
  pageUrl?: string
  pageTitle?: string
  /** When the visit began (milliseconds since the epoch). */
  since: number
  /** Parley knew this browser before the visit began (see server/chat/visits.ts). */
  returning: boolean
}

export type VisitChange = Partial<Pick<Visit, 'name' | 'pageUrl' | 'pageTitle'>>

export interface VisitorPresence {
  /**
   * A connection of the visitor opened. A visit still running (another tab, a reload within
   * the grace) continues with its start and `returning` kept, taking the new page and name;
   * otherwise `visit` begins. Resolves with the visit as it now stands.
   */
  connected(visit: Visit): Promise<Visit>
  /** The visitor moved or gave their name; `undefined` when they are not here. */
  update(visitorId: number, change: VisitChange): Promise<Visit | undefined>
  /** A connection closed. Once the last one has been closed for the grace, the visit ends. */
  disconnected(visitorId: number): Promise<void>
  /** The visit of a visitor here now (or within the grace), if any. */
  get(visitorId: number): Promise<Visit | undefined>
  /** Visits on these sites, the latest to begin first, at most `limit`. */
  list(siteIds: number[], limit: number): Promise<Visit[]>
  /** Stops the timers; ends no visit (another process may carry them on). */
  close(): Promise<void>
}

export interface VisitorPresenceOptions {
  /** How long a visitor with no connection still counts as here: a reload or a page change is not a departure. */
  graceMs: number
  /** Called once when a visit has ended. */
  onGone(visit: Visit): void
}

export type VisitorPresenceFactory = (options: VisitorPresenceOptions) => VisitorPresence

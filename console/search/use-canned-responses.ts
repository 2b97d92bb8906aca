import { useEffect, useState } from 'preact/hooks'
import { api } from '../api.js'
import type { CannedResponse } from '../canned.js'

/** The last list fetched, shown at once by the next composer while it asks again. */
let lastKnown: CannedResponse[] = []

/**
 * The canned responses of the agent's sites, fetched each time a conversation opens so that an
 * administrator's changes arrive without a reload.
 */
export function useCannedResponses(): CannedResponse[] {
  const [responses, setResponses] = useState(lastKnown)
  useEffect(() => {
    let current = true
    api<{ canned: CannedResponse[] }>('GET', '/canned').then(
      ({ canned }) => {
        lastKnown = canned
        if (current) setResponses(canned)
      },
      // Without them the composer still sends: the list simply does not open.
      () => undefined,
    )
    return () => {
      current = false
    }
  }, [])
  return responses
}

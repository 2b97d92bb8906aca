import { useCallback, useEffect, useState } from 'preact/hooks'

export interface Loaded<T> {
  data?: T
  /** Why loading failed, to show in place of the data. */
  error?: string
  reload(): void
  /** Replaces the data after a change the server confirmed, without asking again. */
  update(change: (data: T) => T): void
}

/** Loads once on mount (and again on `reload`), keeping the last data while reloading. */
export function useLoaded<T>(load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T>()
  const [error, setError] = useState<string>()
  const [round, setRound] = useState(0)
  useEffect(() => {
    let current = true
    load().then(
      (value) => {
        if (!current) return
        setData(value)
        setError(undefined)
      },
      (failure: Error) => {
        if (current) setError(failure.message)
      },
    )
    return () => {
      current = false
    }
  }, [round])
  const reload = useCallback(() => setRound((value) => value + 1), [])
  const update = useCallback((change: (data: T) => T) => setData((value) => (value === undefined ? value : change(value))), [])
  return { data, error, reload, update }
}

import { useEffect, useState } from 'preact/hooks'

/** The current time, renewed every `everyMs`: for durations and clocks that tick on screen. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}

import { useEffect, useState } from 'react'

export type Loaded<T> = { state: 'loading' } | { state: 'failed'; error: unknown } | { state: 'done'; value: T }

/** Runs `load` when `key` changes; `reload` runs it again. A stale answer never overwrites a newer one. */
export function useLoad<T>(key: string, load: () => Promise<T>): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' })
  const [round, setRound] = useState(0)
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names everything `load` reads
  useEffect(() => {
    let current = true
    setLoaded({ state: 'loading' })
    load().then(
      (value) => current && setLoaded({ state: 'done', value }),
      (error: unknown) => current && setLoaded({ state: 'failed', error }),
    )
    return () => {
      current = false
    }
  }, [key, round])
  return [loaded, () => setRound((r) => r + 1)]
}

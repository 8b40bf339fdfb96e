import { useCallback, useState } from 'react'
import { parseSettings, serializeSettings, type Settings, type SharedData } from './settings'

/**
 * The only code that touches `location.hash`. Reads the settings once at load (reporting what was wrong
 * with the link) and writes every change back, so the address bar always reproduces the setup.
 */
export function useSettings(): {
  settings: Settings
  problems: string[]
  /** The data the opened link was shared with (null for an ordinary link). */
  shared: SharedData | null
  update: (patch: Partial<Settings>) => void
  /** Forgets what was wrong with the link (once the person has done something that worked). */
  dismissProblems: () => void
} {
  const [initial] = useState(() => parseSettings(window.location.hash, window.location.search))
  const [settings, setSettings] = useState<Settings>(initial.settings)
  const [problems, setProblems] = useState(initial.problems)
  const dismissProblems = useCallback(() => setProblems([]), [])
  const update = useCallback((patch: Partial<Settings>) => {
    setProblems([])
    setSettings((old) => {
      const next = { ...old, ...patch }
      const url = new URL(window.location.href)
      // The hash is the record; a ?backend= in the query would override it on reload, so drop it.
      if (patch.backend !== undefined) url.searchParams.delete('backend')
      url.hash = serializeSettings(next)
      window.history.replaceState(null, '', url)
      return next
    })
  }, [])
  return { settings, problems, shared: initial.shared, update, dismissProblems }
}

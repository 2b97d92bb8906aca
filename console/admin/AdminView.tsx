import { formatRoute, type Route } from '../route.js'
import type { ViewProps } from '../view-props.js'
import { AgentsSection } from './AgentsSection.js'
import { CannedSection } from './CannedSection.js'
import { SitesSection } from './SitesSection.js'
import { TokensSection } from './TokensSection.js'

const SECTIONS = [
  { id: 'agents', label: 'Agents', Section: AgentsSection },
  { id: 'sites', label: 'Sites', Section: SitesSection },
  { id: 'canned', label: 'Canned responses', Section: CannedSection },
  { id: 'tokens', label: 'API tokens', Section: TokensSection },
] as const

/** Administration: agents, sites, canned responses, API tokens; the section is in the URL (`#/admin/sites`). */
export function AdminView({ go, section }: ViewProps & { section?: string }) {
  const current = SECTIONS.find((candidate) => candidate.id === section) ?? SECTIONS[0]
  const { Section } = current
  return (
    <div class="page admin">
      <nav class="admin-nav" aria-label="Administration">
        <span class="admin-nav-title">Administration</span>
        {SECTIONS.map(({ id, label }) => {
          const to: Route = { view: 'admin', section: id }
          return (
            <a
              key={id}
              href={formatRoute(to)}
              aria-current={id === current.id ? 'page' : undefined}
              onClick={(event) => {
                event.preventDefault()
                go(to)
              }}
            >
              {label}
            </a>
          )
        })}
      </nav>
      <div class="admin-main">
        {/* Keyed, so that a section's dialogs and loads do not outlive it. */}
        <Section key={current.id} />
      </div>
    </div>
  )
}

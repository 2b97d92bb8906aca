import type { AdminSite } from './admin-api.js'

interface SiteChecklistProps {
  sites: AdminSite[]
  selected: number[]
  onChange(selected: number[]): void
  disabled?: boolean
}

/** One checkbox per site, in the sites' own order. */
export function SiteChecklist({ sites, selected, onChange, disabled }: SiteChecklistProps) {
  if (sites.length === 0) return <p class="muted">No sites yet.</p>
  return (
    <div class="checklist">
      {sites.map((site) => (
        <label key={site.id} class="check">
          <input
            type="checkbox"
            checked={selected.includes(site.id)}
            disabled={disabled}
            onChange={(event) => {
              const checked = event.currentTarget.checked
              onChange(checked ? [...selected, site.id] : selected.filter((id) => id !== site.id))
            }}
          />
          {site.name}
        </label>
      ))}
    </div>
  )
}

/** "All sites", or the names of the given ones. */
export function siteNames(sites: AdminSite[] | undefined, ids: number[], none = 'All sites'): string {
  if (ids.length === 0) return none
  const names = ids.map((id) => sites?.find((site) => site.id === id)?.name ?? `#${id}`)
  return names.join(', ')
}

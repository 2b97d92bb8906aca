import { useState } from 'preact/hooks'
import { adminApi, type AdminSite } from './admin-api.js'
import { SectionHead, SectionState } from './SectionHead.js'
import { SiteCard } from './SiteCard.js'
import { SiteForm } from './SiteForm.js'
import { useLoaded } from './use-loaded.js'

/** The websites the widget is embedded in, each with its own settings and snippet. */
export function SitesSection() {
  const sites = useLoaded(adminApi.sites)
  const [editing, setEditing] = useState<AdminSite | 'new'>()
  const replace = (site: AdminSite) => sites.update((data) => ({
    sites: data.sites.some((known) => known.id === site.id)
      ? data.sites.map((known) => (known.id === site.id ? site : known))
      : [...data.sites, site],
  }))
  const list = sites.data?.sites
  return (
    <section class="admin-section" aria-labelledby="admin-sites">
      <SectionHead id="admin-sites" title="Sites" description="Websites that offer chat. Each has its own widget settings and embed snippet.">
        <button type="button" class="primary" onClick={() => setEditing('new')}>Add site</button>
      </SectionHead>
      <SectionState error={sites.error} loading={!list} onRetry={sites.reload} />
      {list && list.length === 0 && <p class="empty-note">No sites yet. Add one to get its embed snippet.</p>}
      <div class="site-list">
        {list?.map((site) => <SiteCard key={site.id} site={site} onEdit={() => setEditing(site)} onChanged={replace} />)}
      </div>
      {editing && (
        <SiteForm
          site={editing === 'new' ? undefined : editing}
          onSaved={(site) => {
            replace(site)
            setEditing(undefined)
          }}
          onClose={() => setEditing(undefined)}
        />
      )}
    </section>
  )
}

import type { AdminSite } from './admin-api.js'
import { CopyButton } from './CopyButton.js'
import { IdentitySecret } from './IdentitySecret.js'

interface SiteCardProps {
  site: AdminSite
  onEdit(): void
  onChanged(site: AdminSite): void
}

/** A site at a glance: where it may be embedded, how its widget looks, the snippet to paste. */
export function SiteCard({ site, onEdit, onChanged }: SiteCardProps) {
  const origins = site.allowedOrigins
  const snippetId = `embed-${site.id}`
  return (
    <article class="site-card" aria-labelledby={`site-${site.id}`}>
      <header class="site-card-head">
        <span class="swatch" style={{ background: site.widget.color }} aria-hidden="true" />
        <div class="site-title">
          <h2 id={`site-${site.id}`}>{site.name}</h2>
          <span class="muted mono">{site.key}</span>
        </div>
        <button type="button" class="secondary small" aria-label={`Edit ${site.name}`} onClick={onEdit}>Edit</button>
      </header>
      <dl class="facts">
        <div>
          <dt>Allowed origins</dt>
          <dd>
            {origins.length === 0 ? <span class="warning-text">None yet: the widget opens nowhere</span>
              : origins.includes('*') ? 'Any page (*)'
              : origins.map((origin) => <span key={origin} class="chip mono">{origin}</span>)}
          </dd>
        </div>
        <div>
          <dt>Widget</dt>
          <dd>
            {site.widget.position === 'left' ? 'Bottom left' : 'Bottom right'} · pre-chat form {site.widget.prechat ? 'on' : 'off'}
            <span class="greeting">“{site.widget.greeting}”</span>
          </dd>
        </div>
      </dl>
      <div class="embed">
        <div class="embed-head">
          <span id={snippetId} class="embed-label">Embed snippet</span>
          <span class="muted">Paste it before <code>&lt;/body&gt;</code> on every page that should offer chat.</span>
        </div>
        <div class="code-row">
          <code class="code-block" aria-labelledby={snippetId} data-embed>{site.embed}</code>
          <CopyButton text={site.embed} label={`Copy the embed snippet of ${site.name}`} />
        </div>
      </div>
      <IdentitySecret site={site} onChanged={onChanged} />
    </article>
  )
}

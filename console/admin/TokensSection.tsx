import { useState } from 'preact/hooks'
import { adminApi, type ApiTokenRecord } from './admin-api.js'
import { ConfirmDialog, type Confirmation } from './ConfirmDialog.js'
import { SectionHead, SectionState } from './SectionHead.js'
import { siteNames } from './SiteChecklist.js'
import { TokenForm } from './TokenForm.js'
import { useLoaded } from './use-loaded.js'

type Open = { kind: 'create' } | { kind: 'confirm'; confirmation: Confirmation }

const dateOf = (at: number) => new Date(at).toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' })

/** Credentials for the REST API; listed without the tokens themselves, which were shown once. */
export function TokensSection() {
  const tokens = useLoaded(adminApi.tokens)
  const sites = useLoaded(adminApi.sites)
  const [open, setOpen] = useState<Open>()
  const close = () => setOpen(undefined)
  const replace = (record: ApiTokenRecord) => tokens.update((data) => ({
    tokens: data.tokens.some((known) => known.id === record.id)
      ? data.tokens.map((known) => (known.id === record.id ? record : known))
      : [record, ...data.tokens],
  }))
  const revoke = (record: ApiTokenRecord): Confirmation => ({
    title: `Revoke "${record.name}"?`,
    message: 'Requests with this token are refused from now on. This cannot be undone: whatever uses it will need a new token.',
    action: 'Revoke token',
    danger: true,
    run: async () => replace((await adminApi.revokeToken(record.id)).apiToken),
  })
  const list = tokens.data?.tokens

  return (
    <section class="admin-section" aria-labelledby="admin-tokens">
      <SectionHead id="admin-tokens" title="API tokens" description="Credentials for your own systems to use Parley's REST API.">
        <button type="button" class="primary" disabled={!sites.data} onClick={() => setOpen({ kind: 'create' })}>New token</button>
      </SectionHead>
      <SectionState error={tokens.error ?? sites.error} loading={!list} onRetry={() => { tokens.reload(); sites.reload() }} />
      {list && list.length === 0 && <p class="empty-note">No API tokens yet.</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table class="admin-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Sites</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {list.map((record) => (
                <tr key={record.id} class={record.revokedAt ? 'is-inactive' : ''}>
                  <td class="cell-main"><strong>{record.name}</strong></td>
                  <td data-label="Sites" class="wrap">{siteNames(sites.data?.sites, record.siteIds)}</td>
                  <td data-label="Created">{dateOf(record.createdAt)}</td>
                  <td class="cell-status">
                    {record.revokedAt
                      ? <span class="pill is-off">Revoked {dateOf(record.revokedAt)}</span>
                      : <span class="pill is-ok">Active</span>}
                  </td>
                  <td class="actions">
                    {!record.revokedAt && (
                      <button type="button" class="danger small" aria-label={`Revoke ${record.name}`} onClick={() => setOpen({ kind: 'confirm', confirmation: revoke(record) })}>Revoke</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open?.kind === 'create' && sites.data && <TokenForm sites={sites.data.sites} onCreated={replace} onClose={close} />}
      {open?.kind === 'confirm' && <ConfirmDialog confirmation={open.confirmation} onClose={close} />}
    </section>
  )
}

import { useState } from 'preact/hooks'
import { adminApi, type CannedResponse } from './admin-api.js'
import { CannedForm } from './CannedForm.js'
import { ConfirmDialog, type Confirmation } from './ConfirmDialog.js'
import { SectionHead, SectionState } from './SectionHead.js'
import { useLoaded } from './use-loaded.js'

type Open = { kind: 'form'; canned?: CannedResponse } | { kind: 'confirm'; confirmation: Confirmation }

const byShortcut = (a: CannedResponse, b: CannedResponse) => a.shortcut.localeCompare(b.shortcut) || (a.siteId ?? 0) - (b.siteId ?? 0)

/** Ready-made replies, shared by every site or kept to one. */
export function CannedSection() {
  const canned = useLoaded(adminApi.canned)
  const sites = useLoaded(adminApi.sites)
  const [open, setOpen] = useState<Open>()
  const [siteFilter, setSiteFilter] = useState<string>('')
  const close = () => setOpen(undefined)
  const siteName = (id: number | undefined) => (id === undefined ? 'All sites' : sites.data?.sites.find((site) => site.id === id)?.name ?? `#${id}`)
  const replace = (item: CannedResponse) => canned.update((data) => ({
    canned: [...data.canned.filter((known) => known.id !== item.id), item].sort(byShortcut),
  }))
  const remove = (item: CannedResponse): Confirmation => ({
    title: `Delete /${item.shortcut}?`,
    message: `Agents will no longer be able to insert it${item.siteId === undefined ? '' : ` on ${siteName(item.siteId)}`}. Messages already sent with it are not changed.`,
    action: 'Delete',
    danger: true,
    run: async () => {
      await adminApi.deleteCanned(item.id)
      canned.update((data) => ({ canned: data.canned.filter((known) => known.id !== item.id) }))
    },
  })
  const list = canned.data?.canned.filter((item) => siteFilter === '' || (siteFilter === 'shared' ? item.siteId === undefined : item.siteId === Number(siteFilter)))

  return (
    <section class="admin-section" aria-labelledby="admin-canned">
      <SectionHead id="admin-canned" title="Canned responses" description="Replies agents insert by typing / and a shortcut in the composer.">
        <button type="button" class="primary" disabled={!sites.data} onClick={() => setOpen({ kind: 'form' })}>New response</button>
      </SectionHead>
      <SectionState error={canned.error ?? sites.error} loading={!list} onRetry={() => { canned.reload(); sites.reload() }} />
      {list && sites.data && sites.data.sites.length > 1 && (
        <label class="filter">
          <span>Show</span>
          <select value={siteFilter} onChange={(event) => setSiteFilter(event.currentTarget.value)}>
            <option value="">Every response</option>
            <option value="shared">Shared by all sites</option>
            {sites.data.sites.map((site) => <option key={site.id} value={String(site.id)}>Only {site.name}</option>)}
          </select>
        </label>
      )}
      {list && list.length === 0 && (
        <p class="empty-note">{siteFilter ? 'None here.' : 'No canned responses yet. Add the answers your team gives every day.'}</p>
      )}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table class="admin-table">
            <thead>
              <tr>
                <th scope="col">Shortcut</th>
                <th scope="col">Text</th>
                <th scope="col">Site</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {list.map((item) => (
                <tr key={item.id}>
                  <td class="cell-main"><code class="shortcut">/{item.shortcut}</code></td>
                  <td class="canned-text"><span>{item.text}</span></td>
                  <td data-label="Site">{siteName(item.siteId)}</td>
                  <td class="actions">
                    <button type="button" class="secondary small" aria-label={`Edit /${item.shortcut}`} onClick={() => setOpen({ kind: 'form', canned: item })}>Edit</button>
                    <button type="button" class="danger small" aria-label={`Delete /${item.shortcut}`} onClick={() => setOpen({ kind: 'confirm', confirmation: remove(item) })}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open?.kind === 'form' && sites.data && (
        <CannedForm
          canned={open.canned}
          sites={sites.data.sites}
          onSaved={(item) => {
            replace(item)
            close()
          }}
          onClose={close}
        />
      )}
      {open?.kind === 'confirm' && <ConfirmDialog confirmation={open.confirmation} onClose={close} />}
    </section>
  )
}

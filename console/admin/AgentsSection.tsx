import { useState } from 'preact/hooks'
import { adminApi, type AdminAgent } from './admin-api.js'
import { AgentForm } from './AgentForm.js'
import { ConfirmDialog, type Confirmation } from './ConfirmDialog.js'
import { PasswordForm } from './PasswordForm.js'
import { SectionHead, SectionState } from './SectionHead.js'
import { siteNames } from './SiteChecklist.js'
import { useLoaded } from './use-loaded.js'

type Open =
  | { kind: 'create' }
  | { kind: 'edit'; agent: AdminAgent }
  | { kind: 'password'; agent: AdminAgent }
  | { kind: 'confirm'; confirmation: Confirmation }

const initials = (name: string) => name.split(/\s+/).filter(Boolean).slice(0, 2).map((word) => word[0]!.toUpperCase()).join('')

/** Everyone who may sign in to the console, deactivated people included (they keep their history). */
export function AgentsSection() {
  const agents = useLoaded(adminApi.agents)
  const sites = useLoaded(adminApi.sites)
  const [open, setOpen] = useState<Open>()
  const close = () => setOpen(undefined)
  const selfId = agents.data?.selfId
  const replace = (agent: AdminAgent) => agents.update((data) => ({
    ...data,
    agents: data.agents.some((known) => known.id === agent.id)
      ? data.agents.map((known) => (known.id === agent.id ? agent : known))
      : [...data.agents, agent],
  }))

  const deactivate = (agent: AdminAgent): Confirmation => ({
    title: `Deactivate ${agent.name}?`,
    message: `${agent.name} is signed out at once and can no longer sign in. Their open chats go back to the queue for others. You can reactivate them later.`,
    action: 'Deactivate',
    danger: true,
    run: async () => replace((await adminApi.updateAgent(agent.id, { active: false })).agent),
  })

  const list = agents.data?.agents
  return (
    <section class="admin-section" aria-labelledby="admin-agents">
      <SectionHead id="admin-agents" title="Agents" description="People who answer chats. Administrators also manage sites, canned responses and API tokens.">
        <button type="button" class="primary" disabled={!sites.data} onClick={() => setOpen({ kind: 'create' })}>Invite agent</button>
      </SectionHead>
      <SectionState error={agents.error ?? sites.error} loading={!list} onRetry={() => { agents.reload(); sites.reload() }} />
      {list && (
        <div class="table-wrap">
          <table class="admin-table">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Role</th>
                <th scope="col">Sites</th>
                <th scope="col" class="is-number">Capacity</th>
                <th scope="col">Status</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {list.map((agent) => (
                <tr key={agent.id} class={agent.active ? '' : 'is-inactive'}>
                  <td class="cell-main">
                    <div class="person">
                      <span class="avatar" aria-hidden="true">{initials(agent.name)}</span>
                      <span class="person-text">
                        <strong>{agent.name}{agent.id === selfId && <span class="tag">You</span>}</strong>
                        <span class="muted">{agent.email}</span>
                      </span>
                    </div>
                  </td>
                  <td data-label="Role">{agent.role === 'admin' ? 'Administrator' : 'Agent'}</td>
                  <td data-label="Sites" class="wrap">{agent.role === 'admin' ? 'All sites' : siteNames(sites.data?.sites, agent.siteIds, 'None')}</td>
                  <td data-label="Capacity" class="is-number">{agent.capacity}</td>
                  <td class="cell-status"><span class={`pill ${agent.active ? 'is-ok' : 'is-off'}`}>{agent.active ? 'Active' : 'Deactivated'}</span></td>
                  <td class="actions">
                    <button type="button" class="secondary small" aria-label={`Edit ${agent.name}`} onClick={() => setOpen({ kind: 'edit', agent })}>Edit</button>
                    {agent.active ? (
                      <button
                        type="button"
                        class="danger small"
                        aria-label={`Deactivate ${agent.name}`}
                        // Disabled rather than missing: the rule is shown where one would look for the button.
                        disabled={agent.id === selfId}
                        title={agent.id === selfId ? 'You cannot deactivate your own account' : undefined}
                        onClick={() => setOpen({ kind: 'confirm', confirmation: deactivate(agent) })}
                      >
                        Deactivate
                      </button>
                    ) : (
                      <ReactivateButton agent={agent} onDone={replace} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(open?.kind === 'create' || open?.kind === 'edit') && sites.data && (
        <AgentForm
          agent={open.kind === 'edit' ? open.agent : undefined}
          sites={sites.data.sites}
          isSelf={open.kind === 'edit' && open.agent.id === selfId}
          onResetPassword={open.kind === 'edit' ? () => setOpen({ kind: 'password', agent: open.agent }) : undefined}
          onSaved={(agent) => {
            replace(agent)
            close()
          }}
          onClose={close}
        />
      )}
      {open?.kind === 'password' && (
        <PasswordForm
          agent={open.agent}
          isSelf={open.agent.id === selfId}
          onDone={() => {
            // One's own new password ends this session too: back to the sign-in form.
            if (open.agent.id === selfId) location.reload()
            else close()
          }}
          onClose={close}
        />
      )}
      {open?.kind === 'confirm' && <ConfirmDialog confirmation={open.confirmation} onClose={close} />}
    </section>
  )
}

/** Reactivating takes nothing away, so it needs no confirmation. */
function ReactivateButton({ agent, onDone }: { agent: AdminAgent; onDone(agent: AdminAgent): void }) {
  const [busy, setBusy] = useState(false)
  const [failed, setFailed] = useState<string>()
  return (
    <>
      <button
        type="button"
        class="secondary small"
        aria-label={`Reactivate ${agent.name}`}
        disabled={busy}
        onClick={async () => {
          setBusy(true)
          setFailed(undefined)
          try {
            onDone((await adminApi.updateAgent(agent.id, { active: true })).agent)
          } catch (error) {
            setFailed((error as Error).message)
          } finally {
            setBusy(false)
          }
        }}
      >
        {busy ? 'Reactivating…' : 'Reactivate'}
      </button>
      {failed && <span class="inline-error" role="alert">{failed}</span>}
    </>
  )
}

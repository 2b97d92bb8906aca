import { useState } from 'preact/hooks'
import { adminApi, type AdminAgent, type AdminSite, type AgentFields, type Role } from './admin-api.js'
import { Dialog } from './Dialog.js'
import { Field, FieldGroup } from './Field.js'
import { PasswordInput } from './PasswordInput.js'
import { SiteChecklist } from './SiteChecklist.js'
import { useSubmit } from './use-submit.js'

interface AgentFormProps {
  /** Absent: a new agent. */
  agent?: AdminAgent
  sites: AdminSite[]
  /** The signed-in administrator may not take their own role away. */
  isSelf: boolean
  /** Editing only: leaves this form for the password one. */
  onResetPassword?(): void
  onSaved(agent: AdminAgent): void
  onClose(): void
}

const FIELDS = ['name', 'email', 'password', 'role', 'capacity', 'siteIds'] as const

/** Invites a new agent (with a first password) or changes one. */
export function AgentForm({ agent, sites, isSelf, onResetPassword, onSaved, onClose }: AgentFormProps) {
  const [fields, setFields] = useState<AgentFields>(() => agent
    ? { name: agent.name, email: agent.email, role: agent.role, capacity: agent.capacity, siteIds: agent.siteIds }
    : { name: '', email: '', role: 'agent', capacity: 5, siteIds: sites.length === 1 ? [sites[0]!.id] : [] })
  const [password, setPassword] = useState('')
  const { saving, errorFor, formError, submit } = useSubmit()
  const set = <K extends keyof AgentFields>(key: K, value: AgentFields[K]) => setFields((current) => ({ ...current, [key]: value }))
  const problem = formError(FIELDS)

  return (
    <Dialog title={agent ? `Edit ${agent.name}` : 'Invite an agent'} onClose={onClose}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          void submit(async () => {
            const saved = agent
              ? await adminApi.updateAgent(agent.id, fields)
              : await adminApi.createAgent({ ...fields, password })
            onSaved(saved.agent)
          })
        }}
      >
        <div class="dialog-body">
          <div class="field-row">
            <Field label="Name" error={errorFor('name')}>
              <input value={fields.name} onInput={(event) => set('name', event.currentTarget.value)} autocomplete="off" autofocus />
            </Field>
            <Field label="Email" error={errorFor('email')} hint={agent ? undefined : 'They sign in with it.'}>
              <input type="email" value={fields.email} onInput={(event) => set('email', event.currentTarget.value)} autocomplete="off" />
            </Field>
          </div>
          {!agent && (
            <Field label="Password" error={errorFor('password')} hint="At least 8 characters. Share it with them safely; they can sign in at once.">
              <PasswordInput value={password} onInput={setPassword} />
            </Field>
          )}
          <div class="field-row">
            <Field
              label="Role"
              error={errorFor('role')}
              hint={isSelf ? 'You cannot remove your own administrator role.' : 'Administrators manage Parley and serve every site.'}
            >
              <select value={fields.role} disabled={isSelf} onChange={(event) => set('role', event.currentTarget.value as Role)}>
                <option value="agent">Agent</option>
                <option value="admin">Administrator</option>
              </select>
            </Field>
            <Field label="Capacity" error={errorFor('capacity')} hint="Chats at a time before new ones wait for someone else.">
              <input
                type="number"
                min={1}
                max={100}
                value={fields.capacity}
                onInput={(event) => set('capacity', event.currentTarget.valueAsNumber)}
              />
            </Field>
          </div>
          <FieldGroup
            label="Sites"
            error={errorFor('siteIds')}
            hint={fields.role === 'admin' ? 'Administrators serve every site; these apply if they become an agent.' : 'Chats of these sites are routed to them.'}
          >
            <SiteChecklist sites={sites} selected={fields.siteIds} onChange={(siteIds) => set('siteIds', siteIds)} />
          </FieldGroup>
          {problem && <p class="form-error" role="alert">{problem}</p>}
        </div>
        <footer class="dialog-foot">
          {onResetPassword && <button type="button" class="ghost push-left" onClick={onResetPassword} disabled={saving}>Reset password…</button>}
          <button type="button" class="secondary" onClick={onClose} disabled={saving}>Cancel</button>
          <button type="submit" class="primary" disabled={saving}>
            {saving ? 'Saving…' : agent ? 'Save changes' : 'Invite agent'}
          </button>
        </footer>
      </form>
    </Dialog>
  )
}

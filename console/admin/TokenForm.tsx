import { useState } from 'preact/hooks'
import { adminApi, type AdminSite, type ApiTokenRecord } from './admin-api.js'
import { CopyButton } from './CopyButton.js'
import { Dialog } from './Dialog.js'
import { Field, FieldGroup } from './Field.js'
import { SiteChecklist } from './SiteChecklist.js'
import { useSubmit } from './use-submit.js'

interface TokenFormProps {
  sites: AdminSite[]
  onCreated(record: ApiTokenRecord): void
  onClose(): void
}

/**
 * Makes an API token, then shows it once: the server keeps only its hash, so once this dialog
 * is closed nobody can read the token again.
 */
export function TokenForm({ sites, onCreated, onClose }: TokenFormProps) {
  const [name, setName] = useState('')
  const [siteIds, setSiteIds] = useState<number[]>([])
  const [created, setCreated] = useState<{ token: string; record: ApiTokenRecord }>()
  const { saving, errorFor, formError, submit } = useSubmit()
  const problem = formError(['name', 'siteIds'])

  if (created) {
    return (
      <Dialog title={`Token "${created.record.name}" created`} onClose={onClose}>
        <div class="dialog-body">
          <p class="notice" role="status">
            Copy the token now. It is shown only this once: Parley keeps just a fingerprint of it and cannot show it again.
          </p>
          <div class="code-row">
            <code class="code-block token" aria-label="New API token" data-token>{created.token}</code>
            <CopyButton text={created.token} label="Copy the API token" class="primary" />
          </div>
        </div>
        <footer class="dialog-foot">
          <button type="button" class="secondary" onClick={onClose}>Done</button>
        </footer>
      </Dialog>
    )
  }

  return (
    <Dialog title="New API token" onClose={onClose}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          void submit(async () => {
            const answer = await adminApi.createToken({ name, siteIds })
            setCreated({ token: answer.token, record: answer.apiToken })
            onCreated(answer.apiToken)
          })
        }}
      >
        <div class="dialog-body">
          <Field label="Name" error={errorFor('name')} hint="What uses it, so that you know what breaks when you revoke it: “Nightly export”.">
            <input value={name} onInput={(event) => setName(event.currentTarget.value)} autocomplete="off" autofocus />
          </Field>
          <FieldGroup label="Sites" error={errorFor('siteIds')} hint="The sites whose conversations it may reach. None ticked: every site, including ones added later.">
            <SiteChecklist sites={sites} selected={siteIds} onChange={setSiteIds} />
          </FieldGroup>
          {problem && <p class="form-error" role="alert">{problem}</p>}
        </div>
        <footer class="dialog-foot">
          <button type="button" class="secondary" onClick={onClose} disabled={saving}>Cancel</button>
          <button type="submit" class="primary" disabled={saving}>{saving ? 'Creating…' : 'Create token'}</button>
        </footer>
      </form>
    </Dialog>
  )
}

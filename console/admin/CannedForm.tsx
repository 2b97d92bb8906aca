import { useState } from 'preact/hooks'
import { adminApi, type AdminSite, type CannedFields, type CannedResponse } from './admin-api.js'
import { Dialog } from './Dialog.js'
import { Field } from './Field.js'
import { useSubmit } from './use-submit.js'

/** As the server checks them (server/admin/inputs.ts). */
const SHORTCUT_MAX = 32
const TEXT_MAX = 2000

interface CannedFormProps {
  /** Absent: a new response. */
  canned?: CannedResponse
  sites: AdminSite[]
  onSaved(canned: CannedResponse): void
  onClose(): void
}

const FIELDS = ['shortcut', 'text', 'siteId'] as const

/** A reply agents insert by typing its shortcut after `/` in the composer. */
export function CannedForm({ canned, sites, onSaved, onClose }: CannedFormProps) {
  const [fields, setFields] = useState<CannedFields>(() => ({
    shortcut: canned?.shortcut ?? '',
    text: canned?.text ?? '',
    siteId: canned?.siteId ?? null,
  }))
  const { saving, errorFor, formError, submit } = useSubmit()
  const set = <K extends keyof CannedFields>(key: K, value: CannedFields[K]) => setFields((current) => ({ ...current, [key]: value }))
  const problem = formError(FIELDS)
  return (
    <Dialog title={canned ? `Edit /${canned.shortcut}` : 'New canned response'} onClose={onClose}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          void submit(async () => {
            const saved = canned ? await adminApi.updateCanned(canned.id, fields) : await adminApi.createCanned(fields)
            onSaved(saved.canned)
          })
        }}
      >
        <div class="dialog-body">
          <div class="field-row">
            <Field label="Shortcut" error={errorFor('shortcut')} hint="Letters, digits, - and _. Agents type it after /.">
              <span class="prefixed">
                <span aria-hidden="true">/</span>
                <input
                  value={fields.shortcut}
                  maxLength={SHORTCUT_MAX}
                  spellcheck={false}
                  autocomplete="off"
                  autofocus
                  onInput={(event) => set('shortcut', event.currentTarget.value)}
                />
              </span>
            </Field>
            <Field label="Site" error={errorFor('siteId')} hint="Where agents may use it.">
              <select value={fields.siteId ?? ''} onChange={(event) => set('siteId', event.currentTarget.value ? Number(event.currentTarget.value) : null)}>
                <option value="">All sites</option>
                {sites.map((site) => <option key={site.id} value={site.id}>{site.name}</option>)}
              </select>
            </Field>
          </div>
          <Field
            label="Text"
            error={errorFor('text')}
            hint={<span class="counter">{fields.text.length} / {TEXT_MAX}</span>}
          >
            <textarea rows={6} value={fields.text} maxLength={TEXT_MAX} onInput={(event) => set('text', event.currentTarget.value)} />
          </Field>
          {problem && <p class="form-error" role="alert">{problem}</p>}
        </div>
        <footer class="dialog-foot">
          <button type="button" class="secondary" onClick={onClose} disabled={saving}>Cancel</button>
          <button type="submit" class="primary" disabled={saving}>{saving ? 'Saving…' : canned ? 'Save changes' : 'Add response'}</button>
        </footer>
      </form>
    </Dialog>
  )
}

import { useState } from 'preact/hooks'
import { adminApi, type AdminSite, type SiteFields } from './admin-api.js'
import { Dialog } from './Dialog.js'
import { CheckField, Field } from './Field.js'
import { useSubmit } from './use-submit.js'

interface SiteFormProps {
  /** Absent: a new site. */
  site?: AdminSite
  onSaved(site: AdminSite): void
  onClose(): void
}

const FIELDS = ['name', 'allowedOrigins', 'color', 'greeting', 'position', 'prechat', 'verifiedOnly'] as const
const HEX_COLOR = /^#[0-9a-fA-F]{6}$/

/** One origin per line; blank lines do not count. */
const originsOf = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean)

/** Adds a site or changes one's name, allowed origins and widget. */
export function SiteForm({ site, onSaved, onClose }: SiteFormProps) {
  const [fields, setFields] = useState<Omit<SiteFields, 'allowedOrigins'>>(() => ({
    name: site?.name ?? '',
    color: site?.widget.color ?? '#3b5bdb',
    greeting: site?.widget.greeting ?? 'Hi! How can we help?',
    position: site?.widget.position ?? 'right',
    prechat: site?.widget.prechat ?? false,
    verifiedOnly: site?.verifiedOnly ?? false,
  }))
  const [origins, setOrigins] = useState(site?.allowedOrigins.join('\n') ?? '')
  const { saving, errorFor, formError, submit } = useSubmit()
  const set = <K extends keyof typeof fields>(key: K, value: (typeof fields)[K]) => setFields((current) => ({ ...current, [key]: value }))
  const problem = formError(FIELDS)

  return (
    <Dialog title={site ? `Edit ${site.name}` : 'Add a site'} onClose={onClose}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          void submit(async () => {
            const values = { ...fields, allowedOrigins: originsOf(origins) }
            const saved = site ? await adminApi.updateSite(site.id, values) : await adminApi.createSite(values)
            onSaved(saved.site)
          })
        }}
      >
        <div class="dialog-body">
          <Field label="Name" error={errorFor('name')} hint="Agents see it on every chat of this site; visitors see it in the chat panel.">
            <input value={fields.name} onInput={(event) => set('name', event.currentTarget.value)} autocomplete="off" autofocus />
          </Field>
          <Field
            label="Allowed origins"
            error={errorFor('allowedOrigins')}
            hint={<>One per line, such as <code>https://shop.example</code>: pages elsewhere cannot open the widget. <code>*</code> allows any page.</>}
          >
            <textarea rows={3} value={origins} onInput={(event) => setOrigins(event.currentTarget.value)} spellcheck={false} placeholder="https://shop.example" />
          </Field>
          <div class="field-row">
            <Field label="Colour" error={errorFor('color')}>
              <span class="color-input">
                {/* The text field comes first: it is the one the label names. */}
                <input value={fields.color} onInput={(event) => set('color', event.currentTarget.value)} spellcheck={false} maxLength={7} />
                <input
                  type="color"
                  aria-label="Pick a colour"
                  value={HEX_COLOR.test(fields.color) ? fields.color : '#3b5bdb'}
                  onInput={(event) => set('color', event.currentTarget.value)}
                />
              </span>
            </Field>
            <Field label="Position" error={errorFor('position')}>
              <select value={fields.position} onChange={(event) => set('position', event.currentTarget.value as 'left' | 'right')}>
                <option value="right">Bottom right</option>
                <option value="left">Bottom left</option>
              </select>
            </Field>
          </div>
          <Field label="Greeting" error={errorFor('greeting')} hint="The first thing visitors read when they open the chat.">
            <textarea rows={2} value={fields.greeting} maxLength={500} onInput={(event) => set('greeting', event.currentTarget.value)} />
          </Field>
          <CheckField
            label="Pre-chat form"
            hint="Ask visitors for their name and email before their first message."
            checked={fields.prechat}
            onChange={(checked) => set('prechat', checked)}
          />
          <CheckField
            label="Verified visitors only"
            hint="Only visitors whose identity your server signed may chat. Turns identity verification on."
            checked={fields.verifiedOnly}
            onChange={(checked) => set('verifiedOnly', checked)}
          />
          {problem && <p class="form-error" role="alert">{problem}</p>}
        </div>
        <footer class="dialog-foot">
          <button type="button" class="secondary" onClick={onClose} disabled={saving}>Cancel</button>
          <button type="submit" class="primary" disabled={saving}>{saving ? 'Saving…' : site ? 'Save changes' : 'Add site'}</button>
        </footer>
      </form>
    </Dialog>
  )
}

import { useState } from 'preact/hooks'
import { adminApi, type AdminAgent } from './admin-api.js'
import { Dialog } from './Dialog.js'
import { Field } from './Field.js'
import { PasswordInput } from './PasswordInput.js'
import { useSubmit } from './use-submit.js'

interface PasswordFormProps {
  agent: AdminAgent
  isSelf: boolean
  onDone(): void
  onClose(): void
}

/** Sets a new password for an agent, which signs them out everywhere. */
export function PasswordForm({ agent, isSelf, onDone, onClose }: PasswordFormProps) {
  const [password, setPassword] = useState('')
  const { saving, errorFor, formError, submit } = useSubmit()
  const problem = formError(['password'])
  return (
    <Dialog title={`Reset the password of ${agent.name}`} onClose={onClose} size="narrow">
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          void submit(async () => {
            await adminApi.resetPassword(agent.id, password)
            onDone()
          })
        }}
      >
        <div class="dialog-body">
          <p class="confirm-message">
            {isSelf
              ? 'You will be signed out everywhere, this console included, and sign in again with the new password.'
              : `${agent.name} will be signed out everywhere and sign in again with the new password.`}
          </p>
          <Field label="New password" error={errorFor('password')} hint="At least 8 characters.">
            <PasswordInput value={password} onInput={setPassword} autofocus />
          </Field>
          {problem && <p class="form-error" role="alert">{problem}</p>}
        </div>
        <footer class="dialog-foot">
          <button type="button" class="secondary" onClick={onClose} disabled={saving}>Cancel</button>
          <button type="submit" class="primary" disabled={saving}>{saving ? 'Saving…' : 'Set password'}</button>
        </footer>
      </form>
    </Dialog>
  )
}

import type { ComponentChildren } from 'preact'
import { Dialog } from './Dialog.js'
import { useSubmit } from './use-submit.js'

export interface Confirmation {
  title: string
  message: ComponentChildren
  /** The button that does it: "Deactivate", "Revoke"... */
  action: string
  /** Whether it destroys or locks something out (a red button). */
  danger?: boolean
  run(): Promise<void>
}

/** Asks before an action that cannot be taken back lightly; closes once it is done. Cancel has the focus, so Enter does no harm. */
export function ConfirmDialog({ confirmation, onClose }: { confirmation: Confirmation; onClose(): void }) {
  const { saving, formError, submit } = useSubmit()
  const problem = formError([])
  return (
    <Dialog title={confirmation.title} onClose={onClose} size="narrow">
      <div class="dialog-body">
        <p class="confirm-message">{confirmation.message}</p>
        {problem && <p class="form-error" role="alert">{problem}</p>}
      </div>
      <footer class="dialog-foot">
        <button type="button" class="secondary" onClick={onClose} disabled={saving} autofocus>Cancel</button>
        <button
          type="button"
          class={confirmation.danger ? 'danger is-solid' : 'primary'}
          disabled={saving}
          onClick={() => submit(async () => {
            await confirmation.run()
            onClose()
          })}
        >
          {saving ? 'Working…' : confirmation.action}
        </button>
      </footer>
    </Dialog>
  )
}

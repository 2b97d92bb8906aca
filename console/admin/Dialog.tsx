import type { ComponentChildren } from 'preact'
import { useEffect, useId, useRef } from 'preact/hooks'

interface DialogProps {
  title: string
  /** Escape, the × button or a Cancel button: the owner stops rendering the dialog. */
  onClose(): void
  /** `narrow` for a question, the default width for a form. */
  size?: 'narrow' | 'wide'
  children: ComponentChildren
}

/**
 * A modal on the browser's own <dialog>: focus moves in (to an `autofocus` field if there is
 * one) and stays there, Escape closes, and the page behind is inert. Shown while rendered.
 */
export function Dialog({ title, onClose, size = 'wide', children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
  }, [])
  return (
    <dialog
      ref={ref}
      class={`admin-dialog is-${size}`}
      aria-labelledby={titleId}
      onCancel={(event) => {
        // The owner decides: the dialog goes away when it stops being rendered.
        event.preventDefault()
        onClose()
      }}
    >
      <header class="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="ghost dialog-x" aria-label="Close dialog" onClick={onClose}>×</button>
      </header>
      {children}
    </dialog>
  )
}

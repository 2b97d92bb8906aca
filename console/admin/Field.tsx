import type { ComponentChildren } from 'preact'

interface FieldProps {
  label: string
  /** Shown under the control while there is no error. */
  hint?: ComponentChildren
  error?: string
  children: ComponentChildren
}

/**
 * A labelled control with its hint or, after a refused save, what is wrong with it. The hint
 * sits outside the <label>, so that the control's name is the label alone.
 */
export function Field({ label, hint, error, children }: FieldProps) {
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label class="field-control">
        <span class="field-label">{label}</span>
        {children}
      </label>
      <FieldNote hint={hint} error={error} />
    </div>
  )
}

/** The same for a group of controls (checkboxes), which one <label> cannot hold. */
export function FieldGroup({ label, hint, error, children }: FieldProps) {
  return (
    <fieldset class={`field${error ? ' has-error' : ''}`}>
      <legend class="field-label">{label}</legend>
      {children}
      <FieldNote hint={hint} error={error} />
    </fieldset>
  )
}

/** A checkbox named by `label`, with what it does explained beneath. */
export function CheckField({ label, hint, checked, onChange }: { label: string; hint: ComponentChildren; checked: boolean; onChange(checked: boolean): void }) {
  return (
    <div class="field check-field">
      <label class="check">
        <input type="checkbox" checked={checked} onChange={(event) => onChange(event.currentTarget.checked)} />
        {label}
      </label>
      <span class="field-hint">{hint}</span>
    </div>
  )
}

function FieldNote({ hint, error }: { hint?: ComponentChildren; error?: string }) {
  if (error) return <span class="field-error" role="alert">{error}</span>
  return hint ? <span class="field-hint">{hint}</span> : null
}

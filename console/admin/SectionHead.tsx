import type { ComponentChildren } from 'preact'

/** A section's title, what it is for, and its main action. */
export function SectionHead({ id, title, description, children }: { id: string; title: string; description: string; children?: ComponentChildren }) {
  return (
    <header class="section-head">
      <div>
        <h1 id={id}>{title}</h1>
        <p class="muted">{description}</p>
      </div>
      {children && <div class="section-actions">{children}</div>}
    </header>
  )
}

/** While a list loads, or why it could not be. */
export function SectionState({ error, loading, onRetry }: { error?: string; loading: boolean; onRetry(): void }) {
  if (error) {
    return (
      <p class="form-error" role="alert">
        {error} <button type="button" class="link" onClick={onRetry}>Try again</button>
      </p>
    )
  }
  return loading ? <p class="muted" aria-busy="true">Loading…</p> : null
}

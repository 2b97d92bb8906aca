import { useState } from 'preact/hooks'
import { adminApi, type AdminSite } from './admin-api.js'
import { ConfirmDialog, type Confirmation } from './ConfirmDialog.js'
import { CopyButton } from './CopyButton.js'

interface IdentitySecretProps {
  site: AdminSite
  onChanged(site: AdminSite): void
}

/**
 * The secret a site's own server signs its user ids with. Administrators see it to set up
 * that server; it is hidden until asked for, as it may be on a shared screen.
 */
export function IdentitySecret({ site, onChanged }: IdentitySecretProps) {
  const [shown, setShown] = useState(false)
  const [confirming, setConfirming] = useState<Confirmation>()
  const [busy, setBusy] = useState(false)
  const [failed, setFailed] = useState<string>()
  const secret = site.identitySecret

  async function generate() {
    setBusy(true)
    setFailed(undefined)
    try {
      onChanged((await adminApi.rotateSecret(site.id)).site)
      setShown(true)
    } catch (error) {
      setFailed((error as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="identity" aria-label={`Identity verification of ${site.name}`}>
      <div class="identity-head">
        <span class="embed-label">Identity verification</span>
        <span class={`pill ${secret ? 'is-ok' : 'is-off'}`}>{secret ? (site.verifiedOnly ? 'On · verified visitors only' : 'On') : 'Off'}</span>
      </div>
      {secret ? (
        <>
          <p class="muted">
            Your server signs each signed-in user's id with this secret (HMAC-SHA256), so that visitors cannot pretend to be someone else. Keep it on your server.
          </p>
          <div class="code-row">
            <code class="code-block secret" aria-label="Identity secret">{shown ? secret : '•'.repeat(24)}</code>
            <button type="button" class="secondary" onClick={() => setShown(!shown)}>{shown ? 'Hide' : 'Show'}</button>
            <CopyButton text={secret} label={`Copy the identity secret of ${site.name}`} />
          </div>
          <div class="identity-actions">
            <button type="button" class="secondary small" onClick={() => setConfirming({
              title: 'Rotate the identity secret?',
              message: 'A new secret replaces this one at once: identities signed with the old one stop being accepted. Put the new one on your server straight away.',
              action: 'Rotate secret',
              danger: true,
              run: async () => {
                onChanged((await adminApi.rotateSecret(site.id)).site)
                setShown(true)
              },
            })}>Rotate secret</button>
            <button type="button" class="danger small" onClick={() => setConfirming({
              title: 'Turn identity verification off?',
              message: `The secret is deleted and visitors of ${site.name} are no longer verified${site.verifiedOnly ? '; "verified visitors only" is turned off too, so anyone may chat' : ''}.`,
              action: 'Remove secret',
              danger: true,
              run: async () => onChanged((await adminApi.removeSecret(site.id)).site),
            })}>Remove secret</button>
          </div>
        </>
      ) : (
        <div class="identity-off">
          <p class="muted">Let your server vouch for signed-in users, so their chats follow them across devices and nobody can pose as them.</p>
          <button type="button" class="secondary small" disabled={busy} onClick={generate}>{busy ? 'Generating…' : 'Generate secret'}</button>
        </div>
      )}
      {failed && <p class="form-error" role="alert">{failed}</p>}
      {confirming && <ConfirmDialog confirmation={confirming} onClose={() => setConfirming(undefined)} />}
    </section>
  )
}

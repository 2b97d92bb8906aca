import { useEffect, useState } from 'preact/hooks'
import { currentAgent, signOut, type SignedInAgent } from './auth.js'
import { Workspace } from './Workspace.js'
import { SignIn } from './SignIn.js'

/** Signed in or not: asks the server once on load, so a session survives reloads. */
export function App() {
  const [agent, setAgent] = useState<SignedInAgent | null>()
  useEffect(() => {
    currentAgent().then((found) => setAgent(found ?? null))
  }, [])
  if (agent === undefined) return <div class="loading" aria-busy="true" />
  if (agent === null) return <SignIn onSignedIn={setAgent} />
  return (
    <Workspace
      agent={agent}
      onSignOut={async () => {
        await signOut()
        setAgent(null)
      }}
    />
  )
}

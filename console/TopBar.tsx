import type { ConnectionState } from '../client/index.js'
import type { AgentStatus } from '../protocol/index.js'
import type { NotificationsState } from './announce.js'

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  online: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
}

interface TopBarProps {
  name: string
  status: AgentStatus
  connection: ConnectionState
  notifications: NotificationsState
  onEnableNotifications(): void
  onStatus(status: 'online' | 'away'): void
  onSignOut(): void
}

/** Brand, connection state, the notifications opt-in, the agent's presence switch and sign-out. */
export function TopBar({ name, status, connection, notifications, onEnableNotifications, onStatus, onSignOut }: TopBarProps) {
  const away = status === 'away'
  return (
    <header class="topbar">
      <div class="brand"><span class="logo" aria-hidden="true">P</span> Parley</div>
      <span class={`connection is-${connection}`} role="status">{CONNECTION_LABEL[connection]}</span>
      <div class="topbar-right">
        {notifications === 'default' && (
          <button type="button" class="ghost" title="Desktop alerts for new chats and messages you are not looking at" onClick={onEnableNotifications}>
            Enable notifications
          </button>
        )}
        <button
          type="button"
          role="switch"
          class={`presence ${away ? 'is-away' : 'is-online'}`}
          aria-checked={!away}
          aria-label="Available for new chats"
          onClick={() => onStatus(away ? 'online' : 'away')}
        >
          <span class="dot" aria-hidden="true" />
          {away ? 'Away' : 'Online'}
        </button>
        <span class="me">{name}</span>
        <button type="button" class="ghost" onClick={onSignOut}>Sign out</button>
      </div>
    </header>
  )
}

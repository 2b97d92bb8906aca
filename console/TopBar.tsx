import type { ConnectionState } from '../client/index.js'
import type { AgentStatus } from '../protocol/index.js'
import type { NotificationsState } from './announce.js'
import { formatRoute, type Route } from './route.js'

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
  route: Route
  isAdmin: boolean
  go(route: Route): void
  onSignOut(): void
}

const SCREENS: { view: Route['view']; label: string; to: Route; admin?: true }[] = [
  { view: 'inbox', label: 'Inbox', to: { view: 'inbox', tab: 'mine' } },
  { view: 'visitors', label: 'Visitors', to: { view: 'visitors' } },
  { view: 'search', label: 'Search', to: { view: 'search' } },
  { view: 'admin', label: 'Admin', to: { view: 'admin' }, admin: true },
]

/** Brand, the screens, connection state, the notifications opt-in, the agent's presence switch and sign-out. */
export function TopBar({ name, status, connection, notifications, onEnableNotifications, onStatus, route, isAdmin, go, onSignOut }: TopBarProps) {
  const away = status === 'away'
  return (
    <header class="topbar">
      <div class="brand"><span class="logo" aria-hidden="true">P</span> <span class="brand-name">Parley</span></div>
      <nav class="screens" aria-label="Screens">
        {SCREENS.filter((screen) => isAdmin || !screen.admin).map((screen) => (
          <a
            key={screen.view}
            href={formatRoute(screen.to)}
            class="screen-link"
            aria-current={route.view === screen.view ? 'page' : undefined}
            onClick={(event) => {
              event.preventDefault()
              go(screen.to)
            }}
          >
            {screen.label}
          </a>
        ))}
      </nav>
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

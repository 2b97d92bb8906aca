/** The administration API (/api/console/admin), typed as the console uses it. */
import { api } from '../api.js'

export type Role = 'admin' | 'agent'

export interface AdminAgent {
  id: number
  name: string
  email: string
  role: Role
  capacity: number
  siteIds: number[]
  active: boolean
  createdAt: number
}

export interface AdminSite {
  id: number
  name: string
  key: string
  allowedOrigins: string[]
  widget: { color: string; greeting: string; position: 'left' | 'right'; prechat?: boolean }
  /** Shown to administrators for their own server; never to visitors. */
  identitySecret?: string
  verifiedOnly: boolean
  /** The `<script>` tag to paste into the site's pages. */
  embed: string
}

export interface CannedResponse {
  id: number
  /** Absent: every site. */
  siteId?: number
  shortcut: string
  text: string
  updatedAt: number
}

export interface ApiTokenRecord {
  id: number
  name: string
  /** Empty: every site. */
  siteIds: number[]
  createdAt: number
  revokedAt?: number
}

export interface AgentFields {
  name: string
  email: string
  role: Role
  capacity: number
  siteIds: number[]
}

export interface SiteFields {
  name: string
  allowedOrigins: string[]
  color: string
  greeting: string
  position: 'left' | 'right'
  prechat: boolean
  verifiedOnly: boolean
}

export interface CannedFields {
  shortcut: string
  text: string
  /** null: every site. */
  siteId: number | null
}

export const adminApi = {
  agents: () => api<{ agents: AdminAgent[]; selfId: number }>('GET', '/admin/agents'),
  createAgent: (fields: AgentFields & { password: string }) => api<{ agent: AdminAgent }>('POST', '/admin/agents', fields),
  updateAgent: (id: number, patch: Partial<AgentFields> & { active?: boolean }) => api<{ agent: AdminAgent }>('PATCH', `/admin/agents/${id}`, patch),
  resetPassword: (id: number, password: string) => api<{ agent: AdminAgent }>('POST', `/admin/agents/${id}/password`, { password }),

  sites: () => api<{ sites: AdminSite[] }>('GET', '/admin/sites'),
  createSite: (fields: SiteFields) => api<{ site: AdminSite }>('POST', '/admin/sites', fields),
  updateSite: (id: number, patch: Partial<SiteFields>) => api<{ site: AdminSite }>('PATCH', `/admin/sites/${id}`, patch),
  rotateSecret: (id: number) => api<{ site: AdminSite }>('POST', `/admin/sites/${id}/identity-secret`),
  removeSecret: (id: number) => api<{ site: AdminSite }>('DELETE', `/admin/sites/${id}/identity-secret`),

  canned: () => api<{ canned: CannedResponse[] }>('GET', '/admin/canned'),
  createCanned: (fields: CannedFields) => api<{ canned: CannedResponse }>('POST', '/admin/canned', fields),
  updateCanned: (id: number, patch: Partial<CannedFields>) => api<{ canned: CannedResponse }>('PATCH', `/admin/canned/${id}`, patch),
  deleteCanned: (id: number) => api<void>('DELETE', `/admin/canned/${id}`),

  tokens: () => api<{ tokens: ApiTokenRecord[] }>('GET', '/admin/tokens'),
  createToken: (fields: { name: string; siteIds: number[] }) => api<{ token: string; apiToken: ApiTokenRecord }>('POST', '/admin/tokens', fields),
  revokeToken: (id: number) => api<{ apiToken: ApiTokenRecord }>('POST', `/admin/tokens/${id}/revoke`),
}

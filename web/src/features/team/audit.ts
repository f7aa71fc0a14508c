// The audit log as people read it (ACC-5): action families to filter by, actions and targets
// in words, and an entry's detail as one compact line.

import type { AuditEntry } from '../../api'
import { i18n } from '../../i18n'

/** The families `GET /audit?action=` takes besides exact actions. */
export const AUDIT_FAMILIES = [
  'login',
  'account',
  'role',
  'group',
  'probation',
  'refund',
  'compensation',
  'logistics',
  'approval',
  'settings',
  'team',
  'catalog',
] as const

/** `refund.request` → 申请退款; an action the UI does not know shows as it is. */
export function actionLabel(action: string): string {
  const key = `audit.actions.${action.replace(/\./g, '_')}`
  return i18n.global.te(key) ? i18n.global.t(key) : action
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** `user:<id>` → 账号 晓峰, `order:T123` → 订单 T123, `group:<id>` → 权限组 a948a6b0; others
 *  as they are. */
export function targetLabel(target: string, nameOf: (id: string) => string | null): string {
  const at = target.indexOf(':')
  const kind = at >= 0 ? target.slice(0, at) : target
  const value = at >= 0 ? target.slice(at + 1) : ''
  const key = `audit.targets.${kind}`
  if (!i18n.global.te(key)) return target
  const named = kind === 'user' ? nameOf(value) : null
  const name = named ?? (UUID.test(value) ? value.slice(0, 8) : value)
  return i18n.global.t(key, { name })
}

/** The detail as compact JSON, without the empty object. */
export function compactDetail(entry: AuditEntry): string {
  const d = entry.detail
  if (d === null || d === undefined) return ''
  if (typeof d === 'object' && !Array.isArray(d) && Object.keys(d).length === 0) return ''
  return JSON.stringify(d)
}

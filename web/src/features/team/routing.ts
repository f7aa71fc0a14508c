// Routing rules as the team page edits them (WB-4): a rule in the editor before it is saved,
// a fresh condition of each kind, and conditions in the reader's words.

import { CHANNELS, ENTRIES } from '../../api'
import type { ConditionKind, RoutingCondition, RoutingRule, RuleInput, Uuid } from '../../api'
import { i18n } from '../../i18n'

/** A rule in the editor. `key` is a saved rule's id, or a fresh UUID for a new one, which the
 *  tester may send (so its answer can name the rule) but saving never does. */
export interface DraftRule {
  key: Uuid
  saved: boolean
  name: string
  conditions: RoutingCondition[]
  team: string
  enabled: boolean
}

/** What the rule dialog edits. */
export type RuleFields = Omit<DraftRule, 'key' | 'saved'>

/** The highest VIP level a condition names (the server keeps a byte). */
export const MAX_VIP_LEVEL = 255

/** A random (v4) UUID; `crypto.randomUUID` is missing on plain-http LAN addresses. */
export function draftId(): Uuid {
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function draftOf(rule: RoutingRule): DraftRule {
  return {
    key: rule.id,
    saved: true,
    name: rule.name,
    conditions: rule.conditions.map((c) => ({ ...c })),
    team: rule.team,
    enabled: rule.enabled,
  }
}

/** As the server takes it: `withDraftIds` names new rules too (for the tester). */
export function inputOf(rule: DraftRule, withDraftIds: boolean): RuleInput {
  return {
    ...(rule.saved || withDraftIds ? { id: rule.key } : {}),
    name: rule.name,
    conditions: rule.conditions,
    team: rule.team,
    enabled: rule.enabled,
  }
}

export function blankCondition(kind: ConditionKind): RoutingCondition {
  switch (kind) {
    case 'entry':
      return { kind, value: ENTRIES[0] }
    case 'channel':
      return { kind, value: CHANNELS[0] }
    case 'vip_at_least':
      return { kind, value: 1 }
    default:
      return { kind, value: '' }
  }
}

/** A text condition with nothing in it, which the server refuses (`bad_rule_condition`). */
export function isBlank(c: RoutingCondition): boolean {
  return typeof c.value === 'string' && !c.value.trim()
}

/** "进线入口 = 订单卡片", "VIP 等级 ≥ 3". */
export function conditionText(c: RoutingCondition): string {
  const t = i18n.global.t
  const kind = t(`routing.kinds.${c.kind}`)
  switch (c.kind) {
    case 'entry':
      return `${kind} = ${t(`entry.${c.value}`)}`
    case 'channel':
      return `${kind} = ${t(`channel.${c.value}`)}`
    case 'vip_at_least':
      return `${kind} ≥ ${c.value}`
    default:
      return `${kind} = ${c.value}`
  }
}

// Account fields as the team page checks and shows them (ACC-2, ACC-6): the server's rules for
// usernames, passwords and mainland mobile numbers, checked early for a kind message, and team
// names in the reader's language where the shop kept the seeded ones.

import type { Team } from '../../api'
import { i18n } from '../../i18n'

/** 3–32 lower-case letters, digits, `-`, `_`, `.`. */
export const USERNAME_PATTERN = /^[a-z0-9._-]{3,32}$/
export const MIN_PASSWORD_CHARS = 8
export const MAX_NAME_CHARS = 40

/** A mainland mobile number (11 digits, 1[3-9]…), with an optional +86 and spaces or dashes;
 *  returns its 11 digits, or null. */
export function mobileNumber(text: string): string | null {
  const digits = text.trim().replace(/^\+86/, '').replace(/[\s-]/g, '')
  return /^1[3-9]\d{9}$/.test(digits) ? digits : null
}

/** The names the seed gives the default teams (ACC-6). */
const SEEDED_NAMES: Record<string, string> = { pre_sales: '售前', after_sales: '售后', qa: '质检' }

/** A team's name: the shop's own, or the seeded one in the reader's language. */
export function teamLabel(key: string | null | undefined, teams: Team[] = []): string {
  if (!key) return ''
  const name = teams.find((t) => t.key === key)?.name ?? SEEDED_NAMES[key] ?? key
  const localKey = `teams.names.${key}`
  return SEEDED_NAMES[key] === name && i18n.global.te(localKey) ? i18n.global.t(localKey) : name
}

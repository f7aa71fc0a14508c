// The routing rules editor (WB-4): the shop's rules as a draft in the order they are tried,
// whether it differs from what is saved, and the tester's last answer for a sample
// conversation run through the draft — saved or not — with the rule it matched.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { agentApi } from '../api'
import type { ConversationFacts, RouteDecision, RoutingRule, RuleList, Uuid } from '../api'
import { draftId, draftOf, inputOf } from '../features/team/routing'
import type { DraftRule, RuleFields } from '../features/team/routing'

export const useRouting = defineStore('routing', () => {
  const rules = ref<DraftRule[]>([])
  const defaultTeam = ref('')
  const loaded = ref(false)
  const failed = ref(false)
  const saving = ref(false)
  const testing = ref(false)
  /** The tester's last answer, until the draft changes. */
  const decision = ref<RouteDecision | null>(null)
  /** What the server holds, in order. */
  let saved: RoutingRule[] = []
  let savedSnapshot = '[]'

  const dirty = computed(() => snapshot() !== savedSnapshot)
  /** The draft rule the last test matched. */
  const matchedKey = computed<Uuid | null>(() => decision.value?.rule_id ?? null)

  function snapshot(): string {
    return JSON.stringify(rules.value.map((r) => inputOf(r, false)))
  }

  function adopt(list: RuleList): void {
    saved = [...list.rules].sort((a, b) => a.position - b.position)
    rules.value = saved.map(draftOf)
    defaultTeam.value = list.default_team
    savedSnapshot = snapshot()
    loaded.value = true
    failed.value = false
  }

  async function load(): Promise<void> {
    try {
      adopt(await agentApi.routingRules())
      decision.value = null
    } catch {
      failed.value = true
    }
  }

  /** Any edit makes the last test's answer stale. */
  function edited(): void {
    decision.value = null
  }

  function add(fields: RuleFields): void {
    rules.value.push({ ...fields, key: draftId(), saved: false })
    edited()
  }

  function update(key: Uuid, fields: RuleFields): void {
    const at = rules.value.findIndex((r) => r.key === key)
    if (at >= 0) rules.value[at] = { ...rules.value[at], ...fields }
    edited()
  }

  function remove(key: Uuid): void {
    rules.value = rules.value.filter((r) => r.key !== key)
    edited()
  }

  /** One place up (-1) or down (+1). */
  function move(key: Uuid, by: -1 | 1): void {
    const at = rules.value.findIndex((r) => r.key === key)
    const to = at + by
    if (at < 0 || to < 0 || to >= rules.value.length) return
    const list = [...rules.value]
    ;[list[at], list[to]] = [list[to], list[at]]
    rules.value = list
    edited()
  }

  function setEnabled(key: Uuid, enabled: boolean): void {
    const rule = rules.value.find((r) => r.key === key)
    if (rule) rule.enabled = enabled
    edited()
  }

  function discard(): void {
    rules.value = saved.map(draftOf)
    edited()
  }

  function reset(): void {
    rules.value = []
    saved = []
    savedSnapshot = '[]'
    defaultTeam.value = ''
    loaded.value = false
    failed.value = false
    decision.value = null
  }

  /** Throws ApiError (`bad_rule_name`, `bad_rule_team`, `bad_rule_condition`, `too_many_rules`,
   *  `unknown_team`). The tester's answer survives, pointing at the same place in the list. */
  async function save(): Promise<void> {
    saving.value = true
    try {
      const matchedAt = rules.value.findIndex((r) => r.key === matchedKey.value)
      const before = decision.value
      adopt(await agentApi.putRoutingRules(rules.value.map((r) => inputOf(r, false))))
      if (before) decision.value = { ...before, rule_id: matchedAt >= 0 ? (rules.value[matchedAt]?.key ?? null) : null }
    } finally {
      saving.value = false
    }
  }

  /** Runs a sample through the draft. Throws ApiError (the draft's rule codes). */
  async function test(facts: ConversationFacts): Promise<RouteDecision> {
    testing.value = true
    try {
      decision.value = await agentApi.testRouting(
        facts,
        rules.value.map((r) => inputOf(r, true)),
      )
      return decision.value
    } finally {
      testing.value = false
    }
  }

  return {
    rules,
    defaultTeam,
    loaded,
    failed,
    saving,
    testing,
    decision,
    dirty,
    matchedKey,
    load,
    add,
    update,
    remove,
    move,
    setEnabled,
    discard,
    save,
    test,
    reset,
  }
})

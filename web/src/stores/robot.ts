// The robot page's state (BOT-1 … BOT-6): the knowledge base as searched, the robot's mode and
// lexicons, and the test console's questions of this session (kept while switching tabs).

import { defineStore } from 'pinia'
import { ref } from 'vue'
import { agentApi } from '../api'
import type { KbEntry, KbEntryView, KbTier, Lexicon, RobotDecision, RobotMode, RobotSettings } from '../api'

/** One question asked in the test console, with what the robot made of it. */
export interface AskedQuestion {
  text: string
  product: string
  decision: RobotDecision
  at: number
}

/** How many questions the console remembers. */
const HISTORY = 12

export const useRobot = defineStore('robot', () => {
  const entries = ref<KbEntryView[]>([])
  const total = ref(0)
  const query = ref('')
  const tier = ref<KbTier | ''>('')
  const entriesLoaded = ref(false)
  const entriesFailed = ref(false)
  const settings = ref<RobotSettings | null>(null)
  const settingsFailed = ref(false)
  const history = ref<AskedQuestion[]>([])
  /** The console's answer in view: the newest, or one picked from the history. */
  const current = ref<AskedQuestion | null>(null)
  let listed = 0

  /** Searches the knowledge base; an older answer never replaces a newer one. */
  async function loadEntries(): Promise<void> {
    const mine = ++listed
    try {
      const list = await agentApi.robotEntries(query.value.trim(), tier.value)
      if (mine !== listed) return
      entries.value = list.entries
      total.value = list.total
      entriesFailed.value = false
    } catch {
      if (mine === listed) entriesFailed.value = true
    } finally {
      if (mine === listed) entriesLoaded.value = true
    }
  }

  /** Throws ApiError with the entry's problem (`invalid_question` …). */
  async function saveEntry(entry: KbEntry): Promise<KbEntryView> {
    const saved = await agentApi.putRobotEntry(entry.id, entry)
    void loadEntries()
    // Lexicons and entries share a version: the settings' `kb_version` moved.
    void loadSettings()
    return saved
  }

  async function deleteEntry(id: string): Promise<void> {
    await agentApi.deleteRobotEntry(id)
    entries.value = entries.value.filter((e) => e.id !== id)
    total.value = Math.max(0, total.value - 1)
    void loadEntries()
    void loadSettings()
  }

  async function loadSettings(): Promise<void> {
    try {
      settings.value = await agentApi.robotSettings()
      settingsFailed.value = false
    } catch {
      settingsFailed.value = true
    }
  }

  /** The mode alone (the lexicons stay), or the lexicons with the mode as saved. Throws
   *  ApiError (`invalid_lexicon`, `lexicon_too_large`, `forbidden`). */
  async function saveMode(mode: RobotMode, nightOnly: boolean): Promise<void> {
    settings.value = await agentApi.putRobotSettings({ mode, night_only: nightOnly })
  }

  async function saveLexicon(lexicon: Lexicon): Promise<void> {
    const s = settings.value ?? (await agentApi.robotSettings())
    settings.value = await agentApi.putRobotSettings({ mode: s.mode, night_only: s.night_only, lexicon })
  }

  /** Throws ApiError (`invalid_question`). */
  async function ask(text: string, product: string): Promise<AskedQuestion> {
    const decision = await agentApi.askRobot(text, product || undefined)
    const asked: AskedQuestion = { text, product, decision, at: Date.now() }
    history.value = [asked, ...history.value.filter((h) => h.text !== text || h.product !== product)].slice(0, HISTORY)
    current.value = asked
    return asked
  }

  function reset(): void {
    entries.value = []
    total.value = 0
    query.value = ''
    tier.value = ''
    entriesLoaded.value = false
    entriesFailed.value = false
    settings.value = null
    settingsFailed.value = false
    history.value = []
    current.value = null
  }

  return {
    entries,
    total,
    query,
    tier,
    entriesLoaded,
    entriesFailed,
    settings,
    settingsFailed,
    history,
    current,
    loadEntries,
    saveEntry,
    deleteEntry,
    loadSettings,
    saveMode,
    saveLexicon,
    ask,
    reset,
  }
})

// The robot page's state (BOT-1 … BOT-6): the knowledge base as searched, the robot's mode and
// lexicons, the test console's questions of this session (kept while switching tabs), the
// multi-turn flows (BOT-4) and the training loop's proposals under review (BOT-5).

import { defineStore } from 'pinia'
import { ref } from 'vue'
import { agentApi, errorCode } from '../api'
import type { Flow, KbEntry, KbEntryView, KbTier, Lexicon, Proposal, ProposalEdit, ProposalStatus, RobotDecision, RobotMode, RobotSettings, Uuid } from '../api'

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
  const flows = ref<Flow[]>([])
  const flowsLoaded = ref(false)
  const flowsFailed = ref(false)
  const proposals = ref<Proposal[]>([])
  const proposalStatus = ref<ProposalStatus>('pending')
  const proposalsLoaded = ref(false)
  const proposalsFailed = ref(false)
  let listed = 0
  let proposalsListed = 0

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

  /** The answer threshold picked on the calibration curve; `null` is the default. */
  async function saveThreshold(threshold: number | null): Promise<void> {
    const s = settings.value ?? (await agentApi.robotSettings())
    settings.value = await agentApi.putRobotSettings({ mode: s.mode, night_only: s.night_only ?? false, answer_threshold: threshold })
  }

  async function saveLexicon(lexicon: Lexicon): Promise<void> {
    const s = settings.value ?? (await agentApi.robotSettings())
    settings.value = await agentApi.putRobotSettings({ mode: s.mode, night_only: s.night_only ?? false, lexicon })
  }

  /** Throws ApiError (`invalid_question`). */
  async function ask(text: string, product: string): Promise<AskedQuestion> {
    const decision = await agentApi.askRobot(text, product || undefined)
    const asked: AskedQuestion = { text, product, decision, at: Date.now() }
    history.value = [asked, ...history.value.filter((h) => h.text !== text || h.product !== product)].slice(0, HISTORY)
    current.value = asked
    return asked
  }

  // ---- flows (BOT-4) ----

  async function loadFlows(): Promise<void> {
    try {
      flows.value = await agentApi.robotFlows()
      flowsFailed.value = false
    } catch {
      flowsFailed.value = true
    } finally {
      flowsLoaded.value = true
    }
  }

  /** Throws ApiError (`bad_flow`, its message naming the problem). */
  async function saveFlow(flow: Flow): Promise<Flow> {
    const saved = await agentApi.putRobotFlow(flow.id, flow)
    const at = flows.value.findIndex((f) => f.id === saved.id)
    if (at >= 0) flows.value[at] = saved
    else flows.value.push(saved)
    // Triggers are trained into the robot: the settings' `kb_version` moved.
    void loadSettings()
    return saved
  }

  async function deleteFlow(id: string): Promise<void> {
    await agentApi.deleteRobotFlow(id)
    flows.value = flows.value.filter((f) => f.id !== id)
    void loadSettings()
  }

  // ---- proposals (BOT-5) ----

  /** The proposals of the status chosen; an older answer never replaces a newer one. */
  async function loadProposals(): Promise<void> {
    const mine = ++proposalsListed
    try {
      const list = await agentApi.proposals(proposalStatus.value)
      if (mine !== proposalsListed) return
      proposals.value = [...list].sort((a, b) => b.count - a.count || b.created_at - a.created_at)
      proposalsFailed.value = false
    } catch {
      if (mine === proposalsListed) proposalsFailed.value = true
    } finally {
      if (mine === proposalsListed) proposalsLoaded.value = true
    }
  }

  /** Builds proposals from the misses now; resolves to how many are new. */
  async function runProposals(): Promise<{ created: number; pending: number }> {
    const result = await agentApi.runProposals()
    await loadProposals()
    return result
  }

  /** Throws ApiError (`proposal_decided` when someone was first, `invalid_question` …). */
  async function approveProposal(id: Uuid, edit: ProposalEdit): Promise<KbEntryView> {
    try {
      const { entry } = await agentApi.approveProposal(id, edit)
      dropProposal(id)
      void loadEntries()
      void loadSettings()
      return entry
    } catch (err) {
      if (errorCode(err) === 'proposal_decided') void loadProposals()
      throw err
    }
  }

  async function rejectProposal(id: Uuid): Promise<void> {
    try {
      await agentApi.rejectProposal(id)
      dropProposal(id)
    } catch (err) {
      if (errorCode(err) === 'proposal_decided') void loadProposals()
      throw err
    }
  }

  /** Takes a decided proposal off the list at once, before the list comes back. */
  function dropProposal(id: Uuid): void {
    if (proposalStatus.value === 'pending') proposals.value = proposals.value.filter((p) => p.id !== id)
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
    flows.value = []
    flowsLoaded.value = false
    flowsFailed.value = false
    proposals.value = []
    proposalStatus.value = 'pending'
    proposalsLoaded.value = false
    proposalsFailed.value = false
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
    saveThreshold,
    ask,
    flows,
    flowsLoaded,
    flowsFailed,
    loadFlows,
    saveFlow,
    deleteFlow,
    proposals,
    proposalStatus,
    proposalsLoaded,
    proposalsFailed,
    loadProposals,
    runProposals,
    approveProposal,
    rejectProposal,
    dropProposal,
    reset,
  }
})

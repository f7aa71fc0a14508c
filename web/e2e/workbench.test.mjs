// The browser end-to-end story of WB-4 and WB-5: the tea shop's supervisor adds a routing rule
// that sends order-card conversations to after-sales, checks it in the rule tester before
// saving, makes after-sales tag conversations before resolving them and adds a shop tag; the
// after-sales agent tags a conversation 物流延误 from the picker, finds it through the list's
// tag filter, and, resolving another one untagged, is asked for a tag first. A new agent
// proves their phone number with the code the server sends (logged, as the demo has no SMS
// gateway), and the accounts table marks it verified (ACC-2). A pre-sales agent takes a lunch
// break that the supervisor sees on the Live tab (WB-9); the after-sales agent transfers a
// conversation to pre-sales with a note and @-mentions the supervisor in an internal note (WB-1).
// The admin turns on automatic assignment in the shop settings and saves it, then turns it off
// again so the other stories keep their manual queue (WB-4).
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DEMO_PASSWORD, DESKTOP, WAIT, apiSession as sessionAs, launchBrowser, outputDir, showTab, signIn, startDemo, stepper, watchPage } from './harness.mjs'

/** The tea shop's supervisor: manages teams, so edits routing rules and tags. */
const LEAD = 'tea-lead'
/** In the after-sales team. */
const AGENT = 'tea-after1'
const RULE_NAME = '订单卡片走售后'
const TAG_KEY = 'logistics_delay'
const TAG_NAME = '物流延误'
const SHOP_TAG = { key: 'gift_issue', name: '赠品问题' }
/** In the pre-sales team (WB-9 breaks). */
const PRE_AGENT = 'tea-pre1'
const BREAK_REASON = '午饭'
const TRANSFER_NOTE = '买家问的是新品，转售前跟进'
/** The conversation the after-sales agent transfers (WB-1). */
let transferredId = ''
/** Manages accounts. */
const ADMIN = 'tea-admin'
const NEWCOMER = { username: 'tea-new1', display_name: '售后·小周', phone: '13712345678', role: 'agent', team: 'after_sales' }

let demo
let browser
const pageErrors = []

before(async () => {
  demo = await startDemo()
  browser = await launchBrowser()
})

after(async () => {
  try {
    await browser?.close()
  } finally {
    await demo?.stop()
  }
})

/** Opens an Element Plus select and picks the option with that test id and value. */
async function choose(page, select, optionTestId, value) {
  await select.click()
  const option = page.locator(`[data-testid="${optionTestId}"][data-value="${value}"]:visible`)
  await option.waitFor(WAIT)
  await option.click()
  await option.waitFor({ state: 'hidden', ...WAIT })
}

/** An API session as `username`, for setting a story up. */
const apiSession = (username) => sessionAs(demo.baseUrl, username)

test('a supervisor tests and saves a routing rule, and an agent tags and filters conversations', { timeout: 300_000 }, async (t) => {
  const leadContext = await browser.newContext(DESKTOP)
  const agentContext = await browser.newContext(DESKTOP)
  const lead = await leadContext.newPage()
  const agent = await agentContext.newPage()
  watchPage(lead, 'lead', pageErrors)
  watchPage(agent, 'agent', pageErrors)
  const step = stepper(t, { lead, agent }, demo)

  /** The conversation the agent tags. */
  let taggedId = ''

  try {
    await step('the supervisor adds an order-card rule to after-sales in the draft', async () => {
      await signIn(lead, demo.baseUrl, LEAD)
      await lead.getByTestId('team-link').click()
      await lead.waitForURL((url) => url.pathname === '/agent/team', WAIT)
      await lead.getByTestId('team-tab-routing').click()
      await lead.locator('[data-testid="routing-rules"][data-dirty="false"]').waitFor(WAIT)

      await lead.getByTestId('rule-add').click()
      const form = lead.getByTestId('rule-form')
      await form.getByTestId('rule-form-name').waitFor(WAIT)
      await form.getByTestId('rule-form-name').fill(RULE_NAME)
      const condition = form.getByTestId('rule-condition').first()
      assert.equal(await condition.getAttribute('data-kind'), 'entry', 'a new rule starts with an entry condition')
      await choose(lead, condition.getByTestId('rule-condition-value'), 'rule-value-option', 'order_card')
      await choose(lead, form.getByTestId('rule-form-team'), 'rule-team-option', 'after_sales')
      await form.getByTestId('rule-form-submit').click()

      const row = lead.getByTestId('rule-row').filter({ hasText: RULE_NAME })
      await row.waitFor(WAIT)
      assert.equal(await row.getAttribute('data-team'), 'after_sales')
      assert.equal(await row.getAttribute('data-position'), '1')
      await lead.locator('[data-testid="routing-rules"][data-dirty="true"]').waitFor(WAIT)
    })

    await step('the tester sends an order-card sample to after-sales through the unsaved rule', async () => {
      await choose(lead, lead.getByTestId('rule-test-entry'), 'rule-test-entry-option', 'order_card')
      await lead.getByTestId('rule-test').click()
      const result = lead.getByTestId('rule-test-result')
      await result.waitFor(WAIT)
      assert.equal(await result.getAttribute('data-team'), 'after_sales')
      const row = lead.getByTestId('rule-row').filter({ hasText: RULE_NAME })
      assert.equal(await row.getAttribute('data-matched'), 'true', 'the matching rule is highlighted')
      assert.equal(await result.getAttribute('data-rule-id'), await row.getAttribute('data-key'))
      assert.ok((await result.getByTestId('rule-test-line').count()) >= 1, 'the server explains its decision')
      await lead.screenshot({ path: path.join(outputDir, 'routing-rules.png') })
    })

    await step('the supervisor saves the rules, and they are there after a reload', async () => {
      await lead.getByTestId('rule-save').click()
      await lead.locator('[data-testid="routing-rules"][data-dirty="false"]').waitFor(WAIT)
      await lead.reload()
      const row = lead.getByTestId('rule-row').filter({ hasText: RULE_NAME })
      await row.waitFor(WAIT)
      assert.equal(await row.getAttribute('data-team'), 'after_sales')
    })

    await step('the supervisor makes after-sales tag before resolving, and adds a shop tag', async () => {
      await lead.getByTestId('team-tab-teams').click()
      const team = lead.locator('[data-testid="team-row"][data-key="after_sales"]')
      await team.getByTestId('team-edit').click()
      const form = lead.getByTestId('team-form')
      await form.getByTestId('require-tag-switch').click()
      await form.getByTestId('team-form-submit').click()
      await team.locator('[data-testid="team-require-tag"][data-required="true"]').waitFor(WAIT)

      await lead.getByTestId('tag-create-name').fill(SHOP_TAG.name)
      await lead.getByTestId('tag-create-key').fill(SHOP_TAG.key)
      await lead.getByTestId('tag-create').click()
      await lead.locator(`[data-testid="tag-item"][data-key="${SHOP_TAG.key}"][data-builtin="false"]`).waitFor(WAIT)
    })

    await step('the agent tags a conversation 物流延误 from the picker', async () => {
      await signIn(agent, demo.baseUrl, AGENT)
      await showTab(agent, 'open')
      const first = agent.getByTestId('conversation-item').first()
      await first.waitFor(WAIT)
      taggedId = (await first.getAttribute('data-conversation-id')) ?? ''
      assert.ok(taggedId, 'the list names its conversations')
      await first.click()

      await agent.getByTestId('tag-add').click()
      const picker = agent.getByTestId('tag-picker')
      await picker.locator(`[data-testid="tag-option"][data-key="${SHOP_TAG.key}"]`).waitFor(WAIT)
      await picker.getByTestId('tag-search').fill(TAG_NAME)
      await picker.locator(`[data-testid="tag-option"][data-key="${TAG_KEY}"]`).click()
      await picker.getByTestId('tag-picker-save').click()
      await picker.waitFor({ state: 'hidden', ...WAIT })

      await agent.locator(`[data-testid="conversation-tag"][data-key="${TAG_KEY}"]`).filter({ hasText: TAG_NAME }).waitFor(WAIT)
      const item = agent.locator(`[data-testid="conversation-item"][data-conversation-id="${taggedId}"]`)
      await item.locator(`[data-testid="conversation-item-tag"][data-key="${TAG_KEY}"]`).waitFor(WAIT)
    })

    await step('filtering the list by 物流延误 shows that conversation and only tagged ones', async () => {
      await agent.getByTestId('tag-filter').selectOption(TAG_KEY)
      const items = agent.getByTestId('conversation-item')
      await agent.locator(`[data-testid="conversation-item"][data-conversation-id="${taggedId}"]`).waitFor(WAIT)
      await agent.waitForFunction(
        (key) =>
          [...document.querySelectorAll('[data-testid="conversation-item"]')].every((row) =>
            row.querySelector(`[data-testid="conversation-item-tag"][data-key="${key}"]`),
          ),
        TAG_KEY,
        WAIT,
      )
      assert.ok((await items.count()) >= 1)
      await agent.screenshot({ path: path.join(outputDir, 'workbench-tags.png') })
    })

    await step('resolving an untagged conversation asks for a tag first, then resolves', async () => {
      await agent.getByTestId('tag-filter').selectOption('')
      const other = agent.locator(`[data-testid="conversation-item"][data-status="open"]:not([data-conversation-id="${taggedId}"])`).first()
      await other.waitFor(WAIT)
      await other.click()
      await agent.locator('[data-testid="conversation-tags"]:not(:has([data-testid="conversation-tag"]))').waitFor(WAIT)
      await agent.getByTestId('resolve-button').click()

      const picker = agent.getByTestId('tag-picker')
      await picker.getByTestId('tag-picker-notice').waitFor(WAIT)
      await picker.locator('[data-testid="tag-option"][data-key="damaged_item"]').click()
      await picker.getByTestId('tag-picker-save').click()
      await agent.locator('[data-testid="conversation-status"][data-status="resolved"]').waitFor(WAIT)
      await agent.locator('[data-testid="conversation-tag"][data-key="damaged_item"]').waitFor(WAIT)
    })

    await step('no page threw an uncaught error', () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    await leadContext.close()
    await agentContext.close()
  }
})

test('an agent takes a break, the supervisor watches it live, and an agent transfers and notes a conversation', { timeout: 180_000 }, async (t) => {
  const preContext = await browser.newContext(DESKTOP)
  const leadContext = await browser.newContext(DESKTOP)
  const afterContext = await browser.newContext(DESKTOP)
  const pre = await preContext.newPage()
  const lead = await leadContext.newPage()
  const after = await afterContext.newPage()
  watchPage(pre, 'pre', pageErrors)
  watchPage(lead, 'lead', pageErrors)
  watchPage(after, 'after', pageErrors)
  const step = stepper(t, { pre, lead, after }, demo)

  try {
    await step('a pre-sales agent takes a 15-minute lunch break and sees it in the top bar', async () => {
      await signIn(pre, demo.baseUrl, PRE_AGENT)
      await pre.getByTestId('status-select').click()
      await pre.locator('[data-testid="status-away"]:visible').click()
      const dialog = pre.getByTestId('status-break-dialog')
      await dialog.waitFor(WAIT)
      await dialog.locator('[data-testid="break-reason-preset"][data-value="lunch"]').click()
      assert.equal(await dialog.getByTestId('break-reason').inputValue(), BREAK_REASON)
      await dialog.getByTestId('break-minutes').fill('15')
      await dialog.getByTestId('break-submit').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      const badge = pre.locator(`[data-testid="break-badge"][data-reason="${BREAK_REASON}"]`)
      await badge.waitFor(WAIT)
      assert.match((await badge.textContent()) ?? '', /小休中 · 午饭 · 剩 1[45] 分钟/)
      await pre.locator('[data-testid="status-select"][data-status="away"]').waitFor(WAIT)
    })

    await step('the supervisor sees the agent away for lunch on the Live tab', async () => {
      await signIn(lead, demo.baseUrl, LEAD)
      await lead.goto(`${demo.baseUrl}/agent/team`)
      await lead.getByTestId('team-tab-live').click()
      const row = lead.locator(`[data-testid="live-row"][data-username="${PRE_AGENT}"]`)
      await row.waitFor(WAIT)
      await lead.locator(`[data-testid="live-row"][data-username="${PRE_AGENT}"][data-status="away"][data-reason="${BREAK_REASON}"]`).waitFor(WAIT)
      assert.match((await row.getByTestId('live-status').textContent()) ?? '', /午饭/)
      await lead.screenshot({ path: path.join(outputDir, 'team-live.png') })
    })

    await step('an after-sales agent replies to a conversation, then transfers it to pre-sales with a note', async () => {
      await signIn(after, demo.baseUrl, AGENT)
      await showTab(after, 'open')
      const first = after.locator('[data-testid="conversation-item"][data-status="open"]').first()
      await first.waitFor(WAIT)
      transferredId = (await first.getAttribute('data-conversation-id')) ?? ''
      assert.ok(transferredId, 'the list names its conversations')
      await first.click()
      // The first reply makes it the agent's own, which may then hand it on.
      await after.getByTestId('composer-input').fill('您好，我先帮您看一下')
      await after.getByTestId('send-button').click()
      await after.getByTestId('transfer-button').waitFor(WAIT)
      await after.getByTestId('transfer-button').click()
      const dialog = after.getByTestId('transfer-dialog')
      await dialog.waitFor(WAIT)
      await dialog.locator('[data-testid="transfer-team"][data-value="pre_sales"]').click()
      await dialog.getByTestId('transfer-note').fill(TRANSFER_NOTE)
      await dialog.getByTestId('transfer-submit').click()
      await after.locator('.el-message').filter({ hasText: '已转交' }).waitFor(WAIT)
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      await after.locator('[data-testid="event"][data-kind="transferred"]').waitFor(WAIT)
    })

    await step('the agent adds an internal note mentioning the supervisor with @', async () => {
      const input = after.getByTestId('note-input-internal')
      await input.click()
      await input.fill('麻烦主管关注一下 @tea-l')
      await after.locator(`[data-testid="mention-option"][data-username="${LEAD}"]`).click()
      assert.equal(await input.inputValue(), `麻烦主管关注一下 @${LEAD} `)
      await input.pressSequentially('谢谢')
      await input.press('Control+Enter')
      const note = after.getByTestId('note-item-internal').filter({ hasText: `@${LEAD} 谢谢` })
      await note.waitFor(WAIT)
      assert.equal(await note.getAttribute('data-whisper'), 'false')

      const call = await apiSession(LEAD)
      const res = await call('GET', `/conversations/${transferredId}/notes`)
      assert.equal(res.status, 200)
      const { notes } = await res.json()
      const ours = notes.find((n) => n.body.includes(`@${LEAD} 谢谢`))
      assert.ok(ours, 'the note is stored')
      assert.ok(ours.mentions.length >= 1, 'the note mentions the supervisor')
      const moved = await (await call('GET', `/conversations/${transferredId}`)).json()
      assert.equal(moved.team, 'pre_sales', 'the conversation is in the pre-sales queue')
    })

    await step('no page threw an uncaught error', () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    await preContext.close()
    await leadContext.close()
    await afterContext.close()
  }
})

test('a new agent verifies their phone number with the code sent to it', { timeout: 120_000 }, async (t) => {
  const newcomerContext = await browser.newContext(DESKTOP)
  const adminContext = await browser.newContext(DESKTOP)
  const newcomer = await newcomerContext.newPage()
  const admin = await adminContext.newPage()
  watchPage(newcomer, 'newcomer', pageErrors)
  watchPage(admin, 'admin', pageErrors)
  const step = stepper(t, { newcomer, admin }, demo)

  try {
    await step('the new agent is warned that the phone is unverified', async () => {
      const call = await apiSession(ADMIN)
      const created = await call('POST', '/accounts', { ...NEWCOMER, password: DEMO_PASSWORD })
      assert.equal(created.status, 201, await created.text())
      await signIn(newcomer, demo.baseUrl, NEWCOMER.username)
      await newcomer.getByTestId('phone-unverified').waitFor(WAIT)
    })

    await step('a code goes to the phone, and typing it back verifies the number', async () => {
      await newcomer.getByTestId('phone-unverified').click()
      await newcomer.getByTestId('phone-masked').filter({ hasText: '137****5678' }).waitFor(WAIT)
      await newcomer.getByTestId('phone-send-code').click()
      // The countdown runs until another code may be asked for.
      await newcomer.locator('[data-testid="phone-send-code"]:disabled').waitFor(WAIT)
      let code = ''
      for (let i = 0; i < 50 && !code; i++) {
        const log = demo.log().replace(/\x1b\[[0-9;]*m/g, '')
        code = [...log.matchAll(/phone=137\*{4}5678 code=(\d{6})/g)].pop()?.[1] ?? ''
        if (!code) await new Promise((r) => setTimeout(r, 100))
      }
      assert.match(code, /^\d{6}$/, 'the server logged the code (no SMS gateway in the demo)')
      await newcomer.getByTestId('phone-code-input').fill(code)
      await newcomer.getByTestId('phone-verify').click()
      await newcomer.getByTestId('phone-unverified').waitFor({ state: 'detached', ...WAIT })
      await newcomer.screenshot({ path: path.join(outputDir, 'phone-verified.png') })
    })

    await step('the accounts table marks the number verified', async () => {
      await signIn(admin, demo.baseUrl, ADMIN)
      await admin.goto(`${demo.baseUrl}/agent/team?tab=accounts`)
      const row = admin.locator(`[data-testid="account-row"][data-username="${NEWCOMER.username}"]`)
      await row.locator('[data-testid="phone-mark"][data-verified="true"]').waitFor(WAIT)
    })

    await step('the admin turns on automatic assignment in the settings, saves, and turns it back off', async () => {
      const call = await apiSession(ADMIN)
      const settings = async () => (await call('GET', '/settings')).json()
      /** The save button is disabled while saving too: wait for the server to have it. */
      const settled = async (routingEnabled) => {
        for (let i = 0; i < 50; i++) {
          const now = await settings()
          if (now.routing_enabled === routingEnabled) return now
          await new Promise((r) => setTimeout(r, 100))
        }
        assert.fail(`routing_enabled never became ${routingEnabled}`)
      }
      const before = await settings()
      assert.equal(before.routing_enabled, false, 'the demo starts without automatic assignment')
      await admin.goto(`${demo.baseUrl}/agent/team?tab=settings`)
      const form = admin.getByTestId('shop-settings')
      const toggle = form.getByTestId('settings-routing')
      await form.locator('[data-testid="settings-routing"][data-on="false"]').waitFor(WAIT)

      await toggle.click()
      await form.locator('[data-testid="settings-routing"][data-on="true"]').waitFor(WAIT)
      await form.getByTestId('settings-save').click()
      const on = await settled(true)
      await form.locator('[data-testid="settings-save"]:disabled').waitFor(WAIT)
      await admin.screenshot({ path: path.join(outputDir, 'settings-routing-on.png') })
      assert.deepEqual(on, { ...before, routing_enabled: true }, 'only automatic assignment changed')

      await toggle.click()
      await form.locator('[data-testid="settings-routing"][data-on="false"]').waitFor(WAIT)
      await form.getByTestId('settings-save').click()
      const off = await settled(false)
      await form.locator('[data-testid="settings-save"]:disabled').waitFor(WAIT)
      assert.deepEqual(off, before, 'the settings are as they were')
    })

    await step('no page threw an uncaught error', () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    await newcomerContext.close()
    await adminContext.close()
  }
})

// Issue #20's browser story, end to end: 王先生 comes from his parcel's order card and
// complains, angry, that the tin arrived crushed; the shop's rules escalate it at once. The
// after-sales agent answers and escalates it to level 2. The supervisor takes it up on the
// cockpit, opens the conversation, starts the suggested playbook (商品质量问题) and from its
// step opens a refund work order; the buyer sees its progress in the chat. Unhappy still,
// he asks the platform to step in; the official desk reads the shop's conversation and rules
// a refund; the buyer is told, and the supervisor closes the escalation.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, PHONE, WAIT, apiSession, launchBrowser, outputDir, settle, showTab, signIn, startDemo, stepper, until, watchPage } from './harness.mjs'

const BUYER_NAME = '王先生'
const COMPLAINT = '茶叶罐子压坏了，茶叶撒了一地，太差了！！我要投诉！！'
const ANSWER = '非常抱歉给您添麻烦了，我们马上为您核实处理。'

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

test('an angry complaint is escalated, worked by playbook into a refund, and ruled by the platform', { timeout: 360_000 }, async (t) => {
  const buyer = await (await browser.newContext(PHONE)).newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  const lead = await (await browser.newContext(DESKTOP)).newPage()
  const desk = await (await browser.newContext(DESKTOP)).newPage()
  for (const [who, page] of Object.entries({ buyer, agent, lead, desk })) watchPage(page, who, pageErrors)
  const step = stepper(t, { buyer, agent, lead, desk }, demo)
  const api = await apiSession(demo.baseUrl, 'tea-admin')
  const escalationOf = async () => {
    const all = await (await api('GET', '/escalations?status=all&limit=200')).json()
    return all.escalations.find((e) => (conversationId ? e.conversation_id === conversationId : e.buyer_name === BUYER_NAME && e.reason.includes('压坏')))
  }
  let conversationId = ''

  try {
    await step('the buyer complains, angry; the rules escalate it', async () => {
      const printed = new URL(await demo.printed(/order-card entry[^:]*: (\S+)/))
      await buyer.goto(new URL(printed.pathname + printed.search, demo.baseUrl).href)
      await buyer.getByTestId('entry-banner').waitFor(WAIT)
      const input = buyer.getByTestId('composer-input')
      await input.fill(COMPLAINT)
      await input.press('Enter')
      await buyer.locator('[data-testid="message"][data-sender="buyer"]', { hasText: '太差了' }).waitFor(WAIT)
      const raised = await until(escalationOf, 'the rules escalate the complaint')
      assert.equal(raised.level, 'one')
      assert.ok(raised.triggers.includes('complaint_words') && raised.triggers.includes('anger'), raised.triggers.join())
      conversationId = raised.conversation_id
    })

    await step('the after-sales agent answers and escalates it to level 2', async () => {
      await signIn(agent, demo.baseUrl, 'tea-after1')
      await agent.goto(`${demo.baseUrl}/agent?conversation=${conversationId}`)
      await agent.getByTestId('open-buyer-name').filter({ hasText: BUYER_NAME }).waitFor(WAIT)
      const grab = agent.getByTestId('pane-grab-button')
      if (await grab.isVisible().catch(() => false)) await grab.click()
      await agent.getByTestId('composer-input').fill(ANSWER)
      await agent.getByTestId('send-button').click()
      await buyer.locator('[data-testid="message"][data-sender="agent"]', { hasText: '马上为您核实' }).waitFor(WAIT)
      await agent.locator('[data-testid="escalation-badge"][data-level="one"]').waitFor(WAIT)
      await agent.getByTestId('escalate-button').first().click()
      const dialog = agent.getByTestId('escalate-dialog')
      await dialog.waitFor(WAIT)
      await dialog.locator('[data-testid="escalate-level"][data-value="two"]').click()
      await dialog.getByTestId('escalate-reason').fill('买家情绪激动，扬言要找平台')
      await dialog.getByTestId('escalate-confirm').click()
      await agent.locator('[data-testid="escalation-badge"][data-level="two"]').waitFor(WAIT)
      assert.equal((await escalationOf()).level, 'two')
    })

    await step('the supervisor takes it up and follows the quality playbook into a refund work order', async () => {
      await signIn(lead, demo.baseUrl, 'tea-lead')
      await lead.goto(`${demo.baseUrl}/agent/cockpit?tab=escalations`)
      const { id } = await escalationOf()
      const card = lead.locator(`[data-testid="escalation-card"][data-id="${id}"]`)
      await card.waitFor(WAIT)
      await card.getByTestId('escalation-take').click()
      await lead.locator(`[data-testid="escalation-card"][data-id="${id}"][data-status="taken"]`).waitFor(WAIT)
      await lead.locator(`[data-testid="escalation-card"][data-id="${id}"]`).getByTestId('escalation-open').click()
      await lead.getByTestId('open-buyer-name').filter({ hasText: BUYER_NAME }).waitFor(WAIT)
      const panel = lead.getByTestId('panel-playbooks')
      await panel.scrollIntoViewIfNeeded()
      const suggestion = panel.locator('[data-testid="playbook-suggestion"][data-key="quality"]')
      await suggestion.waitFor(WAIT)
      await suggestion.getByTestId('playbook-start').click()
      const run = panel.locator('[data-testid="playbook-run"][data-key="quality"]')
      await run.waitFor(WAIT)
      await settle(lead)
      await panel.screenshot({ path: path.join(outputDir, 'dispute-playbook.png') })
      // Step 3: the refund plan, as a work order of the right kind.
      const plan = run.locator('[data-testid="playbook-step"][data-index="2"]')
      await plan.locator('[data-testid="playbook-step-tool"][data-tool="work_order"]').click()
      const dialog = lead.getByTestId('open-work-order-dialog')
      await dialog.waitFor(WAIT)
      await dialog.locator('[data-testid="open-work-order-field"][data-key="reason"] .el-select').click()
      await lead.locator('.el-select-dropdown__item:visible', { hasText: '商品破损' }).click()
      await dialog.getByTestId('open-work-order-amount').fill('38')
      await dialog.getByTestId('open-work-order-title').fill('罐子压坏，退 38 元')
      await lead.getByTestId('open-work-order-submit').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      await plan.getByTestId('playbook-step-check').click()
      await run.locator('[data-testid="playbook-step"][data-index="2"][data-done="true"]').waitFor(WAIT)
    })

    await step('the buyer sees the refund work order in the chat', async () => {
      await buyer.getByTestId('buyer-work-orders').waitFor(WAIT)
      await buyer.locator('[data-testid="message"]', { hasText: '您的退款工单' }).last().waitFor(WAIT)
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'dispute-buyer-work-order.png') })
    })

    let caseId = ''
    await step('the buyer asks the platform to step in', async () => {
      await buyer.getByTestId('arbitration-ask').waitFor({ timeout: 30_000 })
      await buyer.getByTestId('arbitration-ask').click()
      await buyer.getByTestId('arbitration-dialog').waitFor(WAIT)
      await buyer.getByTestId('arbitration-reason').fill('商家只肯退一部分，我要求全额退款')
      await buyer.getByTestId('arbitration-submit').click()
      await buyer.getByTestId('buyer-arbitration').waitFor(WAIT)
      await buyer.locator('[data-testid="message"]', { hasText: '您已申请平台介入' }).last().waitFor(WAIT)
      const cases = await (await api('GET', '/arbitrations')).json()
      caseId = cases.cases.find((c) => c.conversation_id === conversationId).id
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'dispute-buyer-arbitration.png') })
    })

    await step('the official desk reads the shop’s conversation and rules a refund', async () => {
      await signIn(desk, demo.baseUrl, 'official-lead')
      await desk.getByTestId('arbitrations-link').click()
      await desk.waitForURL((url) => url.pathname === '/agent/arbitrations', WAIT)
      await desk.locator(`[data-testid="arbitration-row"][data-id="${caseId}"]`).click()
      const detail = desk.getByTestId('arbitration-detail')
      await detail.waitFor(WAIT)
      await desk.getByTestId('arbitration-message').filter({ hasText: '马上为您核实' }).first().waitFor(WAIT)
      await settle(desk)
      await desk.screenshot({ path: path.join(outputDir, 'dispute-desk-case.png') })
      await desk.locator('[data-testid="arbitration-rule-kind"][data-value="refund"]').click()
      // More than the order came to is refused; its total is not.
      await desk.getByTestId('arbitration-rule-amount').fill('128')
      await desk.getByTestId('arbitration-rule-reason').fill('运输破损，店铺应全额退款')
      await desk.getByTestId('arbitration-rule-submit').click()
      const confirm = desk.locator('.el-message-box__btns .el-button--primary')
      if (await confirm.count()) await confirm.click()
      await desk.locator('.el-message--error').first().waitFor(WAIT)
      assert.equal(await desk.getByTestId('arbitration-detail').getAttribute('data-status'), 'open')
      await desk.getByTestId('arbitration-rule-amount').fill('99.90')
      await desk.getByTestId('arbitration-rule-submit').click()
      if (await confirm.count()) await confirm.click()
      await desk.locator('[data-testid="arbitration-detail"][data-status="ruled"]').waitFor(WAIT)
      await settle(desk)
      await desk.screenshot({ path: path.join(outputDir, 'dispute-desk-ruled.png') })
    })

    await step('the buyer is told the ruling; the supervisor closes the escalation', async () => {
      await buyer.locator('[data-testid="message"]', { hasText: '平台已对您的申请' }).last().waitFor(WAIT)
      await buyer.locator('[data-testid="buyer-arbitration"][data-status="ruled"]').waitFor({ timeout: 30_000 })
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'dispute-buyer-ruled.png') })
      await lead.goto(`${demo.baseUrl}/agent/cockpit?tab=escalations`)
      const { id } = await escalationOf()
      const card = lead.locator(`[data-testid="escalation-card"][data-id="${id}"]`)
      await card.getByTestId('escalation-handle').click()
      await lead.getByTestId('escalation-outcome').fill('按平台裁定全额退款 99.90 元，已致歉')
      await lead.getByTestId('escalation-handle-confirm').click()
      await until(async () => (await escalationOf())?.status === 'handled', 'the escalation handled')
    })
  } finally {
    assert.deepEqual(pageErrors, [])
  }
})

// The browser end-to-end story of ACC-5: 王先生 opens the demo's order-card entry link; the
// after-sales agent asks, from his conversation, for a ¥600 compensation — above the shop's
// ¥500 threshold, so it waits. The supervisor finds it in the approvals queue with the order
// and the reason, and approves it; 王先生 reads that the compensation was paid, the agent sees
// the request executed, and the supervisor checks that the audit chain is intact.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, PHONE, WAIT, launchBrowser, outputDir, showTab, signIn, startDemo, stepper, watchPage } from './harness.mjs'

const AGENT = 'tea-after1'
/** The tea shop's supervisor: may approve refunds and compensations and read the audit log. */
const LEAD = 'tea-lead'
const BUYER_NAME = '王先生'
/** The demo's parcel of 王先生 that is on its way (顺丰速运). */
const TRACKING_NO = 'SF1452367788'
/** Above the demo shop's ¥500 threshold. */
const AMOUNT_YUAN = '600'
const AMOUNT_SHOWN = '¥600.00'
const THRESHOLD_SHOWN = '¥500.00'
const REASON = '茶叶罐运输中压坏，与买家协商补偿 600 元'
/** What the server tells the buyer once the compensation is paid. */
const PAID_MESSAGE = `已为您发放补偿 ${AMOUNT_SHOWN}。`
const PENDING_MESSAGE = `您的补偿申请（${AMOUNT_SHOWN}）已提交，正在审核。`

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

test('a compensation above the threshold waits for the supervisor, and is paid once approved', { timeout: 300_000 }, async (t) => {
  const buyerContext = await browser.newContext(PHONE)
  const agentContext = await browser.newContext(DESKTOP)
  const leadContext = await browser.newContext(DESKTOP)
  const buyer = await buyerContext.newPage()
  const agent = await agentContext.newPage()
  const lead = await leadContext.newPage()
  watchPage(buyer, 'buyer', pageErrors)
  watchPage(agent, 'agent', pageErrors)
  watchPage(lead, 'lead', pageErrors)
  const step = stepper(t, { buyer, agent, lead }, demo)

  const systemMessage = (page, text) => page.locator('[data-testid="message"][data-sender="system"]', { hasText: text }).last()

  let orderNo = ''
  /** The request the agent makes (the demo holds other pending compensations). */
  let approvalId = ''

  try {
    await step('the buyer opens the order-card entry and sees his order', async () => {
      const printed = new URL(await demo.printed(/order-card entry[^:]*: (\S+)/))
      await buyer.goto(new URL(printed.pathname + printed.search, demo.baseUrl).href)
      const card = buyer.locator('[data-testid="order-card"]', { hasText: TRACKING_NO }).last()
      await card.waitFor(WAIT)
      orderNo = (await card.getAttribute('data-order-no')) ?? ''
      assert.ok(orderNo, 'the card names its order')
    })

    await step('the after-sales agent asks for a ¥600 compensation, which waits for approval', async () => {
      await signIn(agent, demo.baseUrl, AGENT)
      await showTab(agent, 'open')
      await agent.getByTestId('conversation-item').filter({ hasText: BUYER_NAME }).first().click()
      const current = agent.locator(`[data-testid="current-order"][data-order-no="${orderNo}"]`)
      await current.waitFor(WAIT)

      await current.getByTestId('request-compensation').click()
      const dialog = agent.locator('[data-testid="request-dialog"][data-kind="compensation"]')
      await dialog.getByTestId('request-amount').waitFor(WAIT)
      await dialog.getByTestId('request-threshold').filter({ hasText: THRESHOLD_SHOWN }).waitFor(WAIT)
      await dialog.getByTestId('request-amount').fill(AMOUNT_YUAN)
      await dialog.getByTestId('request-reason').fill(REASON)
      await dialog.getByTestId('request-submit').click()

      const result = dialog.getByTestId('request-result')
      await result.waitFor(WAIT)
      assert.equal(await dialog.getByTestId('request-error').count(), 0, 'the request was accepted')
      assert.equal(await result.getAttribute('data-status'), 'pending', 'above the threshold it waits')
      approvalId = (await result.getAttribute('data-id')) ?? ''
      assert.ok(approvalId, 'the result names the request')
      await dialog.getByTestId('request-done').click()

      // The panel follows the request, and the buyer hears that it is being reviewed.
      await agent.locator(`[data-testid="order-approval"][data-id="${approvalId}"][data-status="pending"]`).waitFor(WAIT)
      await systemMessage(buyer, PENDING_MESSAGE).waitFor(WAIT)
    })

    await step('the supervisor finds it in the queue with the order and the reason, and approves', async () => {
      await signIn(lead, demo.baseUrl, LEAD)
      const badge = lead.getByTestId('approvals-badge')
      await badge.waitFor(WAIT)
      assert.ok(Number(await badge.getAttribute('data-count')) >= 1, 'the top bar counts what waits')
      await lead.getByTestId('approvals-link').click()
      await lead.waitForURL((url) => url.pathname === '/agent/approvals', WAIT)

      const card = lead.locator(`[data-testid="approval-card"][data-id="${approvalId}"]`)
      await card.waitFor(WAIT)
      assert.equal(await card.getAttribute('data-status'), 'pending')
      assert.equal(await card.getAttribute('data-kind'), 'compensation')
      assert.equal((await card.getByTestId('approval-amount').textContent())?.trim(), AMOUNT_SHOWN)
      await card.getByTestId('approval-request-reason').filter({ hasText: REASON }).waitFor(WAIT)
      await card.locator(`[data-testid="approval-order"][data-order-no="${orderNo}"]`).waitFor(WAIT)
      await card.getByText(TRACKING_NO).waitFor(WAIT)
      await card.scrollIntoViewIfNeeded()
      await lead.screenshot({ path: path.join(outputDir, 'approval-queue.png') })

      await card.getByTestId('approval-reason').fill('同意，按破损标准补偿')
      await card.getByTestId('approval-approve').click()
      // Decided, it leaves the queue; the history has it executed.
      await card.waitFor({ state: 'detached', ...WAIT })
      await lead.getByTestId('approvals-tab-all').click()
      await lead.locator(`[data-testid="approval-card"][data-id="${approvalId}"][data-status="executed"]`).waitFor(WAIT)
    })

    await step('the buyer reads that the compensation was paid', async () => {
      const paid = systemMessage(buyer, PAID_MESSAGE)
      await paid.waitFor(WAIT)
      await paid.scrollIntoViewIfNeeded()
      await buyer.screenshot({ path: path.join(outputDir, 'approval-buyer.png') })
    })

    await step('the agent sees the request executed', async () => {
      await agent.locator(`[data-testid="order-approval"][data-id="${approvalId}"][data-status="executed"]`).waitFor(WAIT)
    })

    await step('the supervisor reads the audit log and finds the chain intact', async () => {
      await lead.getByTestId('team-link').click()
      await lead.waitForURL((url) => url.pathname === '/agent/team', WAIT)
      await lead.getByTestId('team-tab-audit').click()
      await lead.locator('[data-testid="audit-row"][data-action="approval.approve"]').first().waitFor(WAIT)
      await lead.locator('[data-testid="audit-row"][data-action="compensation.execute"]').first().waitFor(WAIT)
      await lead.getByTestId('audit-verify').click()
      const verdict = lead.getByTestId('audit-verdict')
      await verdict.waitFor(WAIT)
      assert.equal(await verdict.getAttribute('data-intact'), 'true', await verdict.textContent())
      assert.ok(Number(await verdict.getAttribute('data-checked')) > 0, 'entries were checked')
      await lead.screenshot({ path: path.join(outputDir, 'audit.png') })
    })

    await step('no page threw an uncaught error', () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    await buyerContext.close()
    await agentContext.close()
    await leadContext.close()
  }
})

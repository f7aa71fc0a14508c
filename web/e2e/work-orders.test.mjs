// The browser story of issue #20's work orders (ESC-3): 王先生 taps 客服 on his parcel's order
// card and complains, angry, that the tin arrived crushed. The after-sales agent opens a
// refund work order from the conversation's panel (his order, its item, the amount, the
// reason); the buyer sees its progress in the chat at once. The supervisor finds it on the
// 工单 page, starts it, tells the buyer through a note and resolves it; the buyer's chat
// follows each step. Escalation, playbooks and arbitration (the rest of #20) are not built yet.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, PHONE, WAIT, launchBrowser, outputDir, settle, showTab, signIn, startDemo, stepper, until, watchPage } from './harness.mjs'

const AGENT = 'tea-after1'
const LEAD = 'tea-lead'
const BUYER_NAME = '王先生'
const COMPLAINT = '茶叶罐子压坏了，茶叶撒了一地，太气人了！我要退款！'
const NOTE = '仓库已确认是运输压坏，今天给您退款 38 元，请留意原路退回。'

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

test('a complaint becomes a refund work order the buyer follows to its end', { timeout: 300_000 }, async (t) => {
  const buyer = await (await browser.newContext(PHONE)).newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  const lead = await (await browser.newContext(DESKTOP)).newPage()
  watchPage(buyer, 'buyer', pageErrors)
  watchPage(agent, 'agent', pageErrors)
  watchPage(lead, 'lead', pageErrors)
  const step = stepper(t, { buyer, agent, lead }, demo)
  const strip = buyer.getByTestId('buyer-work-orders')
  let number = ''

  try {
    await step('the buyer comes from his order card and complains', async () => {
      const printed = new URL(await demo.printed(/order-card entry[^:]*: (\S+)/))
      await buyer.goto(new URL(printed.pathname + printed.search, demo.baseUrl).href)
      await buyer.getByTestId('entry-banner').waitFor(WAIT)
      const input = buyer.getByTestId('composer-input')
      await input.fill(COMPLAINT)
      await input.press('Enter')
      await buyer.locator('[data-testid="message"][data-sender="buyer"]', { hasText: '太气人了' }).waitFor(WAIT)
    })

    await step('the after-sales agent opens a refund work order from the panel', async () => {
      await signIn(agent, demo.baseUrl, AGENT)
      await showTab(agent, 'open')
      await agent.getByTestId('conversation-item').filter({ hasText: BUYER_NAME }).first().click()
      await agent.getByTestId('open-buyer-name').filter({ hasText: BUYER_NAME }).waitFor(WAIT)
      const panel = agent.getByTestId('panel-work-orders')
      await panel.scrollIntoViewIfNeeded()
      const numbers = () => panel.getByTestId('panel-work-order').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number')))
      const before = await numbers()
      await panel.getByTestId('panel-open-work-order').click()
      const dialog = agent.getByTestId('open-work-order-dialog')
      await dialog.waitFor(WAIT)
      await dialog.locator('[data-kind="refund"] input, label[data-kind="refund"]').first().click()
      // The conversation's order comes chosen; one of its items is what broke.
      const order = await dialog.getByTestId('open-work-order-order').getAttribute('data-order-no')
      assert.ok(order, 'the conversation’s order is chosen')
      const item = dialog.getByTestId('open-work-order-item').first()
      if (!(await item.evaluate((el) => el.classList.contains('is-checked')))) await item.click()
      await dialog.getByTestId('open-work-order-amount').fill('38')
      await dialog.locator('[data-testid="open-work-order-field"][data-key="reason"] .el-select').click()
      await agent.locator('.el-select-dropdown__item:visible', { hasText: '商品破损' }).click()
      await dialog.getByTestId('open-work-order-title').fill('茶叶罐运输压坏，退 38 元')
      await dialog.getByTestId('open-work-order-deadline').waitFor(WAIT)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'work-order-open-dialog.png') })
      await agent.getByTestId('open-work-order-submit').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      // The panel lists it beside the demo's parcel check of his.
      number = await until(async () => (await numbers()).find((n) => n && !before.includes(n)), 'the new order in the panel')
      const row = panel.locator(`[data-testid="panel-work-order"][data-number="${number}"]`)
      assert.match(number, /^WO\d{14}$/)
      assert.equal(await row.getAttribute('data-status'), 'new')
      await panel.screenshot({ path: path.join(outputDir, 'work-order-panel.png') })
    })

    await step('the buyer sees the order accepted, with when it is expected done', async () => {
      await strip.waitFor(WAIT)
      const line = strip.locator(`[data-testid="buyer-work-order"][data-number="${number}"]`)
      await line.waitFor(WAIT)
      assert.equal(await line.getAttribute('data-status'), 'new')
      await strip.getByText(/已受理，预计/).first().waitFor(WAIT)
      await buyer.locator('[data-testid="message"]', { hasText: `您的退款工单 ${number} 已受理` }).last().waitFor(WAIT)
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'work-order-buyer-accepted.png') })
    })

    await step('the supervisor finds it on the work orders page and starts it', async () => {
      await signIn(lead, demo.baseUrl, LEAD)
      await lead.getByTestId('work-orders-link').click()
      await lead.waitForURL((url) => url.pathname === '/agent/work-orders', WAIT)
      await lead.getByTestId('work-order-scope-open').click()
      const row = lead.locator(`[data-testid="work-order-row"][data-number="${number}"]`)
      await row.waitFor(WAIT)
      // The demo's refund past its deadline is on the list too, marked overdue by the sweep.
      await lead.locator('[data-testid="work-order-row"][data-due="overdue"]').first().waitFor({ timeout: 30_000 })
      await settle(lead)
      await lead.screenshot({ path: path.join(outputDir, 'work-orders-list.png') })
      await row.click()
      const drawer = lead.getByTestId('work-order-drawer')
      await drawer.locator(`[data-loaded="true"]`).or(drawer.and(lead.locator('[data-loaded="true"]'))).first().waitFor(WAIT)
      await drawer.locator('[data-testid="work-order-move"][data-move="start"]').click()
      await lead.locator('[data-testid="work-order-drawer"][data-status="in_progress"]').waitFor(WAIT)
    })

    await step('the supervisor tells the buyer in a note and resolves it', async () => {
      // The note box sits in the drawer's footer, outside its body.
      const drawer = lead
      await drawer.getByTestId('work-order-note').fill(NOTE)
      const toBuyer = drawer.getByTestId('work-order-note-to-buyer')
      if (!(await toBuyer.evaluate((el) => el.classList.contains('is-checked') || el.checked === true))) await toBuyer.click()
      await drawer.getByTestId('work-order-note-send').click()
      await drawer.locator('[data-testid="work-order-event"][data-kind="comment"][data-to-buyer="true"]').waitFor(WAIT)
      await buyer.locator('[data-testid="message"][data-sender="agent"]', { hasText: '今天给您退款 38 元' }).waitFor(WAIT)
      await strip.locator(`[data-testid="buyer-work-order"][data-number="${number}"][data-status="in_progress"]`).waitFor(WAIT)
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'work-order-buyer-in-progress.png') })
      // An internal note with the courier's receipt: the history links the file.
      await lead.getByTestId('work-order-note-attach-input').setInputFiles({
        name: '快递破损证明.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from('%PDF-1.4 courier receipt'),
      })
      await lead.getByTestId('work-order-note-attachment').waitFor(WAIT)
      await lead.getByTestId('work-order-note').fill('快递破损证明已上传')
      await lead.getByTestId('work-order-note-send').click()
      const receipt = lead
        .locator('[data-testid="work-order-event"][data-kind="comment"]', { hasText: '快递破损证明已上传' })
        .locator('a[data-testid="work-order-event-attachment"]')
      await receipt.waitFor(WAIT)
      const href = (await receipt.getAttribute('href')) ?? ''
      const fetched = await fetch(new URL(href, demo.baseUrl))
      assert.equal(await fetched.text(), '%PDF-1.4 courier receipt')
      await drawer.locator('[data-testid="work-order-move"][data-move="resolve"]').click()
      await lead.locator('[data-testid="work-order-drawer"][data-status="resolved"]').waitFor(WAIT)
      const kinds = await drawer.getByTestId('work-order-event').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))
      assert.deepEqual(kinds, ['created', 'moved', 'comment', 'comment', 'moved'])
      await settle(lead)
      await lead.screenshot({ path: path.join(outputDir, 'work-order-drawer.png') })
      await buyer.locator('[data-testid="message"]', { hasText: `您的退款工单 ${number} 已处理完成` }).last().waitFor(WAIT)
      // Open orders come first (the demo's parcel check of his is still open): he unfolds the strip.
      if ((await strip.getAttribute('data-expanded')) !== 'true') await buyer.getByTestId('buyer-work-orders-toggle').click()
      await strip.locator(`[data-testid="buyer-work-order"][data-number="${number}"][data-status="resolved"]`).waitFor(WAIT)
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'work-order-buyer-resolved.png') })
    })

    await step('the pages raised no errors', async () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    await buyer.context().close()
    await agent.context().close()
    await lead.context().close()
  }
})

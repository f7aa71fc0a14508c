// The browser end-to-end story of WB-1's many-conversation workbench: the tea shop's
// after-sales agent opens three conversations as tabs, switches with Alt+2 and closes one with
// Alt+W, finds the tabs again after a reload, puts a second conversation beside the first in
// split view and answers in each (the customer panel following the pane in use), walks the
// list with Alt+↓, reads the shortcut list (zh-CN and English), looks an order up in the pinned
// tools and sends it to the buyer as a card, issues a coupon, asks for a refund, and resolves
// with Alt+R — the resolved conversation keeping its tab. With visitors' conversations added,
// a ninth tab closes the least recently used one.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DEMO_PASSWORD, DESKTOP, WAIT, launchBrowser, outputDir, settle, showTab, signIn, startDemo, stepper, watchPage } from './harness.mjs'

/** After-sales: may reply, transfer and ask for refunds and compensations. */
const AGENT = 'tea-after1'
/** The demo buyer whose conversation is about an order of his. */
const WANG = '王先生'
const COUPON_YUAN = '20'
const REFUND_YUAN = '1'
/** Visitors who write in, so the list holds more than eight conversations. */
const VISITORS = 6

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

/** An API session as `username` (cookie and CSRF token), for setting a story up and checking it. */
async function apiSession(username) {
  const res = await fetch(`${demo.baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  })
  assert.equal(res.status, 200, `${username} signs in`)
  const { csrf_token: csrf } = await res.json()
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  return async (method, path, body) => {
    const answer = await fetch(`${demo.baseUrl}/api/v1${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, Cookie: cookie },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: answer.status, body: await answer.json().catch(() => null) }
  }
}

/** An anonymous visitor of the tea shop writes in; a new conversation opens. */
async function visitorWrites(text) {
  const res = await fetch(`${demo.baseUrl}/api/v1/buyer/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ shop: 'shanye-tea' }),
  })
  assert.equal(res.status, 200, 'a visitor gets a session')
  const { buyer_token: token } = await res.json()
  const sent = await fetch(`${demo.baseUrl}/api/v1/buyer/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ client_msg_id: crypto.randomUUID(), kind: 'text', body: text, attachment_id: null }),
  })
  assert.ok(sent.ok, `the visitor's message is taken (${sent.status})`)
}

test('an agent works several conversations in tabs and split view, with shortcuts and pinned tools', { timeout: 300_000 }, async (t) => {
  const context = await browser.newContext(DESKTOP)
  const agent = await context.newPage()
  watchPage(agent, 'agent', pageErrors)
  const step = stepper(t, { agent }, demo)

  const tabs = agent.getByTestId('workbench-tab')
  const tab = (id) => agent.locator(`[data-testid="workbench-tab"][data-conversation-id="${id}"]`)
  const pane = (which) => agent.locator(`[data-testid="conversation-pane"][data-pane="${which}"]`)
  /** The pane once it shows that conversation. */
  const paneWith = (which, id) => agent.locator(`[data-testid="conversation-pane"][data-pane="${which}"][data-conversation-id="${id}"]`)
  const listOf = (body, key) => (Array.isArray(body) ? body : body[key])
  const tabIds = async () => tabs.evaluateAll((els) => els.map((el) => el.getAttribute('data-conversation-id')))
  const focusedTestId = () => agent.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '')
  /** An agent message with this text, stored (it has a seq), in the given pane. */
  const storedReply = (which, text) =>
    pane(which).locator('[data-testid="message"][data-sender="agent"]:not([data-seq=""])', { hasText: text })

  /** The three open conversations, in list order. */
  let opened = []
  let call

  try {
    await step('opening three conversations from the list puts each in a tab', async () => {
      await signIn(agent, demo.baseUrl, AGENT)
      await showTab(agent, 'open')
      const rows = agent.locator('[data-testid="conversation-item"][data-status="open"]')
      await rows.nth(2).waitFor(WAIT)
      for (let i = 0; i < 3; i++) {
        const row = rows.nth(i)
        opened.push(await row.getAttribute('data-conversation-id'))
        await row.click()
        await paneWith('main', opened[i]).getByTestId('open-buyer-name').waitFor(WAIT)
      }
      assert.deepEqual(await tabIds(), opened, 'one tab each, in the order opened')
      assert.equal(await tab(opened[2]).getAttribute('aria-selected'), 'true', 'the last one opened is in view')
      const names = await agent.getByTestId('workbench-tab-name').allTextContents()
      assert.ok(names.every((n) => n.trim().length > 0), 'each tab names its buyer')
    })

    await step('Alt+2 switches to the second tab and Alt+W closes it', async () => {
      await agent.keyboard.press('Alt+2')
      await paneWith('main', opened[1]).waitFor(WAIT)
      assert.equal(await tab(opened[1]).getAttribute('aria-selected'), 'true')
      const name = (await tab(opened[1]).getByTestId('workbench-tab-name').textContent()).trim()
      assert.equal((await pane('main').getByTestId('open-buyer-name').textContent()).trim(), name)
      assert.equal((await agent.getByTestId('panel-buyer-name').textContent()).trim(), name, 'the customer panel shows the same buyer')
      await agent.screenshot({ path: path.join(outputDir, 'workbench-tabs.png') })

      await agent.keyboard.press('Alt+W')
      await tab(opened[1]).waitFor({ state: 'detached', ...WAIT })
      assert.deepEqual(await tabIds(), [opened[0], opened[2]])
      // The last one used before it comes back into view.
      await paneWith('main', opened[2]).waitFor(WAIT)
    })

    await step('the tabs are there again after a reload', async () => {
      await agent.reload()
      await showTab(agent, 'open')
      await tab(opened[2]).waitFor(WAIT)
      assert.deepEqual(await tabIds(), [opened[0], opened[2]])
      await paneWith('main', opened[2]).waitFor(WAIT)
      await agent.locator('[data-testid="workbench-tab-name"]', { hasText: '加载中' }).first().waitFor({ state: 'detached', ...WAIT })
    })

    await step('the second tab opens in split view and each pane sends on its own', async () => {
      await tab(opened[0]).hover()
      await tab(opened[0]).getByTestId('workbench-tab-menu').click()
      await agent.locator('[data-testid="workbench-tab-split"]:visible').click()
      await paneWith('split', opened[0]).waitFor(WAIT)
      assert.equal(await pane('main').getAttribute('data-conversation-id'), opened[2])
      assert.equal(await agent.locator('[data-testid="split-toggle"][aria-pressed="true"]').count(), 1)

      const splitName = (await pane('split').getByTestId('open-buyer-name').textContent()).trim()
      const mainName = (await pane('main').getByTestId('open-buyer-name').textContent()).trim()
      const inSplit = `分屏回复 ${splitName}`
      const inMain = `分屏回复 ${mainName}`

      await pane('split').getByTestId('composer-input').fill(inSplit)
      await pane('split').getByTestId('send-button').click()
      await storedReply('split', inSplit).waitFor(WAIT)
      await agent.getByTestId('panel-buyer-name').filter({ hasText: splitName }).waitFor(WAIT)

      await pane('main').getByTestId('composer-input').fill(inMain)
      await pane('main').getByTestId('composer-input').press('Enter')
      await storedReply('main', inMain).waitFor(WAIT)
      await agent.getByTestId('panel-buyer-name').filter({ hasText: mainName }).waitFor(WAIT)
      assert.equal(await pane('main').getAttribute('data-focused'), 'true', 'the pane typed in is the focused one')
      assert.equal(await storedReply('main', inSplit).count(), 0, 'each reply stays in its own conversation')
      assert.equal(await storedReply('split', inMain).count(), 0)

      call = await apiSession(AGENT)
      for (const [id, text] of [[opened[0], inSplit], [opened[2], inMain]]) {
        const { status, body } = await call('GET', `/conversations/${id}/messages?limit=100`)
        assert.equal(status, 200)
        const messages = listOf(body, 'messages')
        assert.ok(messages.some((m) => m.body === text), `the server holds "${text}" in its conversation`)
      }
      await agent.screenshot({ path: path.join(outputDir, 'workbench-split.png') })
    })

    await step('a narrow window has no split view, and Alt+\\ turns it off and on', async () => {
      await agent.setViewportSize({ width: 1100, height: 900 })
      await pane('split').waitFor({ state: 'detached', ...WAIT })
      await agent.locator('[data-testid="split-toggle"]:disabled').waitFor(WAIT)
      await agent.setViewportSize(DESKTOP.viewport)
      await agent.locator('[data-testid="split-toggle"]:enabled').waitFor(WAIT)

      await agent.keyboard.press('Alt+Backslash')
      await pane('split').waitFor(WAIT)
      await agent.keyboard.press('Alt+Backslash')
      await pane('split').waitFor({ state: 'detached', ...WAIT })
    })

    await step('Alt+↓ opens the next conversation of the list in a tab', async () => {
      const ids = await agent.getByTestId('conversation-item').evaluateAll((els) => els.map((el) => el.getAttribute('data-conversation-id')))
      const from = await pane('main').getAttribute('data-conversation-id')
      const next = ids[ids.indexOf(from) + 1] ?? ids[0]
      assert.ok(next && next !== from)
      await agent.keyboard.press('Alt+ArrowDown')
      await paneWith('main', next).waitFor(WAIT)
      await tab(next).waitFor(WAIT)
      await agent.keyboard.press('Alt+ArrowUp')
      await paneWith('main', from).waitFor(WAIT)
    })

    await step('the shortcut list opens from the button and with ?, in Chinese and English, and Esc closes it', async () => {
      const help = agent.getByTestId('shortcut-help')
      await agent.getByTestId('shortcut-help-button').click()
      await help.waitFor(WAIT)
      assert.equal(await help.getByTestId('shortcut-row').count(), 11)
      await help.locator('[data-action="resolve"]').waitFor(WAIT)
      assert.match(await help.textContent(), /键盘快捷键[\s\S]*解决当前会话/)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'workbench-shortcuts.png') })
      await agent.keyboard.press('Escape')
      await help.waitFor({ state: 'hidden', ...WAIT })

      // `?` in the composer is a question mark, not the list.
      await pane('main').getByTestId('composer-input').focus()
      await agent.keyboard.type('?')
      assert.equal(await pane('main').getByTestId('composer-input').inputValue(), '?')
      assert.equal(await help.isVisible(), false)
      await pane('main').getByTestId('composer-input').fill('')

      await agent.getByTestId('lang-switch').click()
      await agent.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur())
      await agent.keyboard.press('?')
      await help.waitFor(WAIT)
      assert.match(await help.textContent(), /Keyboard shortcuts[\s\S]*Resolve the current conversation/)
      await agent.keyboard.press('Escape')
      await help.waitFor({ state: 'hidden', ...WAIT })
      await agent.getByTestId('lang-switch').click()
    })

    await step('Alt+K looks up an order in the pinned tools, and its card goes to the buyer', async () => {
      const wangTab = agent.locator('[data-testid="workbench-tab"]', { has: agent.getByTestId('workbench-tab-name').filter({ hasText: WANG }) })
      if (!(await wangTab.count())) {
        await agent.locator('[data-testid="conversation-item"]', { hasText: WANG }).first().click()
      }
      await wangTab.getByTestId('workbench-tab-pick').click()
      await pane('main').getByTestId('open-buyer-name').filter({ hasText: WANG }).waitFor(WAIT)
      const wangId = await pane('main').getAttribute('data-conversation-id')
      const { body: about } = await call('GET', `/conversations/${wangId}/context`)
      const orderNo = about.orders[0]?.order_no
      assert.ok(orderNo, `${WANG} has orders`)

      await agent.keyboard.press('Alt+K')
      assert.equal(await focusedTestId(), 'order-lookup-input', 'Alt+K puts the cursor in the lookup box')
      await agent.keyboard.type('NO-SUCH-ORDER-1')
      await agent.keyboard.press('Enter')
      const error = agent.getByTestId('order-lookup-error')
      await error.waitFor(WAIT)
      assert.match(await error.getAttribute('data-code'), /^(order_)?not_found$/)
      assert.match(await error.textContent(), /NO-SUCH-ORDER-1/)

      await agent.getByTestId('order-lookup-input').fill(orderNo)
      await agent.getByTestId('order-lookup-submit').click()
      const result = agent.locator(`[data-testid="order-lookup-result"][data-order-no="${orderNo}"]`)
      await result.waitFor(WAIT)
      await result.locator(`[data-testid="order-card"][data-order-no="${orderNo}"]`).waitFor(WAIT)
      await result.getByTestId('order-lookup-send').click()
      await pane('main')
        .locator(`[data-testid="message"][data-sender="agent"]:not([data-seq=""]) [data-testid="order-card"][data-order-no="${orderNo}"]`)
        .waitFor(WAIT)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'workbench-order-lookup.png') })
    })

    await step('a refund request from the pinned tools is carried out (under the threshold)', async () => {
      await agent.getByTestId('pinned-tool-refund').click()
      const tool = agent.getByTestId('refund-tool')
      const orderNo = await tool.getByTestId('refund-order').inputValue()
      assert.ok(orderNo, 'an order is chosen')
      await tool.getByTestId('refund-open').click()
      const dialog = agent.locator('[data-testid="request-dialog"][data-kind="refund"]')
      await dialog.getByTestId('request-amount').waitFor(WAIT)
      await dialog.getByTestId('request-amount').fill(REFUND_YUAN)
      await dialog.getByTestId('request-reason').fill('茶叶罐有凹痕，退 1 元表示歉意')
      await dialog.getByTestId('request-submit').click()
      await dialog.locator('[data-testid="request-result"][data-status="executed"]').waitFor(WAIT)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'workbench-refund.png') })
      await dialog.getByTestId('request-done').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      const { body } = await call('GET', '/approvals?status=all')
      const made = listOf(body, 'approvals').find((a) => a.kind === 'refund' && a.order_no === orderNo && a.amount_fen === 100)
      assert.ok(made, 'the refund is recorded')
      assert.equal(made.status, 'executed')
    })

    await step('a coupon from the pinned tools is issued at once (under the threshold)', async () => {
      await agent.getByTestId('pinned-tool-coupon').click()
      const tool = agent.getByTestId('coupon-tool')
      await tool.getByTestId('coupon-amount').fill(COUPON_YUAN)
      await tool.getByTestId('coupon-reason').fill('发货慢了两天，送一张优惠券')
      await agent.screenshot({ path: path.join(outputDir, 'workbench-coupon.png') })
      await tool.getByTestId('coupon-submit').click()
      const outcome = tool.getByTestId('coupon-result').or(tool.getByTestId('coupon-error'))
      await outcome.waitFor(WAIT)
      const failed = await tool.getByTestId('coupon-error').getAttribute('data-code').catch(() => null)
      assert.equal(failed, null, `the server took the coupon (it answered ${failed})`)
      assert.equal(await tool.getByTestId('coupon-result').getAttribute('data-status'), 'executed')
      const { body } = await call('GET', '/approvals?status=all')
      const made = listOf(body, 'approvals').find((a) => a.kind === 'compensation' && a.amount_fen === 2000)
      assert.ok(made, 'the coupon is recorded')
      assert.equal(made.payload?.form, 'coupon')
    })

    await step('Alt+N goes to the internal note, Alt+T opens the transfer dialog, Alt+R resolves and the tab stays', async () => {
      await pane('main').getByTestId('composer-input').focus()
      await agent.keyboard.press('Alt+N')
      assert.equal(await focusedTestId(), 'note-input-internal')

      // Alt+1… to a conversation of the agent's own (only those, or a supervisor, transfer).
      let own = false
      for (let n = 1; n <= (await tabs.count()) && !own; n++) {
        await agent.keyboard.press(`Alt+${n}`)
        await agent.locator(`[data-testid="workbench-tab"][data-index="${n}"][aria-selected="true"]`).waitFor(WAIT)
        await pane('main').getByTestId('open-buyer-name').waitFor(WAIT)
        own = (await pane('main').getByTestId('transfer-button').count()) > 0
      }
      assert.ok(own, 'one of the tabs is the agent’s own conversation')
      await agent.keyboard.press('Alt+T')
      const transfer = agent.getByTestId('transfer-dialog')
      await transfer.waitFor(WAIT)
      await agent.keyboard.press('Escape')
      await transfer.waitFor({ state: 'hidden', ...WAIT })

      const id = await pane('main').getAttribute('data-conversation-id')
      await agent.keyboard.press('Alt+R')
      await pane('main').locator('[data-testid="conversation-status"][data-status="resolved"]').waitFor(WAIT)
      await agent.locator(`[data-testid="workbench-tab"][data-conversation-id="${id}"][data-status="resolved"]`).waitFor(WAIT)
    })

    await step('a ninth tab closes the least recently used one', async () => {
      for (let i = 1; i <= VISITORS; i++) await visitorWrites(`你好，我想问第 ${i} 个问题`)
      await showTab(agent, 'open')
      const rows = agent.getByTestId('conversation-item')
      await rows.nth(8).waitFor(WAIT)

      const keep = await pane('main').getAttribute('data-conversation-id')
      await tab(keep).hover()
      await tab(keep).getByTestId('workbench-tab-menu').click()
      await agent.locator('[data-testid="workbench-tab-close-others"]:visible').click()
      await agent.waitForFunction(() => document.querySelectorAll('[data-testid="workbench-tab"]').length === 1, null, WAIT)

      const others = (await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-conversation-id')))).filter((id) => id !== keep)
      for (const id of others.slice(0, 7)) {
        await agent.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`).click()
        await paneWith('main', id).waitFor(WAIT)
      }
      assert.equal(await tabs.count(), 8)
      // The kept one is used again, so the first of the seven is now the least recently used.
      await agent.keyboard.press('Alt+1')
      await paneWith('main', keep).waitFor(WAIT)
      await agent.locator(`[data-testid="conversation-item"][data-conversation-id="${others[7]}"]`).click()
      await tab(others[7]).waitFor(WAIT)
      await tab(others[0]).waitFor({ state: 'detached', ...WAIT })
      assert.equal(await tabs.count(), 8)
      assert.equal(await tab(keep).count(), 1)
      await agent.screenshot({ path: path.join(outputDir, 'workbench-eight-tabs.png') })
    })

    await step('no page threw an uncaught error', () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    await context.close()
  }
})

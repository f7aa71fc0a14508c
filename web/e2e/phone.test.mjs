// The browser story of issue #21 (CH-4) for the phone line (电话热线): the tea shop's admin opens
// 渠道接入 and connects the shop's 400 number in the dialog — the number, a push password made
// with 生成, the call records' format (腾讯云联络中心 TCCC, the default) and the hours (every day
// 09:00–21:00) — and reads off the card what the contact center is given: the push URL with
// TCCC's `?action=cdr&version=1`, HTTP Basic with any user name, and the password (hidden until
// 显示). The test then pushes as TCCC does: a push with a wrong password is refused (and shows
// on the health line), a missed call's CDR is taken, and its retry changes nothing. A pre-sales
// agent finds the caller in the workbench marked 电话, the call as one system line, and the
// composer disabled with the reason (call back); on the customer panel, 来电核验 checks the
// caller against an order the test puts in — the calling number and the four digits they tell
// against the order's receiver phone. The admin finds the callback work order the missed call
// opened on the work orders page, its source 电话.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import {
  DESKTOP,
  WAIT,
  apiSession,
  closeNotices,
  launchBrowser,
  outputDir,
  settle,
  showTab,
  signIn,
  startDemo,
  stepper,
  until,
  watchPage,
} from './harness.mjs'
import { tcccMissedCall, tcccPush as push } from './platforms.mjs'

const ADMIN = 'tea-admin'
/** In the pre-sales team: sees every open conversation and takes callers. */
const AGENT = 'tea-pre1'
/** The shop's hotline as typed, and as kefu keeps it. */
const LINE = { typed: '400-800-1234', number: '4008001234' }
/** The caller, and how kefu names and masks them. */
const CALLER = '13912345678'
const CALLER_NAME = '来电 139****5678'
const MISSED_LINE = '[未接来电] （排队中挂断） · 按键 2 售后服务'
/** The order the caller names: its receiver's phone ends as the caller's number does. */
const ORDER_NO = 'TEL20260301'

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

/** TCCC's CDR of a call from `caller` to the line that nobody answered (platforms.mjs). */
function missedCall(session, caller) {
  return tcccMissedCall({ session, caller, callee: LINE.number })
}

/** The callback work order's title for a missed call that started at `startedAt` (unix
 *  seconds): the line's default hours are 09:00–21:00 in the shop's zone, and a call outside
 *  them says so (the story may run at any hour). */
function callbackTitle(startedAt) {
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  const at = clock.format(new Date(startedAt * 1000))
  const inHours = at >= '09:00' && at < '21:00'
  return `回拨 139****5678（${inHours ? '' : '非工作时间'}未接来电）`
}

/** The card of the channel named `id`. */
function card(page, id) {
  return page.locator(`[data-testid="channel-card"][data-id="${id}"]`)
}

test('a phone line: connected, a missed call pushed, the agent checks the caller, a callback owed', { timeout: 300_000 }, async (t) => {
  const admin = await (await browser.newContext(DESKTOP)).newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  for (const [who, page] of Object.entries({ admin, agent })) watchPage(page, who, pageErrors)
  const step = stepper(t, { admin, agent }, demo)
  const api = await apiSession(demo.baseUrl, ADMIN)
  let lineId = ''
  let generated = ''
  let pushUrl = ''
  let password = ''
  /** The title of the callback the missed call is owed. */
  let callbackTitleText = ''

  try {
    await step('the admin connects the phone line in the dialog: number, a generated password, TCCC, the hours', async () => {
      await signIn(admin, demo.baseUrl, ADMIN)
      await admin.getByTestId('channels-link').click()
      await admin.waitForURL((url) => url.pathname === '/agent/channels', WAIT)
      await admin.getByTestId('channels-empty').waitFor(WAIT)
      await closeNotices(admin)
      await admin.getByTestId('channel-connect').click()
      const dialog = admin.getByTestId('channel-dialog')
      await dialog.getByTestId('channel-form').waitFor(WAIT)
      const kind = dialog.locator('[data-testid="channel-kind"][data-value="phone"]')
      assert.equal(await kind.isDisabled(), false, 'the phone line is no longer coming')
      await kind.getByText('电话热线', { exact: true }).waitFor(WAIT)
      // Email may be connected too (email.test.mjs).
      assert.equal(await dialog.locator('[data-testid="channel-kind"][data-value="email"]').isDisabled(), false)
      await kind.click()
      assert.equal(await kind.getAttribute('aria-checked'), 'true')
      // No account's keys: the line's own fields.
      for (const field of ['channel-form-app-id', 'channel-form-app-secret', 'channel-form-token', 'channel-form-aes-key', 'channel-form-mode']) {
        assert.equal(await dialog.getByTestId(field).count(), 0, `${field} is not asked`)
      }
      await dialog.getByTestId('channel-form-phone').waitFor(WAIT)
      assert.equal(await dialog.getByTestId('channel-form-name').getAttribute('placeholder'), '选填，默认为「客服热线 + 号码」')
      // TCCC is the default format; every day 09:00–21:00 the default hours.
      const tccc = dialog.locator('[data-testid="channel-form-format"][data-value="tccc"]')
      assert.equal(await tccc.getAttribute('aria-checked'), 'true')
      await tccc.getByText('腾讯云联络中心 TCCC').waitFor(WAIT)
      await dialog.locator('[data-testid="channel-form-format"][data-value="generic"]').getByText('通用 JSON').waitFor(WAIT)
      const hours = dialog.getByTestId('channel-form-hours')
      assert.equal(await hours.getAttribute('data-days'), '1,2,3,4,5,6,7')
      assert.equal(await hours.getAttribute('data-open'), '09:00')
      assert.equal(await hours.getAttribute('data-close'), '21:00')
      assert.equal(await dialog.locator('[data-testid="channel-form-day"].is-checked').count(), 7)

      // Nothing filled in, then a number but a password too short: the field is named first.
      await dialog.getByTestId('channel-form-submit').click()
      await dialog.locator('[data-testid="channel-form-problem"][data-field="number"]').waitFor(WAIT)
      await dialog.getByTestId('channel-form-number').fill(LINE.typed)
      await dialog.getByTestId('channel-form-password').fill('too-short')
      await dialog.getByTestId('channel-form-submit').click()
      const problem = dialog.locator('[data-testid="channel-form-problem"][data-field="password"]')
      await problem.waitFor(WAIT)
      assert.equal(await problem.textContent(), '推送密码为 16–64 位字母、数字或符号，不含空格')

      // 生成: 24 random letters and digits.
      await dialog.getByTestId('channel-form-password-generate').click()
      generated = await dialog.getByTestId('channel-form-password').inputValue()
      assert.match(generated, /^[A-Za-z0-9]{24}$/)
      await problem.waitFor({ state: 'detached', ...WAIT })
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'phone-dialog.png') })
      await dialog.getByTestId('channel-form-submit').click()

      const steps = dialog.getByTestId('channel-steps')
      await steps.waitFor(WAIT)
      lineId = await steps.getAttribute('data-id')
      await admin.locator('.el-dialog__title', { hasText: '最后一步：在呼叫中心配置话单推送' }).waitFor(WAIT)
      await steps.getByText('「客服热线 4008001234」已接入', { exact: false }).waitFor(WAIT)
      const url = await steps.getByTestId('channel-steps-url').getAttribute('data-value')
      assert.equal(url, `${demo.baseUrl}/hooks/phone/${lineId}?action=cdr&version=1`)
      assert.equal(await steps.getByTestId('channel-steps-auth').getAttribute('data-auth'), 'basic')
      await steps.getByTestId('channel-steps-auth').getByText('用户名任意', { exact: false }).waitFor(WAIT)
      // The password hidden, then shown: the one generated.
      const secret = steps.getByTestId('channel-steps-password-value')
      assert.equal(await secret.textContent(), '•'.repeat(24))
      await steps.getByTestId('channel-steps-password-toggle').click()
      assert.equal(await secret.textContent(), generated)
      assert.equal(await steps.getByTestId('channel-steps-hours-text').textContent(), '每天 09:00–21:00')
      const then = steps.getByTestId('channel-steps-then')
      assert.equal(await then.getAttribute('data-kind'), 'phone')
      assert.deepEqual(await then.locator('li').evaluateAll((items) => items.map((li) => li.dataset.step)), ['push', 'auth', 'test'])
      await then.getByText('数据推送', { exact: false }).waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'phone-steps.png') })
      await dialog.getByTestId('channel-steps-done').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
    })

    await step('the card shows the push URL, how to authenticate, the password behind 显示, the hours and the health line', async () => {
      const c = card(admin, lineId)
      await c.waitFor(WAIT)
      assert.equal(await c.getAttribute('data-kind'), 'phone')
      assert.equal(await c.getAttribute('data-name'), `客服热线 ${LINE.number}`)
      assert.equal(await c.getAttribute('data-state'), 'waiting')
      await c.getByTestId('channel-state').getByText('等待首条通话记录').waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-app-id').textContent(), LINE.number)
      assert.equal(await c.getByTestId('channel-mode').textContent(), '腾讯云联络中心 TCCC')
      pushUrl = await c.getByTestId('channel-phone-url').getAttribute('data-value')
      assert.equal(pushUrl, `${demo.baseUrl}/hooks/phone/${lineId}?action=cdr&version=1`)
      await c.getByTestId('channel-phone-url').getByText('推送地址').waitFor(WAIT)
      await c.getByTestId('channel-phone-auth').getByText('HTTP Basic', { exact: true }).waitFor(WAIT)
      const secret = c.getByTestId('channel-phone-password-value')
      assert.equal(await secret.textContent(), '•'.repeat(24))
      assert.equal(await c.getByTestId('channel-phone-password').getAttribute('data-shown'), 'false')
      await c.getByTestId('channel-phone-password-toggle').getByText('显示').waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-phone-hours-text').textContent(), '每天 09:00–21:00')
      // A phone line sends nothing and holds no token: its last call record and last error only.
      await c.getByTestId('channel-health-in').getByText('最近通话记录').waitFor(WAIT)
      await c.getByTestId('channel-health-in').getByText('从未').waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-health-out').count(), 0)
      assert.equal(await c.getByTestId('channel-health-token').count(), 0)
      await settle(admin)
      await c.screenshot({ path: path.join(outputDir, 'phone-card.png') })
      await c.getByTestId('channel-phone-password-toggle').click()
      password = await secret.textContent()
      assert.equal(password, generated)
      await c.getByTestId('channel-phone-password-toggle').getByText('隐藏').waitFor(WAIT)
      // The API holds the same line.
      const listed = await (await api('GET', '/channels')).json()
      const held = listed.channels.find((ch) => ch.id === lineId)
      assert.equal(held.token, password)
      assert.deepEqual(held.hours, { days: [1, 2, 3, 4, 5, 6, 7], open: '09:00', close: '21:00' })
      assert.equal(held.mode, 'tccc')
    })

    await step('TCCC pushes: a wrong password is refused, the missed call is taken, its retry changes nothing', async () => {
      const forged = await push(pushUrl, 'not-the-push-password', missedCall('e2e-forged', CALLER))
      assert.equal(forged.status, 401, forged.text)
      const missed = missedCall('e2e-missed-1', CALLER)
      callbackTitleText = callbackTitle(missed.StartTimestamp)
      const taken = await push(pushUrl, password, missed)
      assert.equal(taken.status, 200, taken.text)
      assert.deepEqual(JSON.parse(taken.text), { ErrCode: 0, ErrMsg: '' })
      // TCCC tries again when unsure: the same call is one line and one work order.
      const retried = await push(pushUrl, password, missed)
      assert.equal(retried.status, 200, retried.text)
      assert.deepEqual(JSON.parse(retried.text), { ErrCode: 0, ErrMsg: '' })

      // The card: working, the call record's time, and the refused push as the last error.
      await admin.reload()
      const c = card(admin, lineId)
      await admin.locator(`[data-testid="channel-card"][data-id="${lineId}"][data-state="working"]`).waitFor(WAIT)
      assert.notEqual(await c.getByTestId('channel-health-in').getAttribute('data-at'), '')
      assert.notEqual(await c.getByTestId('channel-health-error').getAttribute('data-at'), '')
      await c.getByTestId('channel-health-error').getByText('wrong password', { exact: false }).waitFor(WAIT)
      await settle(admin)
      await c.screenshot({ path: path.join(outputDir, 'phone-card-working.png') })
    })

    await step('a pre-sales agent finds the caller marked 电话 with the call’s line, and cannot write to them', async () => {
      await signIn(agent, demo.baseUrl, AGENT)
      await showTab(agent, 'open')
      const row = agent.locator('[data-testid="conversation-item"][data-channel="phone"]', { hasText: CALLER_NAME })
      await row.waitFor(WAIT)
      const badge = row.getByTestId('channel-badge')
      assert.equal(await badge.getAttribute('data-channel'), 'phone')
      assert.equal(await badge.getAttribute('title'), '电话')
      assert.equal((await badge.textContent()).trim(), '电话')
      assert.equal(await badge.locator('.icon.phone svg').count(), 1, 'the row carries the phone’s mark')
      await row.getByText(MISSED_LINE).waitFor(WAIT)
      await row.click()
      await agent.locator('[data-testid="open-buyer-name"]', { hasText: CALLER_NAME }).waitFor(WAIT)
      const header = agent.locator('[data-testid="pane-channel"][data-channel="phone"]')
      await header.getByText('电话').waitFor(WAIT)
      assert.equal(await header.locator('.icon.phone svg').count(), 1, 'the header carries the phone’s mark')
      // The call as one system line, however often it was pushed.
      const call = agent.locator('[data-testid="message"][data-sender="system"]', { hasText: MISSED_LINE })
      await call.waitFor(WAIT)
      assert.equal(await call.count(), 1)
      const grab = agent.getByTestId('pane-grab-button')
      if (await grab.isVisible()) {
        await grab.click()
        await grab.waitFor({ state: 'detached', ...WAIT })
      }
      const line = agent.locator('[data-testid="reply-window"][data-state="no_text"]')
      await line.waitFor(WAIT)
      assert.equal(await line.getByTestId('reply-window-text').textContent(), '电话 · 无法发送文字消息，请回拨')
      assert.equal(await line.locator('.icon.phone').count(), 1)
      const box = agent.getByTestId('composer-input')
      assert.equal(await box.isDisabled(), true, 'no written message on the phone line')
      assert.equal(await box.getAttribute('placeholder'), '电话会话无法发送文字消息')
      assert.equal(await agent.getByTestId('send-button').isDisabled(), true)
      // The rest of the workbench works: the callback shows on the panel, resolve is there.
      await agent.getByTestId('resolve-button').waitFor(WAIT)
      const panelOrder = agent.locator('[data-testid="panel-work-order"]', { hasText: callbackTitleText })
      await panelOrder.waitFor(WAIT)
      // The server refuses text on the line too.
      const conversationId = await agent.getByTestId('conversation-pane').getAttribute('data-conversation-id')
      const refused = await api('POST', `/conversations/${conversationId}/messages`, { client_msg_id: 'e2e-phone-1', kind: 'text', body: '您好' })
      assert.equal(refused.status, 409, await refused.clone().text())
      assert.equal((await refused.json()).code, 'channel_no_text')
      await agent.getByTestId('caller-check').waitFor(WAIT)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'phone-inbox.png') })
    })

    await step('来电核验: the caller against an order’s phone — unknown order, a wrong four, then a match', async () => {
      const order = {
        order_no: ORDER_NO,
        buyer_id: 'm-e2e-phone',
        buyer_name: '打电话的买家',
        placed_at: Date.now() - 86_400_000,
        items: [{ product_code: 'TEA-1', sku_code: 'TEA-1-250', title: '明前龙井', quantity: 1, unit_price_fen: 12800 }],
        total_fen: 12800,
        paid_fen: 12800,
        payment_status: 'paid',
        shipping_status: 'unshipped',
        receiver: { name: '王小明', phone: '139-0000-5678', address: '浙江省杭州市西湖区' },
      }
      const put = await api('PUT', `/orders/${ORDER_NO}`, order)
      assert.ok(put.ok, `the order is put in: ${put.status} ${await put.clone().text()}`)

      const box = agent.getByTestId('caller-check')
      await box.getByText('来电核验').waitFor(WAIT)
      // Four digits or none: checked before asking.
      await box.getByTestId('caller-check-order').fill(ORDER_NO)
      await box.getByTestId('caller-check-last-four').fill('12a')
      await box.getByTestId('caller-check-submit').click()
      await box.locator('[data-testid="caller-check-problem"][data-field="lastFour"]').getByText('尾号为 4 位数字').waitFor(WAIT)

      // An order kefu does not know: the standard error.
      await box.getByTestId('caller-check-order').fill('NOSUCHORDER1')
      await box.getByTestId('caller-check-last-four').fill('')
      await box.getByTestId('caller-check-submit').click()
      const error = box.locator('[data-testid="caller-check-error"][data-code="order_not_found"]')
      await error.waitFor(WAIT)
      assert.equal(await error.textContent(), '没有找到这个订单')

      // The calling number matches, the four told do not.
      await box.getByTestId('caller-check-order').fill(ORDER_NO)
      await box.getByTestId('caller-check-last-four').fill('1111')
      await box.getByTestId('caller-check-submit').click()
      const failed = box.locator('[data-testid="caller-check-result"][data-verdict="failed"]')
      await failed.waitFor(WAIT)
      assert.equal(await failed.getByTestId('caller-check-order-phone').textContent(), '139****5678')
      assert.equal(await failed.getByTestId('caller-check-caller').getAttribute('data-result'), 'match')
      assert.equal(await failed.getByTestId('caller-check-told').getAttribute('data-result'), 'mismatch')
      await failed.getByTestId('caller-check-told').getByText('✗不一致').waitFor(WAIT)
      await failed.getByTestId('caller-check-verdict').getByText('核验不一致', { exact: false }).waitFor(WAIT)
      await settle(agent)
      await box.screenshot({ path: path.join(outputDir, 'phone-caller-check-mismatch.png') })

      // Both match: the caller is who the order names.
      await box.getByTestId('caller-check-last-four').fill('5678')
      await box.getByTestId('caller-check-submit').click()
      const passed = box.locator('[data-testid="caller-check-result"][data-verdict="passed"]')
      await passed.waitFor(WAIT)
      assert.equal(await passed.getAttribute('data-order'), ORDER_NO)
      assert.equal(await passed.getByTestId('caller-check-order-phone').textContent(), '139****5678')
      await passed.getByTestId('caller-check-caller').getByText('139****5678').waitFor(WAIT)
      await passed.getByTestId('caller-check-caller').getByText('✓一致').waitFor(WAIT)
      await passed.getByTestId('caller-check-told').getByText('5678', { exact: true }).waitFor(WAIT)
      await passed.getByTestId('caller-check-told').getByText('✓一致').waitFor(WAIT)
      assert.equal(await passed.getByTestId('caller-check-verdict').textContent(), '身份核验通过')
      await settle(agent)
      await box.screenshot({ path: path.join(outputDir, 'phone-caller-check.png') })
      await agent.screenshot({ path: path.join(outputDir, 'phone-workbench-checked.png') })
    })

    await step('the admin finds the callback work order on the work orders page, its source 电话', async () => {
      // One callback for the caller, however often the call was pushed.
      const list = await until(async () => {
        const res = await (await api('GET', '/work-orders?kind=callback&status=all')).json()
        const mine = res.orders.filter((o) => o.source === 'phone')
        return mine.length ? mine : null
      }, 'the phone line’s callback work order')
      assert.equal(list.length, 1, JSON.stringify(list))
      assert.equal(list[0].title, callbackTitleText)

      await closeNotices(admin)
      await admin.getByTestId('work-orders-link').click()
      await admin.waitForURL((url) => url.pathname === '/agent/work-orders', WAIT)
      await closeNotices(admin)
      await admin.getByTestId('work-order-scope-open').click()
      const row = admin.locator('[data-testid="work-order-row"]', { hasText: callbackTitleText })
      await row.waitFor(WAIT)
      assert.equal(await row.getAttribute('data-number'), list[0].number)
      const source = row.getByTestId('work-order-source')
      assert.equal(await source.getAttribute('data-source'), 'phone')
      assert.equal((await source.textContent()).trim(), '电话')
      assert.equal(await source.locator('.icon.phone svg').count(), 1)
      await row.locator('.wo-tag[data-group="kind"][data-value="callback"]').waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'phone-work-orders.png') })

      await row.click()
      const facts = admin.getByTestId('work-order-facts')
      await facts.waitFor(WAIT)
      await facts.locator('div', { hasText: '来源' }).getByText('电话', { exact: true }).waitFor(WAIT)
      await facts.getByTestId('work-order-conversation').waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'phone-work-order.png') })
    })

    assert.deepEqual(pageErrors, [])
  } finally {
    await admin.context().close()
    await agent.context().close()
  }
})

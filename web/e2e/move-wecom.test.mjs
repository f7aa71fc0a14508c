// The browser story of issue #21's 转企业微信: a buyer writes on the tea shop's web chat; a
// pre-sales agent opens the conversation and presses 转企业微信 in its header. With no WeCom
// 微信客服 account connected yet, the dialog says why the buyer cannot be moved. The admin then
// connects two with their contact links (客服链接) through the API; the agent chooses one and
// confirms, the dialog closes with the account named, and the message with the contact link and the move's
// `scene_param` shows in the workbench and, live, on the buyer's chat page, as a link.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import {
  DESKTOP,
  PHONE,
  WAIT,
  apiSession,
  buyerWrites,
  closeNotices,
  launchBrowser,
  outputDir,
  settle,
  showTab,
  signIn,
  startDemo,
  stepper,
  watchPage,
} from './harness.mjs'

const SHOP = 'shanye-tea'
const ADMIN = 'tea-admin'
/** In the pre-sales team: sees every open conversation and replies. */
const AGENT = 'tea-pre1'
const BUYER_TEXT = '这款白茶有礼盒装吗？想送人'
/** The shop's WeCom 微信客服 account, with the contact link buyers are sent. */
const WECOM = {
  kind: 'wecom_kf',
  name: '山野茶铺企业微信客服',
  app_id: 'ww5823bf96d3bd56c7',
  app_secret: 'kf-secret',
  token: 'QDG6eK',
  aes_key: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  contact_url: 'https://work.weixin.qq.com/kfid/kfc0123456789abcdef',
}
/** A second account (after-sales): with two, the agent chooses. */
const AFTER_SALES = {
  ...WECOM,
  name: '山野茶铺售后企微',
  app_id: 'ww9000000000000002',
  contact_url: 'https://work.weixin.qq.com/kfid/kfc9999999999999999',
}
const LINK_START = `${WECOM.contact_url}?scene_param=`
const MOVE_TEXT = '为了方便后续跟进，请点击下方链接添加我们的企业微信客服，我们会在那里继续为您服务：'

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

/** The move's message on `page`: the team's, carrying the contact link. */
function moveMessage(page) {
  return page.locator('[data-testid="message"][data-sender="agent"]', { hasText: LINK_START })
}

test('转企业微信: refused without a WeCom account, then the buyer gets the contact link on the web chat', { timeout: 240_000 }, async (t) => {
  const buyer = await (await browser.newContext(PHONE)).newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  for (const [who, page] of Object.entries({ buyer, agent })) watchPage(page, who, pageErrors)
  const step = stepper(t, { buyer, agent }, demo)
  const api = await apiSession(demo.baseUrl, ADMIN)
  let conversationId = ''

  try {
    await step('a buyer writes on the web chat; the agent opens the conversation and finds 转企业微信', async () => {
      await buyerWrites(buyer, demo.baseUrl, SHOP, BUYER_TEXT)
      await signIn(agent, demo.baseUrl, AGENT)
      await closeNotices(agent)
      await showTab(agent, 'open')
      const row = agent.locator('[data-testid="conversation-item"][data-channel="web"]', { hasText: BUYER_TEXT })
      await row.waitFor(WAIT)
      conversationId = await row.getAttribute('data-conversation-id')
      await row.click()
      await agent.locator(`[data-testid="conversation-pane"][data-conversation-id="${conversationId}"]`).waitFor(WAIT)
      const grab = agent.getByTestId('pane-grab-button')
      if (await grab.isVisible()) {
        await grab.click()
        await grab.waitFor({ state: 'detached', ...WAIT })
      }
      const button = agent.getByTestId('move-wecom-button')
      await button.waitFor(WAIT)
      assert.equal((await button.textContent()).trim(), '转企业微信')
      // Beside 转交, in the header's actions.
      await agent.getByTestId('transfer-button').waitFor(WAIT)
    })

    await step('with no WeCom account connected, the dialog says the buyer cannot be moved', async () => {
      await agent.getByTestId('move-wecom-button').click()
      const dialog = agent.getByTestId('move-wecom-dialog')
      await dialog.waitFor(WAIT)
      await agent.locator('.el-dialog__title', { hasText: '转到企业微信 · ' }).waitFor(WAIT)
      await dialog.getByText('在买家当前所在的渠道（网页）发送一条消息', { exact: false }).waitFor(WAIT)
      await dialog.getByText('企业微信会话进入同一个客户档案，并直接分配给你', { exact: false }).waitFor(WAIT)
      const none = dialog.getByTestId('move-wecom-none')
      await none.waitFor(WAIT)
      assert.equal((await none.textContent()).trim(), '店铺还没有运行中的企业微信客服账号：请管理员先在「渠道接入」接入')
      assert.ok(await dialog.getByTestId('move-wecom-submit').isDisabled(), 'nothing to send to')
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'move-wecom-unavailable.png') })
      await dialog.getByRole('button', { name: '取消' }).click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      assert.equal(await moveMessage(agent).count(), 0, 'nothing was sent')
    })

    await step('the admin connects two WeCom 微信客服 accounts with their contact links', async () => {
      for (const account of [WECOM, AFTER_SALES]) {
        const res = await api('POST', '/channels', account)
        assert.equal(res.status, 201, await res.clone().text())
        const channel = await res.json()
        assert.equal(channel.kind, 'wecom_kf')
        assert.equal(channel.contact_url, account.contact_url)
        assert.equal(channel.name, account.name)
      }
    })

    await step('the agent chooses the account and confirms: the dialog closes naming it, the link shows in the workbench', async () => {
      await agent.getByTestId('move-wecom-button').click()
      const dialog = agent.getByTestId('move-wecom-dialog')
      await dialog.waitFor(WAIT)
      // Opened again, the accounts are there to choose from, the first one chosen.
      const accounts = dialog.getByTestId('move-wecom-account')
      await accounts.nth(1).waitFor(WAIT)
      assert.deepEqual((await accounts.allTextContents()).map((s) => s.trim()).sort(), [AFTER_SALES.name, WECOM.name].sort())
      assert.equal(await dialog.getByTestId('move-wecom-none').count(), 0)
      assert.equal(await dialog.getByTestId('move-wecom-error').count(), 0)
      await accounts.filter({ hasText: AFTER_SALES.name }).click()
      await accounts.filter({ hasText: WECOM.name }).click()
      assert.equal(await accounts.filter({ hasText: WECOM.name }).getAttribute('aria-checked'), 'true')
      assert.equal(await accounts.filter({ hasText: AFTER_SALES.name }).getAttribute('aria-checked'), 'false')
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'move-wecom-dialog.png') })
      await dialog.getByTestId('move-wecom-submit').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      await agent
        .locator('.el-message--success', { hasText: `已发送「${WECOM.name}」的添加链接，买家添加后会话会转到你这里` })
        .waitFor(WAIT)

      const sent = moveMessage(agent)
      await sent.waitFor(WAIT)
      assert.equal(await sent.count(), 1)
      const body = await sent.getByTestId('message-body').textContent()
      assert.match(body, new RegExp(`^${MOVE_TEXT}\\n${LINK_START.replace(/[.?]/g, '\\$&')}[A-Za-z0-9_-]+$`))
      const link = sent.getByTestId('message-link')
      assert.ok((await link.getAttribute('href')).startsWith(LINK_START))
      assert.equal(await agent.getByTestId('conversation-pane').getAttribute('data-conversation-id'), conversationId)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'move-wecom-sent.png') })
    })

    await step('the buyer sees the message live on the chat page, the contact link a link to open', async () => {
      const got = moveMessage(buyer)
      await got.waitFor(WAIT)
      await got.getByText(MOVE_TEXT, { exact: false }).waitFor(WAIT)
      const link = got.getByTestId('message-link')
      const href = await link.getAttribute('href')
      assert.ok(href.startsWith(LINK_START), href)
      assert.equal(await link.getAttribute('target'), '_blank')
      assert.equal((await link.textContent()).trim(), href)
      // The same link as the workbench shows.
      assert.equal(await moveMessage(agent).getByTestId('message-link').getAttribute('href'), href)
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'move-wecom-buyer.png') })
    })

    await step('the server holds the message in the conversation, sent by the agent', async () => {
      const res = await api('GET', `/conversations/${conversationId}/messages`)
      assert.equal(res.status, 200, await res.clone().text())
      const listed = await res.json()
      const messages = Array.isArray(listed) ? listed : listed.messages
      const moved = messages.filter((m) => m.body.includes(LINK_START))
      assert.equal(moved.length, 1, JSON.stringify(moved))
      assert.equal(moved[0].sender_kind, 'agent')
    })

    assert.deepEqual(pageErrors, [])
  } finally {
    await buyer.context().close()
    await agent.context().close()
  }
})

// The browser story of issue #21 (CH-3): the tea shop's admin opens 渠道接入, finds it empty, and
// connects WeChat Official Accounts. The one the buyer writes to is connected through the API,
// pointed at a fake of WeChat's API run here (the dialog has no field for that); a second one
// goes through the dialog (a refused AppID first: the translated error, then the steps to paste
// into the console), then is renamed, paused, resumed and disconnected. The card shows the
// callback URL and token. A buyer's WeChat message arrives at the callback, signed as WeChat
// signs it; a pre-sales agent finds it in the workbench marked 公众号, sees the 48-hour reply
// window, replies, and the fake receives the customer-service message. Five replies use the
// window up: the line warns and the composer waits. In the panel's 跨渠道身份 (CH-6) the agent
// merges a web-chat buyer of the list into the WeChat buyer (two buyers, the other's
// conversation listed), then splits them again. The card's health line shows it all.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import http from 'node:http'
import path from 'node:path'
import { DESKTOP, WAIT, apiSession, launchBrowser, outputDir, settle, showTab, signIn, startDemo, stepper, until, watchPage } from './harness.mjs'

const ADMIN = 'tea-admin'
/** In the pre-sales team: takes conversations from the queue and replies. */
const AGENT = 'tea-pre1'
/** The account the buyer writes to, connected through the API in plain mode. */
const ACCOUNT = { app_id: 'wxe2etest0001', token: 'kefuE2Etoken01', name: '山野茶铺服务号' }
/** The second account, through the dialog. */
const SECOND = { app_id: 'wxe2etest0002', token: 'kefuE2Etoken02', name: '山野茶铺订阅号', renamed: '山野茶铺 · 订阅号' }
const BUYER_OPENID = 'oE2Ebuyer01'
/** kefu names a WeChat buyer by their OpenID's last four characters. */
const BUYER_NAME = `微信用户${BUYER_OPENID.slice(-4)}`
const QUESTION = '我的订单什么时候发货'
const REPLY = '您好，您的订单今天下午发货，发货后会有物流信息～'

let demo
let browser
const pageErrors = []

/** WeChat's API as far as kefu uses it: an access token, and customer-service messages, kept. */
const wechat = { server: null, base: '', sent: [], tokenAsked: 0 }

function startFakeWechat() {
  return new Promise((resolve) => {
    wechat.server = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://wechat.test')
      const answer = (body) => {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      if (req.method === 'GET' && url.pathname === '/cgi-bin/token') {
        wechat.tokenAsked += 1
        answer({ access_token: 'T1', expires_in: 7200 })
        return
      }
      if (req.method === 'POST' && url.pathname === '/cgi-bin/message/custom/send') {
        let body = ''
        req.on('data', (chunk) => (body += chunk))
        req.on('end', () => {
          wechat.sent.push({ accessToken: url.searchParams.get('access_token'), body: JSON.parse(body) })
          answer({ errcode: 0, errmsg: 'ok' })
        })
        return
      }
      res.writeHead(404).end()
    })
    wechat.server.listen(0, '127.0.0.1', () => {
      wechat.base = `http://127.0.0.1:${wechat.server.address().port}`
      resolve()
    })
  })
}

before(async () => {
  await startFakeWechat()
  demo = await startDemo()
  browser = await launchBrowser()
})

after(async () => {
  try {
    await browser?.close()
  } finally {
    await demo?.stop()
    wechat.server?.close()
  }
})

/** WeChat's plain-mode `signature`: SHA-1 of the token, timestamp and nonce, sorted and joined. */
function signature(token, timestamp, nonce) {
  return createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex')
}

/** A buyer's text message as WeChat pushes it to the account's server URL. */
async function push(channelId, token, text, msgId) {
  const timestamp = String(Math.floor(Date.now() / 1000))
  const nonce = String(Math.floor(Math.random() * 1e9))
  const query = new URLSearchParams({ signature: signature(token, timestamp, nonce), timestamp, nonce, openid: BUYER_OPENID })
  const xml =
    `<xml><ToUserName><![CDATA[gh_e2etest0001]]></ToUserName><FromUserName><![CDATA[${BUYER_OPENID}]]></FromUserName>` +
    `<CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text}]]></Content>` +
    `<MsgId>${msgId}</MsgId></xml>`
  const res = await fetch(`${demo.baseUrl}/hooks/wechat-mp/${channelId}?${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml' },
    body: xml,
  })
  return { status: res.status, text: await res.text() }
}

/** The card of the channel named `id`. */
function card(page, id) {
  return page.locator(`[data-testid="channel-card"][data-id="${id}"]`)
}

test('a WeChat Official Account: connected, a buyer writes, an agent replies within the window', { timeout: 300_000 }, async (t) => {
  const admin = await (await browser.newContext(DESKTOP)).newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  for (const [who, page] of Object.entries({ admin, agent })) watchPage(page, who, pageErrors)
  const step = stepper(t, { admin, agent }, demo)
  const api = await apiSession(demo.baseUrl, ADMIN)
  /** The channel the buyer writes to, as the API answered when it was connected. */
  let account = null
  let secondId = ''
  let conversationId = ''

  try {
    await step('the admin opens 渠道接入 and finds no channel yet', async () => {
      await signIn(admin, demo.baseUrl, ADMIN)
      await admin.getByTestId('channels-link').click()
      await admin.waitForURL((url) => url.pathname === '/agent/channels', WAIT)
      await admin.getByTestId('channels-empty').waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'channels-empty.png') })
    })

    await step('the account the buyer writes to is connected in plain mode, pointed at the fake WeChat', async () => {
      const res = await api('POST', '/channels', {
        kind: 'wechat_mp',
        name: ACCOUNT.name,
        app_id: ACCOUNT.app_id,
        app_secret: 'e2e-secret-0001',
        token: ACCOUNT.token,
        mode: 'plain',
        api_base: wechat.base,
      })
      assert.equal(res.status, 201, await res.clone().text())
      account = await res.json()
      assert.equal(account.mode, 'plain')
      assert.equal(account.token, ACCOUNT.token)
      await admin.reload()
      await card(admin, account.id).waitFor(WAIT)
    })

    await step('its card shows the callback URL and the token to paste into the console', async () => {
      const c = card(admin, account.id)
      const url = account.callback_url ?? `${demo.baseUrl}${account.callback_path}`
      assert.match(url, new RegExp(`/hooks/wechat-mp/${account.id}$`))
      assert.equal(await c.getByTestId('channel-callback-url').getAttribute('data-value'), url)
      await c.getByTestId('channel-callback-url').getByText(url).waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-token').getAttribute('data-value'), ACCOUNT.token)
      assert.equal(await c.getByTestId('channel-app-id').textContent(), ACCOUNT.app_id)
      assert.equal(await c.getByTestId('channel-mode').textContent(), '明文模式')
      assert.equal(await c.getAttribute('data-state'), 'waiting')
      await c.getByTestId('channel-health-in').getByText('从未').waitFor(WAIT)
    })

    await step('the dialog refuses an account already connected, with the translated error', async () => {
      await admin.getByTestId('channel-connect').click()
      const dialog = admin.getByTestId('channel-dialog')
      await dialog.getByTestId('channel-form').waitFor(WAIT)
      // Only WeChat Official Accounts can be chosen; the others are coming.
      assert.equal(await dialog.locator('[data-testid="channel-kind"][data-value="wechat_mp"]').getAttribute('aria-checked'), 'true')
      assert.equal(await dialog.locator('[data-testid="channel-kind"][data-value="douyin"]').isDisabled(), true)
      // Nothing filled in: the first missing field is named before anything is sent.
      await dialog.getByTestId('channel-form-submit').click()
      await dialog.locator('[data-testid="channel-form-problem"][data-field="appId"]').waitFor(WAIT)

      await dialog.getByTestId('channel-form-name').fill(SECOND.name)
      await dialog.getByTestId('channel-form-app-id').fill(ACCOUNT.app_id)
      await dialog.getByTestId('channel-form-app-secret').fill('e2e-secret-0002')
      await dialog.getByTestId('channel-form-token').fill(SECOND.token)
      await dialog.getByTestId('channel-form-aes-key-generate').click()
      const key = await dialog.getByTestId('channel-form-aes-key').inputValue()
      assert.match(key, /^[A-Za-z0-9]{43}$/)
      await dialog.getByTestId('channel-form-token-generate').click()
      assert.match(await dialog.getByTestId('channel-form-token').inputValue(), /^[A-Za-z0-9]{32}$/)
      await dialog.getByTestId('channel-form-token').fill(SECOND.token)
      assert.equal(await dialog.locator('[data-testid="channel-form-mode"][data-value="safe"]').getAttribute('aria-checked'), 'true')
      await dialog.getByTestId('channel-form-submit').click()
      const error = dialog.locator('[data-testid="channel-form-error"][data-code="channel_exists"]')
      await error.waitFor(WAIT)
      assert.equal(await error.textContent(), '这个账号已经接入过了')
    })

    await step('with its own AppID it connects, and the dialog shows the steps left in the console', async () => {
      const dialog = admin.getByTestId('channel-dialog')
      await dialog.getByTestId('channel-form-app-id').fill(SECOND.app_id)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'channels-dialog.png') })
      await dialog.getByTestId('channel-form-submit').click()
      const steps = dialog.getByTestId('channel-steps')
      await steps.waitFor(WAIT)
      secondId = await steps.getAttribute('data-id')
      await steps.getByText('设置与开发 → 基本配置 → 服务器配置').waitFor(WAIT)
      assert.match(await steps.getByTestId('channel-steps-url').getAttribute('data-value'), new RegExp(`/hooks/wechat-mp/${secondId}$`))
      assert.equal(await steps.getByTestId('channel-steps-token').getAttribute('data-value'), SECOND.token)
      assert.match(await steps.getByTestId('channel-steps-aes-key').getAttribute('data-value'), /^[A-Za-z0-9]{43}$/)
      assert.equal(await steps.getByTestId('channel-steps-mode').textContent(), '安全模式')
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'channels-steps.png') })
      await dialog.getByTestId('channel-steps-done').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      await admin.locator('[data-testid="channel-list"][data-count="2"]').waitFor(WAIT)
      assert.equal(await card(admin, secondId).getAttribute('data-name'), SECOND.name)
    })

    await step('the second account is renamed, paused, resumed and disconnected', async () => {
      const c = card(admin, secondId)
      await c.getByTestId('channel-rename').click()
      await c.getByTestId('channel-name-input').fill(SECOND.renamed)
      await c.getByTestId('channel-name-save').click()
      await admin.locator(`[data-testid="channel-card"][data-id="${secondId}"][data-name="${SECOND.renamed}"]`).waitFor(WAIT)

      await c.getByTestId('channel-receiving').click()
      await admin.locator(`[data-testid="channel-card"][data-id="${secondId}"][data-paused="true"]`).waitFor(WAIT)
      await c.getByTestId('channel-paused-notice').waitFor(WAIT)
      const listed = await (await api('GET', '/channels')).json()
      assert.equal(listed.channels.find((ch) => ch.id === secondId).paused, true)
      await c.getByTestId('channel-receiving').click()
      await admin.locator(`[data-testid="channel-card"][data-id="${secondId}"][data-paused="false"]`).waitFor(WAIT)

      await c.getByTestId('channel-disconnect').click()
      const confirm = admin.locator('.el-message-box')
      await confirm.getByText(SECOND.renamed).waitFor(WAIT)
      await confirm.getByRole('button', { name: '断开' }).click()
      await c.waitFor({ state: 'detached', ...WAIT })
      await admin.locator('[data-testid="channel-list"][data-count="1"]').waitFor(WAIT)
      const left = await (await api('GET', '/channels')).json()
      assert.deepEqual(left.channels.map((ch) => ch.id), [account.id])
    })

    await step('a buyer writes to the account: the signed push is answered success', async () => {
      const refused = await push(account.id, 'not-the-token', QUESTION, '9000000001')
      assert.equal(refused.status, 403, 'a push signed with another token is refused')
      const pushed = await push(account.id, ACCOUNT.token, QUESTION, '9000000002')
      assert.equal(pushed.status, 200, pushed.text)
      assert.equal(pushed.text, 'success')
    })

    await step('a pre-sales agent finds it marked 公众号 and sees the 48-hour window', async () => {
      await signIn(agent, demo.baseUrl, AGENT)
      // 进行中: every open conversation, whether it waits in the queue or was assigned.
      await showTab(agent, 'open')
      const row = agent.locator('[data-testid="conversation-item"][data-channel="wechat_mp"]', { hasText: QUESTION })
      await row.waitFor(WAIT)
      conversationId = await row.getAttribute('data-conversation-id')
      const badge = row.getByTestId('channel-badge')
      assert.equal(await badge.getAttribute('title'), '微信公众号')
      assert.equal((await badge.textContent()).trim(), '公众号')
      await row.getByText(BUYER_NAME).waitFor(WAIT)
      // Web conversations carry no badge.
      assert.equal(await agent.locator('[data-testid="conversation-item"][data-channel="web"] [data-testid="channel-badge"]').count(), 0)
      await row.click()
      await agent.locator('[data-testid="open-buyer-name"]', { hasText: BUYER_NAME }).waitFor(WAIT)
      // In the queue (the demo assigns by hand): the agent takes it first.
      const grab = agent.getByTestId('pane-grab-button')
      if (await grab.isVisible()) {
        await grab.click()
        await grab.waitFor({ state: 'detached', ...WAIT })
      }
      const line = agent.locator('[data-testid="reply-window"][data-state="open"]')
      await line.waitFor(WAIT)
      const text = await line.getByTestId('reply-window-text').textContent()
      assert.match(text, /^微信公众号 · 48 小时回复窗口：剩余 5 条，\d{2}-\d{2} \d{2}:\d{2} 关闭$/)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'channels-inbox.png') })
    })

    await step('the agent replies: the fake WeChat receives the customer-service message', async () => {
      const box = agent.getByTestId('composer-input')
      await box.fill(REPLY)
      await box.press('Enter')
      const sent = await until(
        () => wechat.sent.find((s) => s.body?.text?.content === REPLY),
        'the reply at the fake WeChat',
        10_000,
      )
      assert.deepEqual(sent.body, { touser: BUYER_OPENID, msgtype: 'text', text: { content: REPLY } })
      assert.equal(sent.accessToken, 'T1')
      assert.ok(wechat.tokenAsked >= 1, 'kefu asked the fake for an access token')
      await agent.locator('[data-testid="reply-window"][data-state="open"][data-remaining="4"]').waitFor(WAIT)
      await agent.getByTestId('reply-window-text').getByText('剩余 4 条').waitFor(WAIT)
    })

    await step('five replies use the window up: the line warns and the composer waits', async () => {
      const box = agent.getByTestId('composer-input')
      for (let n = 2; n <= 5; n++) {
        await box.fill(`第 ${n} 条回复`)
        await box.press('Enter')
        await agent.locator(`[data-testid="reply-window"][data-remaining="${5 - n}"]`).waitFor(WAIT)
      }
      const closed = agent.locator('[data-testid="reply-window"][data-state="closed"]')
      await closed.waitFor(WAIT)
      assert.equal(
        await closed.getByTestId('reply-window-text').textContent(),
        '窗口已关闭：买家最后一条消息已超过 48 小时或 5 条额度已用完，买家再次发消息后才能回复',
      )
      assert.equal(await agent.getByTestId('composer-input').isDisabled(), true)
      assert.equal(await agent.getByTestId('send-button').isDisabled(), true)
      await until(() => wechat.sent.filter((s) => s.body?.touser === BUYER_OPENID).length >= 5, 'five messages at the fake WeChat', 10_000)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'channels-window-closed.png') })
    })

    await step('the buyer writes again: the window opens anew', async () => {
      const pushed = await push(account.id, ACCOUNT.token, '好的，谢谢', '9000000003')
      assert.equal(pushed.text, 'success')
      await agent.locator('[data-testid="reply-window"][data-state="open"][data-remaining="5"]').waitFor(WAIT)
      assert.equal(await agent.getByTestId('composer-input').isDisabled(), false)
    })

    await step('跨渠道身份: the WeChat buyer is merged with a web buyer of the list, then split again', async () => {
      const section = agent.getByTestId('buyer-profile')
      await agent.locator('[data-testid="buyer-profile"][data-state="loaded"][data-buyers="1"]').waitFor(WAIT)
      await section.scrollIntoViewIfNeeded()
      const self = section.locator('[data-testid="profile-buyer"][data-current="true"]')
      assert.equal(await self.getAttribute('data-channel'), 'wechat_mp')
      await self.getByText(BUYER_NAME).waitFor(WAIT)
      // The OpenID without the account's AppID.
      await self.getByText(BUYER_OPENID, { exact: true }).waitFor(WAIT)
      const wechatBuyerId = await self.getAttribute('data-buyer-id')
      assert.equal(await section.getByTestId('profile-split').count(), 0, 'one buyer alone has nothing to split')

      // The demo's web-chat conversations are in the agent's list (访客…, 陈女士): their buyers
      // are offered, the open conversation's own is not.
      await section.getByTestId('buyer-merge').click()
      const dialog = agent.getByTestId('merge-buyer-dialog')
      await dialog.getByTestId('merge-buyer-hint').getByText('合并会记入审计日志，合并错了可以用「拆分」撤销。').waitFor(WAIT)
      const web = dialog.locator('[data-testid="merge-candidate"][data-channel="web"]').first()
      await web.waitFor(WAIT)
      assert.equal(await dialog.locator(`[data-testid="merge-candidate"][data-buyer-id="${wechatBuyerId}"]`).count(), 0)
      const otherId = await web.getAttribute('data-buyer-id')
      const otherName = await web.getAttribute('data-name')
      const otherConversation = await web.getAttribute('data-conversation-id')
      assert.equal(await dialog.getByTestId('merge-buyer-confirm').isDisabled(), true, 'nothing chosen yet')
      await web.click()
      assert.equal(await web.getAttribute('aria-checked'), 'true')
      await dialog.getByTestId('merge-buyer-confirm').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })

      await agent.locator('[data-testid="buyer-profile"][data-buyers="2"]').waitFor(WAIT)
      const other = section.locator(`[data-testid="profile-buyer"][data-buyer-id="${otherId}"]`)
      assert.equal(await other.getAttribute('data-channel'), 'web')
      assert.equal(await other.getAttribute('data-current'), 'false')
      await other.getByText(otherName).waitFor(WAIT)
      await section.locator(`[data-testid="profile-conversation"][data-conversation-id="${otherConversation}"][data-channel="web"]`).waitFor(WAIT)
      assert.equal(await section.locator(`[data-testid="profile-conversation"][data-conversation-id="${conversationId}"]`).count(), 0, 'the open one is not listed')
      assert.equal(await section.getByTestId('profile-split').count(), 2)
      const merged = await (await api('GET', `/buyers/${wechatBuyerId}/profile`)).json()
      assert.deepEqual(merged.buyers.map((b) => b.id), [wechatBuyerId, otherId])
      await agent.locator('.el-message--success').waitFor({ state: 'detached', ...WAIT })
      await section.scrollIntoViewIfNeeded()
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'channels-profile.png') })

      // The other buyer's conversation opens like a row of the list; its panel shows the same
      // two buyers, itself first. Back to the WeChat one from the list.
      await section.locator(`[data-testid="profile-conversation"][data-conversation-id="${otherConversation}"]`).click()
      await agent.locator('[data-testid="open-buyer-name"]', { hasText: otherName }).waitFor(WAIT)
      await agent.locator('[data-testid="buyer-profile"][data-state="loaded"][data-buyers="2"]').waitFor(WAIT)
      assert.equal(await section.locator('[data-testid="profile-buyer"][data-current="true"]').getAttribute('data-buyer-id'), otherId)
      await section.locator(`[data-testid="profile-conversation"][data-conversation-id="${conversationId}"]`).waitFor(WAIT)
      await agent.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`).click()
      await agent.locator('[data-testid="open-buyer-name"]', { hasText: BUYER_NAME }).waitFor(WAIT)
      await agent.locator('[data-testid="buyer-profile"][data-state="loaded"][data-buyers="2"]').waitFor(WAIT)
      assert.equal(await section.locator('[data-testid="profile-buyer"][data-current="true"]').getAttribute('data-buyer-id'), wechatBuyerId)

      // Merged by mistake: 拆分, asked first.
      await other.getByTestId('profile-split').click()
      const confirm = agent.locator('.el-message-box')
      await confirm.getByText(otherName, { exact: false }).waitFor(WAIT)
      await confirm.getByRole('button', { name: '拆分' }).click()
      await agent.locator('[data-testid="buyer-profile"][data-buyers="1"]').waitFor(WAIT)
      assert.equal(await section.getByTestId('profile-conversation').count(), 0)
      assert.equal(await section.getByTestId('profile-split').count(), 0)
      const split = await (await api('GET', `/buyers/${wechatBuyerId}/profile`)).json()
      assert.deepEqual(split.buyers.map((b) => b.id), [wechatBuyerId])
    })

    await step('the card’s health line shows the last message in and out and the access token', async () => {
      await admin.reload()
      const c = card(admin, account.id)
      await c.waitFor(WAIT)
      assert.equal(await c.getAttribute('data-state'), 'working')
      for (const part of ['in', 'out', 'token']) {
        assert.notEqual(await c.getByTestId(`channel-health-${part}`).getAttribute('data-at'), '', `${part} is set`)
      }
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'channels-page.png'), fullPage: true })
    })

    assert.deepEqual(pageErrors, [])
  } finally {
    await admin.context().close()
    await agent.context().close()
  }
})

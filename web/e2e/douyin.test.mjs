// The browser story of issue #21 (CH-3) for a Douyin enterprise account (抖音企业号私信): the tea
// shop's admin opens 渠道接入 and connects the account's application in the dialog — its Client
// Key and Secret only (Douyin signs its webhooks with the secret: no Token, no EncodingAESKey, no
// mode) — and reads Douyin's steps. One application can be connected once (`channel_exists`), so
// the dialog's channel is disconnected on its card and the same application connected again
// through the API, pointed at a fake of Douyin's API run here (the dialog has no field for that).
// Its card shows the webhook and the grant's way back to register in Douyin's console; the
// webhook's check is answered with its challenge, a wrong signature refused. A grant whose code
// Douyin refuses comes back to 渠道接入 with the translated error; 授权 on the card then goes to
// the fake's grant page, which sends the browser back through kefu to 渠道接入 with the success
// said and the card granted. A buyer's private message, signed as Douyin signs it, reaches a
// pre-sales agent's workbench marked 抖音 with the 24-hour window (no message count); the replies
// reach the fake's `/im/send/msg/` answering the buyer's message in their conversation.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
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
import { douyinMessage, douyinWebhook } from './platforms.mjs'

const ADMIN = 'tea-admin'
/** In the pre-sales team: takes conversations from the queue and replies. */
const AGENT = 'tea-pre1'
/** The shop's Douyin application: connected in the dialog first, then again through the API. */
const APP = { client_key: 'awe2etest0001', secret: 'e2e-douyin-secret-0001', name: '山野茶铺抖音号', dialogName: '山野茶铺 · 抖音企业号' }
/** The enterprise account that grants kefu its private messages. */
const ENTERPRISE_OPEN_ID = 'e2e-enterprise-open-id-01'
const BUYER_OPEN_ID = 'e2e-buyer-open-id-0001'
const BUYER_NAME = '抖音买家小王'
const QUESTION = '这款茶叶什么时候发货？'
const REPLY = '您好，今天下午四点前下单当天发货～'
const REPLY_2 = '顺丰包邮，一般两天到'
/** The code Douyin's grant page hands back; any other is refused (10007). */
const CODE = 'CODE1'

let demo
let browser
const pageErrors = []

/** Douyin's open platform as far as kefu uses it: the grant page (straight back with a code),
 *  the code and refresh token exchanged for tokens, and private messages sent, kept. */
const douyin = { server: null, base: '', grantPages: [], tokenCalls: [], refreshCalls: [], sent: [] }

const TOKENS = {
  access_token: 'act.1',
  expires_in: 1296000,
  refresh_token: 'rft.1',
  refresh_expires_in: 2592000,
  open_id: ENTERPRISE_OPEN_ID,
  scope: 'im.direct_message',
  error_code: 0,
  description: '',
}

function startFakeDouyin() {
  return new Promise((resolve) => {
    douyin.server = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://douyin.test')
      const answer = (body) => {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      const withBody = (fn) => {
        let body = ''
        req.on('data', (chunk) => (body += chunk))
        req.on('end', () => fn(body))
      }
      const refused = { data: { error_code: 10007, description: 'code 已过期或无效' }, message: 'error' }
      if (req.method === 'GET' && url.pathname === '/platform/oauth/connect/') {
        // The owner logged in and agreed: Douyin sends the browser back with a code.
        const query = Object.fromEntries(url.searchParams)
        douyin.grantPages.push(query)
        const back = new URL(query.redirect_uri)
        back.searchParams.set('code', CODE)
        back.searchParams.set('state', query.state)
        res.writeHead(302, { Location: back.toString() }).end()
        return
      }
      if (req.method === 'POST' && url.pathname === '/oauth/access_token/') {
        withBody((body) => {
          const form = Object.fromEntries(new URLSearchParams(body))
          douyin.tokenCalls.push({ contentType: req.headers['content-type'], form })
          const good = form.client_key === APP.client_key && form.client_secret === APP.secret && form.code === CODE && form.grant_type === 'authorization_code'
          answer(good ? { data: TOKENS, message: 'success' } : refused)
        })
        return
      }
      if (req.method === 'POST' && url.pathname === '/oauth/refresh_token/') {
        withBody((body) => {
          const form = Object.fromEntries(new URLSearchParams(body))
          douyin.refreshCalls.push(form)
          const good = form.client_key === APP.client_key && form.grant_type === 'refresh_token' && form.refresh_token === 'rft.1'
          answer(good ? { data: TOKENS, message: 'success' } : refused)
        })
        return
      }
      if (req.method === 'POST' && url.pathname === '/im/send/msg/') {
        withBody((body) => {
          douyin.sent.push({ openId: url.searchParams.get('open_id'), accessToken: req.headers['access-token'], body: JSON.parse(body) })
          answer({ extra: { error_code: 0, description: '' }, data: { error_code: 0, description: '' } })
        })
        return
      }
      res.writeHead(404).end()
    })
    douyin.server.listen(0, '127.0.0.1', () => {
      douyin.base = `http://127.0.0.1:${douyin.server.address().port}`
      resolve()
    })
  })
}

before(async () => {
  await startFakeDouyin()
  demo = await startDemo()
  browser = await launchBrowser()
})

after(async () => {
  try {
    await browser?.close()
  } finally {
    await demo?.stop()
    douyin.server?.close()
  }
})

/** A webhook as Douyin sends it (`secret`: what it is signed with). */
function webhook(channelId, secret, event) {
  return douyinWebhook(demo.baseUrl, channelId, secret, event)
}

/** The buyer's private message to the enterprise account, as `im_receive_msg` carries it. */
function privateMessage(text, msgId, createTime = Date.now()) {
  return douyinMessage({
    clientKey: APP.client_key,
    from: BUYER_OPEN_ID,
    fromName: BUYER_NAME,
    to: ENTERPRISE_OPEN_ID,
    toName: '山野茶铺',
    text,
    msgId,
    createTime,
  })
}

/** The card of the channel named `id`. */
function card(page, id) {
  return page.locator(`[data-testid="channel-card"][data-id="${id}"]`)
}

test('a Douyin enterprise account: connected, granted, a buyer writes, an agent replies within 24 hours', { timeout: 300_000 }, async (t) => {
  const admin = await (await browser.newContext(DESKTOP)).newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  for (const [who, page] of Object.entries({ admin, agent })) watchPage(page, who, pageErrors)
  const step = stepper(t, { admin, agent }, demo)
  const api = await apiSession(demo.baseUrl, ADMIN)
  let dialogId = ''
  /** The channel the buyer writes to, as the API answered when it was connected. */
  let account = null
  let webhookUrl = ''
  let buyerWroteAt = 0

  try {
    await step('the admin connects Douyin in the dialog: only the Client Key and Secret are asked', async () => {
      await signIn(admin, demo.baseUrl, ADMIN)
      await admin.getByTestId('channels-link').click()
      await admin.waitForURL((url) => url.pathname === '/agent/channels', WAIT)
      await admin.getByTestId('channels-empty').waitFor(WAIT)
      await closeNotices(admin)
      await admin.getByTestId('channel-connect').click()
      const dialog = admin.getByTestId('channel-dialog')
      await dialog.getByTestId('channel-form').waitFor(WAIT)
      const kind = dialog.locator('[data-testid="channel-kind"][data-value="douyin"]')
      assert.equal(await kind.isDisabled(), false)
      await kind.getByText('抖音企业号', { exact: true }).waitFor(WAIT)
      await kind.click()
      assert.equal(await kind.getAttribute('aria-checked'), 'true')
      // Douyin signs with the secret: no token, no key, no mode; its fields in its own words.
      assert.equal(await dialog.getByTestId('channel-form-token').count(), 0)
      assert.equal(await dialog.getByTestId('channel-form-aes-key').count(), 0)
      assert.equal(await dialog.getByTestId('channel-form-mode').count(), 0)
      await dialog.getByText('Client Key (应用标识)').waitFor(WAIT)
      await dialog.getByText('Client Secret (应用密钥)').waitFor(WAIT)
      assert.equal(await dialog.getByTestId('channel-form-app-id').getAttribute('placeholder'), 'aw…')

      // Nothing filled in, then a key with a space: the field is named before anything is sent.
      await dialog.getByTestId('channel-form-submit').click()
      await dialog.locator('[data-testid="channel-form-problem"][data-field="appId"]').waitFor(WAIT)
      await dialog.getByTestId('channel-form-app-id').fill('aw e2e')
      await dialog.getByTestId('channel-form-app-secret').fill(APP.secret)
      await dialog.getByTestId('channel-form-submit').click()
      const problem = dialog.locator('[data-testid="channel-form-problem"][data-field="appId"]')
      await problem.waitFor(WAIT)
      assert.equal(await problem.textContent(), '请填写 Client Key（字母、数字、下划线或连字符）')

      await dialog.getByTestId('channel-form-name').fill(APP.dialogName)
      await dialog.getByTestId('channel-form-app-id').fill(APP.client_key)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'douyin-dialog.png') })
      await dialog.getByTestId('channel-form-submit').click()

      const steps = dialog.getByTestId('channel-steps')
      await steps.waitFor(WAIT)
      dialogId = await steps.getAttribute('data-id')
      await admin.locator('.el-dialog__title', { hasText: '最后一步：在抖音开放平台配置 Webhooks 并授权' }).waitFor(WAIT)
      await steps.getByText('无需 Token 和 EncodingAESKey', { exact: false }).waitFor(WAIT)
      const url = await steps.getByTestId('channel-steps-url').getAttribute('data-value')
      assert.match(url, new RegExp(`/hooks/douyin/${dialogId}$`))
      assert.equal(await steps.getByTestId('channel-steps-redirect').getAttribute('data-value'), `${url}/oauth`)
      await steps.getByTestId('channel-steps-url').getByText('Webhooks 地址').waitFor(WAIT)
      await steps.getByTestId('channel-steps-redirect').getByText('授权回调地址').waitFor(WAIT)
      assert.equal(await steps.getByTestId('channel-steps-token').count(), 0)
      assert.equal(await steps.getByTestId('channel-steps-aes-key').count(), 0)
      assert.equal(await steps.getByTestId('channel-steps-mode').count(), 0)
      const then = steps.getByTestId('channel-steps-then')
      assert.equal(await then.getAttribute('data-kind'), 'douyin')
      assert.deepEqual(await then.locator('li').evaluateAll((items) => items.map((li) => li.dataset.step)), ['webhook', 'redirect', 'grant', 'test'])
      await then.getByText('im_receive_msg', { exact: false }).waitFor(WAIT)
      await then.getByText('点击卡片上的「授权」', { exact: false }).waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'douyin-steps.png') })
      await dialog.getByTestId('channel-steps-done').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })

      const c = card(admin, dialogId)
      await c.waitFor(WAIT)
      assert.equal(await c.getAttribute('data-kind'), 'douyin')
      assert.equal(await c.getAttribute('data-name'), APP.dialogName)
      assert.equal(await c.getAttribute('data-state'), 'waiting')
      assert.equal(await c.getByTestId('channel-app-id').textContent(), APP.client_key)
      assert.equal(await c.getByTestId('channel-mode').textContent(), '签名校验')
      assert.equal(await c.getByTestId('channel-token').count(), 0)
      assert.equal(await c.getByTestId('channel-grant').getAttribute('data-granted'), 'false')
      assert.equal((await c.getByTestId('channel-grant-button').textContent()).trim(), '授权')
    })

    await step('the same application cannot be connected twice; the dialog’s one is disconnected on its card', async () => {
      const again = await api('POST', '/channels', { kind: 'douyin', app_id: APP.client_key, app_secret: APP.secret, api_base: douyin.base })
      assert.equal(again.status, 409, await again.clone().text())
      assert.equal((await again.json()).code, 'channel_exists')
      const noSecret = await api('POST', '/channels', { kind: 'douyin', app_id: 'awe2etest0002', app_secret: ' ' })
      assert.equal(noSecret.status, 400)
      assert.equal((await noSecret.json()).code, 'invalid_channel')

      await closeNotices(admin)
      const c = card(admin, dialogId)
      await c.getByTestId('channel-disconnect').click()
      const confirm = admin.locator('.el-message-box')
      await confirm.getByText(APP.dialogName).waitFor(WAIT)
      await confirm.getByRole('button', { name: '断开' }).click()
      await c.waitFor({ state: 'detached', ...WAIT })
    })

    await step('connected again through the API, pointed at the fake Douyin: the card shows what to paste', async () => {
      const res = await api('POST', '/channels', { kind: 'douyin', name: APP.name, app_id: APP.client_key, app_secret: APP.secret, api_base: douyin.base })
      assert.equal(res.status, 201, await res.clone().text())
      account = await res.json()
      assert.equal(account.kind, 'douyin')
      assert.equal(account.public_id, APP.client_key)
      assert.equal(account.mode, 'signed')
      assert.equal(account.token, '')
      assert.equal(account.callback_path, `/hooks/douyin/${account.id}`)
      assert.equal(account.token_expires_at ?? null, null, 'not granted yet')
      webhookUrl = account.callback_url ?? `${demo.baseUrl}${account.callback_path}`

      await admin.reload()
      const c = card(admin, account.id)
      await c.waitFor(WAIT)
      await c.getByText('抖音企业号', { exact: true }).waitFor(WAIT)
      await c.getByText('Client Key', { exact: false }).waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-callback-url').getAttribute('data-value'), webhookUrl)
      await c.getByTestId('channel-callback-url').getByText('Webhooks 地址').waitFor(WAIT)
      await c.getByTestId('channel-callback-url').getByText(webhookUrl).waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-grant-redirect').getAttribute('data-value'), `${webhookUrl}/oauth`)
      assert.equal(await c.getByTestId('channel-token').count(), 0)
      assert.equal(await c.getAttribute('data-state'), 'waiting')
      assert.equal(await c.getByTestId('channel-grant').getAttribute('data-granted'), 'false')
      await c.getByTestId('channel-grant-state').getByText('未授权').waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-health-token').getAttribute('data-at'), '')
    })

    await step('Douyin’s webhook check is answered with its challenge; a wrong signature is refused', async () => {
      const checked = await webhook(account.id, APP.secret, { event: 'verify_webhook', client_key: APP.client_key, content: { challenge: 12345 } })
      assert.equal(checked.status, 200, checked.text)
      assert.deepEqual(JSON.parse(checked.text), { challenge: 12345 })
      const forged = await webhook(account.id, 'not-the-secret', { event: 'verify_webhook', content: { challenge: 1 } })
      assert.equal(forged.status, 403, forged.text)
    })

    await step('a grant whose code Douyin refuses comes back to 渠道接入 with the translated error', async () => {
      const res = await api('POST', `/channels/${account.id}/grant`, { origin: demo.baseUrl })
      assert.equal(res.status, 200, await res.clone().text())
      const link = new URL((await res.json()).url)
      assert.equal(`${link.origin}${link.pathname}`, `${douyin.base}/platform/oauth/connect/`)
      const state = link.searchParams.get('state')
      await admin.goto(`${demo.baseUrl}/hooks/douyin/${account.id}/oauth?${new URLSearchParams({ code: 'WRONG', state })}`)
      const notice = admin.locator('[data-testid="channel-grant-notice"][data-outcome="failed"]')
      await notice.waitFor(WAIT)
      assert.equal(await notice.getAttribute('data-code'), 'channel_grant_failed')
      assert.equal(
        await notice.getByTestId('channel-grant-notice-text').textContent(),
        '抖音授权未完成：平台未能完成授权（授权码已使用或过期，或未勾选私信权限），请重新授权',
      )
      await admin.waitForURL((url) => url.pathname === '/agent/channels' && url.search === '', WAIT)
      assert.equal(await card(admin, account.id).getByTestId('channel-grant').getAttribute('data-granted'), 'false')
      assert.equal(douyin.tokenCalls.at(-1).form.code, 'WRONG')
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'douyin-grant-failed.png') })
      await notice.getByTestId('channel-grant-notice-close').click()
      await notice.waitFor({ state: 'detached', ...WAIT })
    })

    await step('授权 goes to Douyin’s grant page and back: the success is said and the card is granted', async () => {
      await closeNotices(admin)
      const c = card(admin, account.id)
      const calls = douyin.tokenCalls.length
      await c.getByTestId('channel-grant-button').click()
      const notice = admin.locator('[data-testid="channel-grant-notice"][data-outcome="granted"]')
      await notice.waitFor(WAIT)
      // The browser went to the fake's grant page, named kefu's way back, and came back clean.
      const page = douyin.grantPages.at(-1)
      assert.ok(page, 'the browser opened the grant page')
      assert.equal(page.client_key, APP.client_key)
      assert.equal(page.response_type, 'code')
      assert.equal(page.scope, 'im.direct_message')
      assert.equal(page.redirect_uri, `${webhookUrl}/oauth`)
      assert.ok(page.state, 'a state to carry back')
      await admin.waitForURL((url) => url.pathname === '/agent/channels' && url.search === '', WAIT)
      assert.equal(await notice.getAttribute('data-id'), account.id)
      assert.equal(await notice.getByTestId('channel-grant-notice-text').textContent(), `「${APP.name}」已授权：抖音账号的私信将进入工作台，客服可以直接回复`)
      // kefu exchanged the code for the account's tokens.
      assert.equal(douyin.tokenCalls.length, calls + 1)
      assert.deepEqual(douyin.tokenCalls.at(-1).form, { client_key: APP.client_key, client_secret: APP.secret, code: CODE, grant_type: 'authorization_code' })
      assert.match(douyin.tokenCalls.at(-1).contentType, /application\/x-www-form-urlencoded/)

      await admin.locator(`[data-testid="channel-card"][data-id="${account.id}"] [data-testid="channel-grant"][data-granted="true"]`).waitFor(WAIT)
      await c.getByTestId('channel-grant-state').getByText('已授权').waitFor(WAIT)
      assert.equal((await c.getByTestId('channel-grant-button').textContent()).trim(), '重新授权')
      await c.getByTestId('channel-grant-text').getByText('access token 有效期至', { exact: false }).waitFor(WAIT)
      const expires = Number(await c.getByTestId('channel-health-token').getAttribute('data-at'))
      const inDays = (expires - Date.now()) / 86_400_000
      assert.ok(inDays > 14.9 && inDays <= 15, `the access token is good for 15 days (${inDays})`)
      const listed = await (await api('GET', '/channels')).json()
      assert.equal(listed.channels.find((ch) => ch.id === account.id).token_expires_at, expires)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'douyin-granted.png'), fullPage: true })
    })

    await step('a buyer’s private message, signed as Douyin signs it, is taken', async () => {
      const forged = await webhook(account.id, 'not-the-secret', privateMessage(QUESTION, '@msg0'))
      assert.equal(forged.status, 403, 'a message signed with another secret is refused')
      buyerWroteAt = Date.now()
      const taken = await webhook(account.id, APP.secret, privateMessage(QUESTION, '@msg1', buyerWroteAt))
      assert.equal(taken.status, 200, taken.text)
      assert.deepEqual(JSON.parse(taken.text), {})
      // Douyin retries a webhook: the same message again is answered and kept once.
      const retried = await webhook(account.id, APP.secret, privateMessage(QUESTION, '@msg1', buyerWroteAt))
      assert.equal(retried.status, 200, retried.text)
    })

    await step('a pre-sales agent finds it marked 抖音, with the 24-hour window and no count', async () => {
      await signIn(agent, demo.baseUrl, AGENT)
      await showTab(agent, 'open')
      const row = agent.locator('[data-testid="conversation-item"][data-channel="douyin"]', { hasText: QUESTION })
      await row.waitFor(WAIT)
      const badge = row.getByTestId('channel-badge')
      assert.equal(await badge.getAttribute('data-channel'), 'douyin')
      assert.equal(await badge.getAttribute('title'), '抖音')
      assert.equal((await badge.textContent()).trim(), '抖音')
      assert.equal(await badge.locator('.icon.douyin svg').count(), 1, 'the row carries Douyin’s mark')
      await row.getByText(BUYER_NAME).waitFor(WAIT)
      await row.click()
      await agent.locator('[data-testid="open-buyer-name"]', { hasText: BUYER_NAME }).waitFor(WAIT)
      // The retried webhook entered nothing twice.
      await agent.getByText(QUESTION).first().waitFor(WAIT)
      assert.equal(await agent.getByTestId('message-list').getByText(QUESTION).count(), 1)
      const grab = agent.getByTestId('pane-grab-button')
      if (await grab.isVisible()) {
        await grab.click()
        await grab.waitFor({ state: 'detached', ...WAIT })
      }
      const line = agent.locator('[data-testid="reply-window"][data-state="open"]')
      await line.waitFor(WAIT)
      assert.equal(await line.getAttribute('data-remaining'), '', 'Douyin counts no messages')
      const closesIn = Number(await line.getAttribute('data-closes-at')) - buyerWroteAt
      assert.ok(Math.abs(closesIn - 24 * 3_600_000) < 5_000, `the window closes 24 hours after the buyer wrote (${closesIn} ms)`)
      assert.match(await line.getByTestId('reply-window-text').textContent(), /^抖音 · 24 小时回复窗口：\d{2}-\d{2} \d{2}:\d{2} 关闭$/)
      assert.equal(await line.locator('.icon.douyin').count(), 1, 'the line carries Douyin’s mark')
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'douyin-inbox.png') })
    })

    await step('the agent replies: the fake Douyin receives /im/send/msg/ answering the buyer’s message', async () => {
      const box = agent.getByTestId('composer-input')
      await box.fill(REPLY)
      await box.press('Enter')
      const sent = await until(() => douyin.sent.find((s) => s.body?.content?.text?.text === REPLY), 'the reply at the fake Douyin', 10_000)
      assert.deepEqual(sent.body, {
        msg_id: '@msg1',
        conversation_id: '@conv1',
        to_user_id: BUYER_OPEN_ID,
        scene: 'im_replay_msg',
        content: { msg_type: 1, text: { text: REPLY } },
      })
      assert.equal(sent.openId, ENTERPRISE_OPEN_ID)
      assert.equal(sent.accessToken, 'act.1')

      // No count: a second reply goes too, and the window stays open as it was.
      await box.fill(REPLY_2)
      await box.press('Enter')
      await until(() => douyin.sent.find((s) => s.body?.content?.text?.text === REPLY_2), 'the second reply at the fake Douyin', 10_000)
      const line = agent.locator('[data-testid="reply-window"][data-state="open"]')
      assert.equal(await line.getAttribute('data-remaining'), '')
      assert.equal(await agent.getByTestId('composer-input').isDisabled(), false)
      assert.equal(douyin.sent.length, 2, 'each reply sent once')
      assert.equal(douyin.refreshCalls.length, 0, 'a fresh access token needs no refresh')
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'douyin-replied.png') })
    })

    await step('the card shows the account working: a message in and out, the token’s expiry', async () => {
      await admin.reload()
      const c = card(admin, account.id)
      await c.waitFor(WAIT)
      await admin.locator(`[data-testid="channel-card"][data-id="${account.id}"][data-state="working"]`).waitFor(WAIT)
      for (const part of ['in', 'out', 'token']) {
        assert.notEqual(await c.getByTestId(`channel-health-${part}`).getAttribute('data-at'), '', `${part} is set`)
      }
      assert.equal(await c.getByTestId('channel-grant').getAttribute('data-granted'), 'true')
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'douyin-page.png'), fullPage: true })
    })

    assert.deepEqual(pageErrors, [])
  } finally {
    await admin.context().close()
    await agent.context().close()
  }
})

// The browser story of issue #21's channel secrets and mail servers: the tea shop's admin
// changes a WeChat Official Account's AppSecret after resetting it on the platform (更换密钥;
// an empty one refused first), a mailbox's servers and security (修改服务器) and its 授权码
// (更换密码), each on the channel's card, without connecting again. The secrets are never shown
// back, and the audit log says a secret changed without saying it.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, WAIT, apiSession, closeNotices, launchBrowser, outputDir, settle, signIn, startDemo, stepper, watchPage } from './harness.mjs'

const ADMIN = 'tea-admin'
const NEW_SECRET = 'e2eResetAppSecret0002'
const NEW_CODE = 'qqAuthCodeE2E0002'

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

function card(page, id) {
  return page.locator(`[data-testid="channel-card"][data-id="${id}"]`)
}

async function listed(api, id) {
  const res = await api('GET', '/channels')
  assert.equal(res.status, 200)
  return (await res.json()).channels.find((c) => c.id === id)
}

test('a reset AppSecret, a mailbox’s new servers and 授权码 changed on their cards', { timeout: 240_000 }, async (t) => {
  const admin = await (await browser.newContext(DESKTOP)).newPage()
  watchPage(admin, 'admin', pageErrors)
  const step = stepper(t, { admin }, demo)
  const api = await apiSession(demo.baseUrl, ADMIN)
  let wechatId = ''
  let mailboxId = ''

  try {
    await step('a WeChat account and a mailbox are connected', async () => {
      const wechat = await api('POST', '/channels', {
        kind: 'wechat_mp', app_id: 'wxe2esecret00001', app_secret: 'first-secret', token: 'QDG6eK', mode: 'plain',
      })
      assert.equal(wechat.status, 201)
      wechatId = (await wechat.json()).id
      const mailbox = await api('POST', '/channels', {
        kind: 'email', app_id: 'kefu-secret@qq.com', app_secret: 'qqAuthCodeE2E0001',
        email: { imap_host: 'imap.qq.com', smtp_host: 'smtp.qq.com' },
      })
      assert.equal(mailbox.status, 201)
      mailboxId = (await mailbox.json()).id
      await signIn(admin, demo.baseUrl, ADMIN)
      await admin.getByTestId('channels-link').click()
      await card(admin, wechatId).waitFor(WAIT)
      await closeNotices(admin)
    })

    await step('更换密钥: the WeChat card takes the reset AppSecret, never showing it', async () => {
      const c = card(admin, wechatId)
      await c.getByTestId('channel-secret-change').click()
      const dialog = admin.locator('[data-testid="channel-secret-dialog"]:visible')
      await dialog.waitFor(WAIT)
      assert.equal(await dialog.getAttribute('data-kind'), 'wechat_mp')
      await dialog.getByTestId('channel-secret-save').click()
      await dialog.locator('[data-testid="channel-secret-problem"][data-problem="empty"]').waitFor(WAIT)
      await dialog.getByTestId('channel-secret-input').fill(NEW_SECRET)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'secret-dialog.png') })
      await dialog.getByTestId('channel-secret-save').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      assert.equal(await admin.content().then((html) => html.includes(NEW_SECRET)), false)
      const audit = await (await api('GET', '/audit?action=channel.change')).json()
      const text = JSON.stringify(audit)
      assert.ok(text.includes('"secret_changed":true'), text)
      assert.ok(!text.includes(NEW_SECRET), 'never the secret')
    })

    await step('修改服务器: the mailbox moves to STARTTLS, its card shows the new servers', async () => {
      const c = card(admin, mailboxId)
      await c.getByTestId('channel-email-edit').click()
      const dialog = admin.locator('[data-testid="channel-servers-dialog"]:visible')
      await dialog.waitFor(WAIT)
      await dialog.locator('[data-testid="channel-servers-security"][data-value="starttls"]').click()
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'secret-servers-dialog.png') })
      await dialog.getByTestId('channel-servers-save').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      const email = (await listed(api, mailboxId)).email
      assert.equal(email.security, 'starttls')
      assert.equal(email.smtp_port, 587)
      assert.equal(email.imap_host, 'imap.qq.com')
      await c.getByText('smtp.qq.com:587').waitFor(WAIT)
    })

    await step('更换密码: the mailbox takes a new 授权码', async () => {
      const c = card(admin, mailboxId)
      await c.getByTestId('channel-secret-change').click()
      const dialog = admin.locator('[data-testid="channel-secret-dialog"]:visible')
      await dialog.waitFor(WAIT)
      assert.equal(await dialog.getAttribute('data-kind'), 'email')
      await dialog.getByTestId('channel-secret-input').fill(NEW_CODE)
      await dialog.getByTestId('channel-secret-save').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      assert.equal(await admin.content().then((html) => html.includes(NEW_CODE)), false)
      await settle(admin)
      await c.screenshot({ path: path.join(outputDir, 'secret-email-card.png') })
    })

    assert.deepEqual(pageErrors, [])
  } finally {
    await admin.context().close()
  }
})

// The browser story of issue #21 for the email channel (邮箱) and the channels' settings that
// came with it: the tea shop's admin opens 渠道接入 and connects the shop's QQ mailbox in the
// dialog — the address fills in QQ Mail's servers (the Outlook preset switches them, STARTTLS on
// 587, and back), a fake 授权码 — and reads on the card the servers, the login and the security,
// never the password, with no callback URL (kefu reads the mailbox); pauses and resumes it. A
// phone line (connected through the API) gets new hours and a new records' format from its
// card's 编辑. Overflow (溢出分流, CH-7) is set on the mailbox's card to the after-sales team
// and on the line's to the robot, then switched off again. A WeCom 微信客服 account is
// connected in the dialog with its contact link (客服链接; a http:// one refused first), which
// its card then changes, removes and sets again. Last, the page in English.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). The mailbox is never reached
// (its servers are QQ's; the watcher's error may show on the health line). Screenshots:
// e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, WAIT, apiSession, closeNotices, launchBrowser, outputDir, settle, signIn, startDemo, stepper, watchPage } from './harness.mjs'

const ADMIN = 'tea-admin'
const MAILBOX = { address: 'kefu-test@qq.com', name: '客服邮箱 kefu-test@qq.com' }
/** A fake 授权码: it must never show on the page nor come back from the API. */
const AUTH_CODE = 'qqAuthCodeE2E0001'
const LINE = { number: '4008005678', password: 'e2eLinePushPassword00001' }
const CORP = { corp_id: 'wwe2email0001', name: '山野茶铺 · 微信客服' }
const CONTACT = 'https://work.weixin.qq.com/kfid/kfcE2E0001'
const CONTACT_NEW = 'https://work.weixin.qq.com/kfid/kfcE2E0002'

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

/** The card of the channel named `id`. */
function card(page, id) {
  return page.locator(`[data-testid="channel-card"][data-id="${id}"]`)
}

/** Picks `text` in the open dropdown of an Element Plus select (a time select has no ids). */
async function pickOption(page, select, text) {
  await select.locator('.el-select__wrapper').click()
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: new RegExp(`^\\s*${text}\\s*$`) })
  await option.waitFor(WAIT)
  await option.click()
  await option.waitFor({ state: 'hidden', ...WAIT })
}

/** The channel as the API lists it. */
async function listed(api, id) {
  const res = await api('GET', '/channels')
  assert.equal(res.status, 200)
  return (await res.json()).channels.find((c) => c.id === id)
}

test('email connected in the dialog; a line’s hours, overflow and WeCom’s contact link changed on their cards', { timeout: 300_000 }, async (t) => {
  const admin = await (await browser.newContext(DESKTOP)).newPage()
  watchPage(admin, 'admin', pageErrors)
  const step = stepper(t, { admin }, demo)
  const api = await apiSession(demo.baseUrl, ADMIN)
  let mailboxId = ''
  let lineId = ''
  let corpId = ''

  try {
    await step('the admin picks 邮件 in the dialog: the address fills in QQ Mail’s servers, a 授权码 is asked', async () => {
      await signIn(admin, demo.baseUrl, ADMIN)
      await admin.getByTestId('channels-link').click()
      await admin.waitForURL((url) => url.pathname === '/agent/channels', WAIT)
      await admin.getByTestId('channels-empty').waitFor(WAIT)
      await closeNotices(admin)
      await admin.getByTestId('channel-connect').click()
      const dialog = admin.getByTestId('channel-dialog')
      await dialog.getByTestId('channel-form').waitFor(WAIT)
      const kind = dialog.locator('[data-testid="channel-kind"][data-value="email"]')
      assert.equal(await kind.isDisabled(), false, 'email is no longer coming')
      await kind.getByText('邮件', { exact: true }).waitFor(WAIT)
      assert.equal(await dialog.locator('.soon-tag').count(), 0, 'no kind is still coming')
      await kind.click()
      assert.equal(await kind.getAttribute('aria-checked'), 'true')
      // No account's keys: the mailbox's own fields.
      for (const field of ['channel-form-app-id', 'channel-form-app-secret', 'channel-form-token', 'channel-form-aes-key', 'channel-form-mode', 'channel-form-contact-url']) {
        assert.equal(await dialog.getByTestId(field).count(), 0, `${field} is not asked`)
      }
      await dialog.getByTestId('channel-form-email').waitFor(WAIT)
      assert.equal(await dialog.getByTestId('channel-form-name').getAttribute('placeholder'), '选填，默认为「客服邮箱 + 地址」')
      assert.equal(await dialog.getByTestId('channel-form-address').getAttribute('placeholder'), '如 support@shop.example')
      await dialog.getByText('QQ、163 等邮箱请填授权码', { exact: false }).waitFor(WAIT)
      // The ports' defaults before any server is known.
      assert.equal(await dialog.getByTestId('channel-form-imap-port').inputValue(), '993')
      assert.equal(await dialog.getByTestId('channel-form-smtp-port').inputValue(), '465')

      // Nothing filled in: the address is named first, before anything is sent.
      await dialog.getByTestId('channel-form-submit').click()
      const addressProblem = dialog.locator('[data-testid="channel-form-problem"][data-field="address"]')
      await addressProblem.waitFor(WAIT)
      assert.match(await addressProblem.textContent(), /^请填写一个邮箱地址，如 support@shop\.example/)

      // QQ Mail's servers fill in from the address.
      await dialog.getByTestId('channel-form-address').fill(MAILBOX.address)
      await addressProblem.waitFor({ state: 'detached', ...WAIT })
      const presets = dialog.getByTestId('channel-form-presets')
      await dialog.locator('[data-testid="channel-form-presets"][data-current="qq"]').waitFor(WAIT)
      assert.equal(await presets.locator('[data-testid="channel-form-preset"][data-value="qq"]').getAttribute('aria-pressed'), 'true')
      assert.equal(await dialog.getByTestId('channel-form-imap-host').inputValue(), 'imap.qq.com')
      assert.equal(await dialog.getByTestId('channel-form-smtp-host').inputValue(), 'smtp.qq.com')
      assert.equal(await dialog.getByTestId('channel-form-smtp-port').inputValue(), '465')
      assert.equal(await dialog.locator('[data-testid="channel-form-security"][data-value="tls"]').getAttribute('aria-checked'), 'true')
      assert.equal(await dialog.getByTestId('channel-form-username').getAttribute('placeholder'), MAILBOX.address)

      // Outlook's preset: STARTTLS on 587; then QQ Mail's again.
      await presets.locator('[data-testid="channel-form-preset"][data-value="outlook"]').click()
      assert.equal(await dialog.getByTestId('channel-form-imap-host').inputValue(), 'outlook.office365.com')
      assert.equal(await dialog.getByTestId('channel-form-smtp-host').inputValue(), 'smtp.office365.com')
      assert.equal(await dialog.getByTestId('channel-form-smtp-port').inputValue(), '587')
      assert.equal(await dialog.locator('[data-testid="channel-form-security"][data-value="starttls"]').getAttribute('aria-checked'), 'true')
      await presets.locator('[data-testid="channel-form-preset"][data-value="qq"]').click()
      assert.equal(await dialog.getByTestId('channel-form-smtp-port').inputValue(), '465')
      assert.equal(await dialog.locator('[data-testid="channel-form-security"][data-value="tls"]').getAttribute('aria-checked'), 'true')

      // The 授权码 is required.
      await dialog.getByTestId('channel-form-submit').click()
      const passwordProblem = dialog.locator('[data-testid="channel-form-problem"][data-field="password"]')
      await passwordProblem.waitFor(WAIT)
      assert.equal(await passwordProblem.textContent(), '请填写密码或授权码')
      await dialog.getByTestId('channel-form-mail-password').fill(AUTH_CODE)
      await passwordProblem.waitFor({ state: 'detached', ...WAIT })
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'email-dialog.png') })
    })

    await step('connected: the steps show the servers kept and the mailbox’s own settings, no callback', async () => {
      const dialog = admin.getByTestId('channel-dialog')
      await dialog.getByTestId('channel-form-submit').click()
      const steps = dialog.getByTestId('channel-steps')
      await steps.waitFor(WAIT)
      mailboxId = await steps.getAttribute('data-id')
      await admin.locator('.el-dialog__title', { hasText: '邮箱已接入：确认邮箱的设置' }).waitFor(WAIT)
      await steps.getByText(`「${MAILBOX.name}」已接入`, { exact: false }).waitFor(WAIT)
      assert.equal(await steps.getByTestId('channel-steps-imap').getAttribute('data-value'), 'imap.qq.com:993')
      assert.equal(await steps.getByTestId('channel-steps-smtp').getAttribute('data-value'), 'smtp.qq.com:465')
      assert.equal(await steps.getByTestId('channel-steps-url').count(), 0, 'no callback URL for email')
      const then = steps.getByTestId('channel-steps-then')
      assert.equal(await then.getAttribute('data-kind'), 'email')
      assert.deepEqual(await then.locator('li').evaluateAll((items) => items.map((li) => li.dataset.step)), ['enable', 'reading', 'test'])
      await then.getByText('POP3/IMAP/SMTP', { exact: false }).waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'email-steps.png') })
      await dialog.getByTestId('channel-steps-done').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
    })

    await step('the card shows the address, servers, login and security, how mail is read and sent, and no password', async () => {
      const c = card(admin, mailboxId)
      await c.waitFor(WAIT)
      assert.equal(await c.getAttribute('data-kind'), 'email')
      assert.equal(await c.getAttribute('data-name'), MAILBOX.name)
      assert.equal(await c.getByTestId('channel-app-id').textContent(), MAILBOX.address)
      await c.getByText('邮箱地址', { exact: false }).first().waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-mode').textContent(), 'SSL/TLS')
      assert.equal(await c.getByTestId('channel-email-imap').getAttribute('data-value'), 'imap.qq.com:993')
      assert.equal(await c.getByTestId('channel-email-smtp').getAttribute('data-value'), 'smtp.qq.com:465')
      assert.equal(await c.getByTestId('channel-email-username').getAttribute('data-value'), MAILBOX.address)
      assert.equal(await c.getByTestId('channel-email-security').getAttribute('data-value'), 'tls')
      await c.getByTestId('channel-email-password').getByText('已保存，不会显示').waitFor(WAIT)
      const how = await c.getByTestId('channel-email-how').textContent()
      assert.match(how, /IMAP IDLE/)
      assert.match(how, /SMTP/)
      assert.match(how, /Message-ID/)
      assert.match(how, /回复地址/)
      // Nothing calls kefu: no callback box, no token.
      assert.equal(await c.getByTestId('channel-callback-url').count(), 0)
      assert.equal(await c.getByTestId('channel-token').count(), 0)
      // Mail in and out and the last error; no access token.
      await c.getByTestId('channel-health-in').getByText('最近收到邮件').waitFor(WAIT)
      await c.getByTestId('channel-health-out').getByText('最近发出邮件').waitFor(WAIT)
      await c.getByTestId('channel-health-error').waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-health-token').count(), 0)
      assert.ok(['waiting', 'failing'].includes(await c.getAttribute('data-state')), 'the mailbox is not reached in the test')
      // The password is nowhere: not on the page, not in the API's answer.
      assert.equal((await admin.content()).includes(AUTH_CODE), false, 'the 授权码 is not on the page')
      const held = await listed(api, mailboxId)
      assert.equal(JSON.stringify(held).includes(AUTH_CODE), false, 'the API never sends the 授权码 back')
      assert.equal(held.callback_path, '')
      assert.deepEqual(held.email, { imap_host: 'imap.qq.com', imap_port: 993, smtp_host: 'smtp.qq.com', smtp_port: 465, username: MAILBOX.address, security: 'tls' })
      await settle(admin)
      await c.screenshot({ path: path.join(outputDir, 'email-card.png') })
    })

    await step('the mailbox is paused and resumed from its card', async () => {
      const c = card(admin, mailboxId)
      await c.getByTestId('channel-receiving').click()
      await admin.locator(`[data-testid="channel-card"][data-id="${mailboxId}"][data-paused="true"]`).waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-paused-notice').textContent(), '已暂停：kefu 不再读取该邮箱的新邮件，客服也无法通过它回复')
      assert.equal(await c.getAttribute('data-state'), 'paused')
      assert.equal((await listed(api, mailboxId)).paused, true)
      await c.getByTestId('channel-receiving').click()
      await admin.locator(`[data-testid="channel-card"][data-id="${mailboxId}"][data-paused="false"]`).waitFor(WAIT)
      assert.equal((await listed(api, mailboxId)).paused, false)
    })

    await step('a phone line’s hours and records’ format are changed from its card’s 编辑', async () => {
      const res = await api('POST', '/channels', { kind: 'phone', app_id: LINE.number, token: LINE.password, mode: 'tccc' })
      assert.equal(res.status, 201, await res.clone().text())
      lineId = (await res.json()).id
      await admin.reload()
      const c = card(admin, lineId)
      await c.waitFor(WAIT)
      await closeNotices(admin)
      assert.equal(await c.getByTestId('channel-phone-hours-text').textContent(), '每天 09:00–21:00')
      await c.getByTestId('channel-phone-edit').click()
      const form = c.getByTestId('channel-phone-form')
      await form.waitFor(WAIT)
      const hours = form.getByTestId('channel-edit-hours')
      assert.equal(await hours.getAttribute('data-days'), '1,2,3,4,5,6,7')
      assert.equal(await form.locator('[data-testid="channel-edit-format"][data-value="tccc"]').getAttribute('aria-checked'), 'true')

      // No day at all is refused before anything is sent.
      for (const d of [1, 2, 3, 4, 5, 6, 7]) await form.locator(`[data-testid="channel-edit-day"][data-value="${d}"]`).click()
      await form.locator('[data-testid="channel-edit-hours"][data-days=""]').waitFor(WAIT)
      await form.getByTestId('channel-phone-save').click()
      await form.locator('[data-testid="channel-form-problem"][data-field="hours"]').waitFor(WAIT)

      // Monday to Friday, 08:30–18:00, kefu's generic JSON.
      for (const d of [1, 2, 3, 4, 5]) await form.locator(`[data-testid="channel-edit-day"][data-value="${d}"]`).click()
      await form.locator('[data-testid="channel-edit-hours"][data-days="1,2,3,4,5"]').waitFor(WAIT)
      await pickOption(admin, form.getByTestId('channel-edit-open'), '08:30')
      await pickOption(admin, form.getByTestId('channel-edit-close'), '18:00')
      await form.locator('[data-testid="channel-edit-hours"][data-open="08:30"][data-close="18:00"]').waitFor(WAIT)
      await form.locator('[data-testid="channel-edit-format"][data-value="generic"]').click()
      assert.equal(await form.locator('[data-testid="channel-edit-format"][data-value="generic"]').getAttribute('aria-checked'), 'true')
      await settle(admin)
      await c.screenshot({ path: path.join(outputDir, 'email-phone-edit.png') })
      await form.getByTestId('channel-phone-save').click()
      await form.waitFor({ state: 'detached', ...WAIT })

      assert.equal(await c.getByTestId('channel-phone-hours-text').textContent(), '周一至周五 08:30–18:00')
      const shown = c.getByTestId('channel-phone-hours')
      assert.equal(await shown.getAttribute('data-days'), '1,2,3,4,5')
      assert.equal(await shown.getAttribute('data-open'), '08:30')
      assert.equal(await shown.getAttribute('data-close'), '18:00')
      assert.equal(await c.getByTestId('channel-mode').textContent(), '通用 JSON')
      assert.equal(await c.getByTestId('channel-phone-auth').getAttribute('data-auth'), 'bearer')
      const held = await listed(api, lineId)
      assert.deepEqual(held.hours, { days: [1, 2, 3, 4, 5], open: '08:30', close: '18:00' })
      assert.equal(held.mode, 'generic')
      assert.equal(held.token, LINE.password, 'the push password is kept')
      // A reload reads the same.
      await admin.reload()
      assert.equal(await card(admin, lineId).getByTestId('channel-phone-hours-text').textContent(), '周一至周五 08:30–18:00')
      await settle(admin)
      await card(admin, lineId).screenshot({ path: path.join(outputDir, 'email-phone-card.png') })
    })

    await step('overflow: the mailbox’s new conversations go to the after-sales team once 15 wait', async () => {
      await closeNotices(admin)
      const c = card(admin, mailboxId)
      const strip = c.getByTestId('channel-overflow')
      assert.equal(await strip.getAttribute('data-on'), 'false')
      assert.equal(await c.getByTestId('channel-overflow-text').textContent(), '该渠道的新会话照常排队等待客服')
      await strip.getByText('溢出分流').waitFor(WAIT)
      await c.getByTestId('channel-overflow-edit').click()
      const dialog = admin.locator('[data-testid="overflow-dialog"]:visible')
      await dialog.waitFor(WAIT)
      await admin.locator('.el-dialog__title', { hasText: `溢出分流 · ${MAILBOX.name}` }).waitFor(WAIT)
      await dialog.getByText('当该渠道等待人工的会话达到上限时，新会话先由机器人接待，或进入所选团队的队列。').waitFor(WAIT)
      await dialog.getByTestId('overflow-form-on').click()
      await dialog.locator('[data-testid="overflow-form-on"][data-on="true"]').waitFor(WAIT)
      const limit = dialog.locator('[data-testid="overflow-form-limit"] input')
      await limit.fill('15')
      await limit.press('Tab')
      await dialog.locator('[data-testid="overflow-form-to"][data-value="team"]').click()
      // To a team without one: named before anything is sent.
      await dialog.getByTestId('overflow-form-submit').click()
      await dialog.locator('[data-testid="overflow-form-problem"][data-field="team"]').waitFor(WAIT)
      await dialog.getByTestId('overflow-form-team').click()
      const option = admin.locator('[data-testid="overflow-team-option"][data-value="after_sales"]:visible')
      await option.waitFor(WAIT)
      assert.equal((await option.textContent()).trim(), '售后')
      await option.click()
      await option.waitFor({ state: 'hidden', ...WAIT })
      assert.equal(await dialog.getByTestId('overflow-form-preview').textContent(), '等待人工的会话达到 15 个时，新会话进入「售后」的队列')
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'email-overflow-dialog.png') })
      await dialog.getByTestId('overflow-form-submit').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })

      await admin.locator(`[data-testid="channel-card"][data-id="${mailboxId}"] [data-testid="channel-overflow"][data-on="true"]`).waitFor(WAIT)
      assert.equal(await strip.getAttribute('data-limit'), '15')
      assert.equal(await strip.getAttribute('data-to'), 'team')
      assert.equal(await strip.getAttribute('data-team'), 'after_sales')
      assert.equal(await c.getByTestId('channel-overflow-text').textContent(), '等待人工的会话达到 15 个时，新会话进入「售后」的队列')
      assert.deepEqual((await listed(api, mailboxId)).overflow, { limit: 15, to: 'team', team: 'after_sales' })
      await settle(admin)
      await c.screenshot({ path: path.join(outputDir, 'email-card-overflow.png') })
    })

    await step('a phone line has no overflow: a caller is owed a callback, not a queue', async () => {
      const c = card(admin, lineId)
      await c.getByTestId('channel-phone-hours-text').waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-overflow').count(), 0)
      const refused = await api('PUT', `/channels/${lineId}`, { overflow: { limit: 5, to: 'robot' } })
      assert.equal(refused.status, 400)
    })

    await step('WeCom 微信客服 is connected in the dialog with its contact link (a http:// one refused)', async () => {
      await closeNotices(admin)
      await admin.getByTestId('channel-connect').click()
      const dialog = admin.getByTestId('channel-dialog')
      await dialog.getByTestId('channel-form').waitFor(WAIT)
      await dialog.locator('[data-testid="channel-kind"][data-value="wecom_kf"]').click()
      await dialog.getByTestId('channel-form-name').fill(CORP.name)
      await dialog.getByTestId('channel-form-app-id').fill(CORP.corp_id)
      await dialog.getByTestId('channel-form-app-secret').fill('e2e-wecom-secret-email')
      await dialog.getByTestId('channel-form-token-generate').click()
      await dialog.getByTestId('channel-form-aes-key-generate').click()
      const link = dialog.getByTestId('channel-form-contact-url')
      await dialog.getByText('获取客服链接', { exact: false }).first().waitFor(WAIT)
      await dialog.getByText('转企业微信', { exact: false }).first().waitFor(WAIT)
      await link.fill(CONTACT.replace('https://', 'http://'))
      await dialog.getByTestId('channel-form-submit').click()
      const problem = dialog.locator('[data-testid="channel-form-problem"][data-field="contactUrl"]')
      await problem.waitFor(WAIT)
      assert.match(await problem.textContent(), /^请填写 https:\/\/ 开头的完整链接/)
      await link.fill(CONTACT)
      await problem.waitFor({ state: 'detached', ...WAIT })
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'email-wecom-dialog.png') })
      await dialog.getByTestId('channel-form-submit').click()
      const steps = dialog.getByTestId('channel-steps')
      await steps.waitFor(WAIT)
      corpId = await steps.getAttribute('data-id')
      assert.equal(await steps.getByTestId('channel-steps-contact-url').getAttribute('data-value'), CONTACT)
      await dialog.getByTestId('channel-steps-done').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      const c = card(admin, corpId)
      await c.waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-contact-url').getAttribute('data-value'), CONTACT)
      await c.getByTestId('channel-contact').getByText('转企业微信', { exact: false }).waitFor(WAIT)
      assert.equal((await listed(api, corpId)).contact_url, CONTACT)
    })

    await step('the WeCom card changes its contact link, removes it and sets it again', async () => {
      const c = card(admin, corpId)
      await c.getByTestId('channel-contact-edit').click()
      const input = c.getByTestId('channel-contact-input')
      assert.equal(await input.inputValue(), CONTACT)
      await input.fill('work.weixin.qq.com/kfid/kfcE2E0002')
      await c.getByTestId('channel-contact-save').click()
      await c.getByTestId('channel-contact-problem').waitFor(WAIT)
      await input.fill(CONTACT_NEW)
      await c.getByTestId('channel-contact-save').click()
      await c.getByTestId('channel-contact-form').waitFor({ state: 'detached', ...WAIT })
      assert.equal(await c.getByTestId('channel-contact-url').getAttribute('data-value'), CONTACT_NEW)
      assert.equal((await listed(api, corpId)).contact_url, CONTACT_NEW)

      await c.getByTestId('channel-contact-remove').click()
      await c.getByTestId('channel-contact-none').waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-contact-none').textContent(), '未设置')
      assert.equal((await listed(api, corpId)).contact_url ?? null, null)

      await c.getByTestId('channel-contact-edit').getByText('设置客服链接').waitFor(WAIT)
      await c.getByTestId('channel-contact-edit').click()
      await c.getByTestId('channel-contact-input').fill(CONTACT)
      await c.getByTestId('channel-contact-input').press('Enter')
      await c.getByTestId('channel-contact-form').waitFor({ state: 'detached', ...WAIT })
      assert.equal(await c.getByTestId('channel-contact-url').getAttribute('data-value'), CONTACT)
      assert.equal((await listed(api, corpId)).contact_url, CONTACT)
      await settle(admin)
      await c.screenshot({ path: path.join(outputDir, 'email-wecom-card.png') })
    })

    await step('overflow: WeCom’s go to the robot first, then the rule is switched off', async () => {
      const c = card(admin, corpId)
      await c.getByTestId('channel-overflow-edit').click()
      const dialog = admin.locator('[data-testid="overflow-dialog"]:visible')
      await dialog.waitFor(WAIT)
      await dialog.getByTestId('overflow-form-on').click()
      // The robot is the default; the limit offered is 20.
      assert.equal(await dialog.locator('[data-testid="overflow-form-to"][data-value="robot"]').getAttribute('aria-checked'), 'true')
      assert.equal(await dialog.locator('[data-testid="overflow-form-limit"] input').inputValue(), '20')
      assert.equal(await dialog.getByTestId('overflow-form-team').count(), 0, 'no team to pick for the robot')
      await dialog.getByTestId('overflow-form-submit').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      await admin.locator(`[data-testid="channel-card"][data-id="${corpId}"] [data-testid="channel-overflow"][data-on="true"]`).waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-overflow-text').textContent(), '等待人工的会话达到 20 个时，新会话先由机器人接待')
      assert.deepEqual((await listed(api, corpId)).overflow, { limit: 20, to: 'robot', team: null })

      await c.getByTestId('channel-overflow-edit').click()
      await dialog.waitFor(WAIT)
      await dialog.locator('[data-testid="overflow-form-on"][data-on="true"]').waitFor(WAIT)
      await dialog.getByTestId('overflow-form-on').click()
      await dialog.getByTestId('overflow-form-submit').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      await admin.locator(`[data-testid="channel-card"][data-id="${corpId}"] [data-testid="channel-overflow"][data-on="false"]`).waitFor(WAIT)
      assert.equal((await listed(api, corpId)).overflow ?? null, null)
      // The mailbox's rule is its own.
      assert.equal(await card(admin, mailboxId).getByTestId('channel-overflow').getAttribute('data-on'), 'true')
    })

    await step('the page as the merchant sees it, in Chinese and in English', async () => {
      await admin.reload()
      await card(admin, mailboxId).waitFor(WAIT)
      await closeNotices(admin)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'email-channels-page.png'), fullPage: true })
      await admin.getByTestId('lang-switch').click()
      const c = card(admin, mailboxId)
      await c.getByTestId('channel-email-password').getByText('Saved, never shown').waitFor(WAIT)
      assert.equal(await c.getByTestId('channel-overflow-text').textContent(), 'Once 15 conversations wait for an agent, new ones go to the After-sales queue')
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'email-channels-page-en.png'), fullPage: true })
      // The connect form in English too.
      await admin.getByTestId('channel-connect').click()
      const dialog = admin.getByTestId('channel-dialog')
      await dialog.getByTestId('channel-form').waitFor(WAIT)
      await dialog.locator('[data-testid="channel-kind"][data-value="email"]').click()
      await dialog.getByTestId('channel-form-address').fill('support@outlook.com')
      await dialog.locator('[data-testid="channel-form-presets"][data-current="outlook"]').waitFor(WAIT)
      await dialog.getByText('Password or app password').waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'email-dialog-en.png') })
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      await admin.getByTestId('lang-switch').click()
      await c.getByTestId('channel-email-password').getByText('已保存，不会显示').waitFor(WAIT)
    })

    assert.deepEqual(pageErrors, [])
  } finally {
    await admin.context().close()
  }
})

// The browser story of issue #21's one inbox: buyers reach the tea shop on five channels at once —
// the web chat page, a WeChat Official Account (plain mode), the phone line (a missed call's
// record from TCCC), Douyin (a private message) and WeCom 微信客服 (pulled from a fake of WeCom's
// API) — each pushed as its platform does (platforms.mjs). The admin opens the workbench's
// 进行中 list, which holds every open conversation: each row from another platform carries its
// channel's badge (the web chat's go unmarked), readable and whole, and the screenshot shows them
// together.
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
  until,
  watchPage,
} from './harness.mjs'
import { douyinMessage, douyinWebhook, startFakeWecom, tcccMissedCall, tcccPush, wechatPush, wecomNotify } from './platforms.mjs'

const SHOP = 'shanye-tea'
const ADMIN = 'tea-admin'

/** What each buyer writes, and what the row names them. */
const WEB = { text: '你好，明前龙井还有现货吗？' }
const WECHAT = {
  channel: { kind: 'wechat_mp', name: '山野茶铺服务号', app_id: 'wx5823bf96d3bd56c7', app_secret: 's', token: 'QDG6eK', mode: 'plain' },
  openid: 'oOPENID0001',
  text: '请问今天能发货吗',
  buyer: '微信用户0001',
}
const PHONE_LINE = {
  channel: { kind: 'phone', name: '客服热线', app_id: '4008001234', token: 'e2eInboxPushPassword0001' },
  caller: '13812348888',
  buyer: '来电 138****8888',
}
const DOUYIN = {
  channel: { kind: 'douyin', name: '山野茶铺抖音号', app_id: 'awe2einbox0001', app_secret: 'e2e-inbox-douyin-secret' },
  from: 'e2e-inbox-douyin-buyer',
  to: 'e2e-inbox-douyin-account',
  buyer: '抖音买家小李',
  text: '直播间那款茶饼还有吗',
}
const WECOM = {
  channel: {
    kind: 'wecom_kf',
    name: '山野茶铺微信客服',
    app_id: 'ww5823bf96d3bd56c7',
    app_secret: 'kf-secret',
    token: 'QDG6eK',
    aes_key: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  },
  openKfid: 'wkInbox0001',
  externalUser: 'wmInboxBuyer7788',
  text: '白茶礼盒可以开发票吗',
  buyer: '微信客户7788',
}
/** Each platform's badge on its rows: the short name, and the full one on hover. */
const BADGES = {
  wechat_mp: { short: '公众号', title: '微信公众号' },
  wecom: { short: '企业微信', title: '企业微信' },
  douyin: { short: '抖音', title: '抖音' },
  phone: { short: '电话', title: '电话' },
}

let demo
let browser
let wecom
const pageErrors = []

before(async () => {
  wecom = await startFakeWecom({ openKfid: WECOM.openKfid, buyer: WECOM.externalUser, question: WECOM.text })
  demo = await startDemo()
  browser = await launchBrowser()
})

after(async () => {
  try {
    await browser?.close()
  } finally {
    await demo?.stop()
    wecom?.close()
  }
})

test('one inbox: web chat, WeChat, the phone line, Douyin and WeCom side by side, each row marked', { timeout: 240_000 }, async (t) => {
  const buyer = await (await browser.newContext(PHONE)).newPage()
  const admin = await (await browser.newContext(DESKTOP)).newPage()
  for (const [who, page] of Object.entries({ buyer, admin })) watchPage(page, who, pageErrors)
  const step = stepper(t, { buyer, admin }, demo)
  const api = await apiSession(demo.baseUrl, ADMIN)

  /** Connects `input` through the API; the channel as answered. */
  async function connect(input) {
    const res = await api('POST', '/channels', input)
    assert.equal(res.status, 201, `${input.kind}: ${await res.clone().text()}`)
    return res.json()
  }

  try {
    await step('a buyer writes on the web chat page', async () => {
      await buyerWrites(buyer, demo.baseUrl, SHOP, WEB.text)
    })

    await step('a WeChat follower writes to the Official Account (plain mode)', async () => {
      const account = await connect(WECHAT.channel)
      const pushed = await wechatPush(demo.baseUrl, account.id, { token: WECHAT.channel.token, openid: WECHAT.openid, text: WECHAT.text, msgId: '10001', to: 'gh_1' })
      assert.equal(pushed.status, 200, pushed.text)
      assert.equal(pushed.text, 'success')
    })

    await step('a caller rings the hotline and hangs up in the queue: TCCC pushes the missed call', async () => {
      const line = await connect(PHONE_LINE.channel)
      const url = `${line.callback_url ?? `${demo.baseUrl}${line.callback_path}`}?action=cdr&version=1`
      const record = tcccMissedCall({ session: 'e2e-inbox-call-1', caller: PHONE_LINE.caller, callee: PHONE_LINE.channel.app_id })
      const pushed = await tcccPush(url, PHONE_LINE.channel.token, record)
      assert.equal(pushed.status, 200, pushed.text)
      assert.deepEqual(JSON.parse(pushed.text), { ErrCode: 0, ErrMsg: '' })
    })

    await step('a Douyin user sends the enterprise account a private message', async () => {
      const account = await connect(DOUYIN.channel)
      const event = douyinMessage({
        clientKey: DOUYIN.channel.app_id,
        from: DOUYIN.from,
        fromName: DOUYIN.buyer,
        to: DOUYIN.to,
        toName: '山野茶铺',
        text: DOUYIN.text,
        msgId: '@inbox1',
      })
      const pushed = await douyinWebhook(demo.baseUrl, account.id, DOUYIN.channel.app_secret, event)
      assert.equal(pushed.status, 200, pushed.text)
    })

    await step('a WeChat user writes to the WeCom 微信客服 account: WeCom notifies, kefu pulls', async () => {
      const corp = await connect({ ...WECOM.channel, api_base: wecom.base })
      const notified = await wecomNotify(demo.baseUrl, corp.id, {
        token: WECOM.channel.token,
        aesKey: WECOM.channel.aes_key,
        corpId: WECOM.channel.app_id,
        openKfid: WECOM.openKfid,
        callbackToken: 'ENCinboxSyncToken01',
      })
      assert.equal(notified.status, 200, notified.text)
      assert.equal(notified.text, 'success')
      await until(() => wecom.pulls.length > 0, 'kefu pulls the kf account')
    })

    await step('the admin’s 进行中 list shows all five, each platform’s row with its badge', async () => {
      await signIn(admin, demo.baseUrl, ADMIN)
      await closeNotices(admin)
      await showTab(admin, 'open')
      const list = admin.getByTestId('conversation-list')
      const box = await list.boundingBox()
      const rows = {
        web: admin.locator('[data-testid="conversation-item"][data-channel="web"]', { hasText: WEB.text }),
        wechat_mp: admin.locator('[data-testid="conversation-item"][data-channel="wechat_mp"]', { hasText: WECHAT.buyer }),
        phone: admin.locator('[data-testid="conversation-item"][data-channel="phone"]', { hasText: PHONE_LINE.buyer }),
        douyin: admin.locator('[data-testid="conversation-item"][data-channel="douyin"]', { hasText: DOUYIN.buyer }),
        wecom: admin.locator('[data-testid="conversation-item"][data-channel="wecom"]', { hasText: WECOM.buyer }),
      }
      for (const [channel, row] of Object.entries(rows)) {
        await row.waitFor(WAIT)
        const b = await row.boundingBox()
        assert.ok(b && b.y >= box.y && b.y + b.height <= box.y + box.height, `the ${channel} conversation is in view without scrolling`)
      }
      // The web chat goes unmarked; every other platform's row carries its own badge, whole.
      assert.equal(await rows.web.getByTestId('channel-badge').count(), 0)
      for (const [channel, want] of Object.entries(BADGES)) {
        const row = rows[channel]
        const badge = row.getByTestId('channel-badge')
        assert.equal(await badge.getAttribute('data-channel'), channel)
        assert.equal((await badge.textContent()).trim(), want.short, `${channel}'s badge`)
        assert.equal(await badge.getAttribute('title'), want.title)
        assert.equal(await badge.locator(`.icon.${channel} svg`).count(), 1, `${channel}'s mark`)
        const fits = await badge.evaluate((el) => {
          const b = el.getBoundingClientRect()
          const r = el.closest('[data-testid="conversation-item"]').getBoundingClientRect()
          return el.scrollWidth <= el.clientWidth + 1 && b.right <= r.right && b.left >= r.left && b.height <= 20
        })
        assert.ok(fits, `${channel}'s badge is whole, on one line and inside its row`)
      }
      // No two of a row's last-line items overlap (assignee, badge, wait timer, 抢单).
      for (const [channel, row] of Object.entries(rows)) {
        const overlaps = await row.evaluate((el) => {
          const items = [...el.querySelectorAll('.line3 > *')].map((x) => x.getBoundingClientRect()).filter((b) => b.width > 0)
          return items.some((a, i) => items.slice(i + 1).some((b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom && b.top < a.bottom))
        })
        assert.equal(overlaps, false, `nothing overlaps on the ${channel} row`)
      }
      const seen = await list.locator('[data-testid="channel-badge"]').evaluateAll((badges) => [...new Set(badges.map((b) => b.dataset.channel))].sort())
      assert.deepEqual(seen, ['douyin', 'phone', 'wechat_mp', 'wecom'], 'four different platforms’ badges in the list')

      // The WeChat buyer open beside the list: the header names the platform too.
      await rows.wechat_mp.click()
      await admin.locator('[data-testid="pane-channel"][data-channel="wechat_mp"]').waitFor(WAIT)
      await admin.getByTestId('message-list').getByText(WECHAT.text).waitFor(WAIT)
      // The demo raises notices by the clock: none may lie over the picture.
      await until(async () => {
        await closeNotices(admin)
        await settle(admin)
        return (await admin.locator('.el-notification').count()) === 0
      }, 'the notices closed', 10_000)
      await admin.screenshot({ path: path.join(outputDir, 'inbox-channels.png') })
      await list.screenshot({ path: path.join(outputDir, 'inbox-channels-list.png') })
    })

    assert.deepEqual(pageErrors, [])
  } finally {
    await buyer.context().close()
    await admin.context().close()
  }
})

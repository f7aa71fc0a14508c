// The browser story of issue #21, CH-1: the web widget (网站聊天插件). The tea shop's admin opens
// 渠道接入 and connects a widget in the dialog for the shop's own site — a plain page served here
// on another origin than kefu (http://localhost:<port>, port and all), whose CSS is hostile to
// anything added to it — in the shop's colour, and copies the script tag from the card. A member
// on a desk opens the site with the tag (and their identity token on it): the bubble sits in the
// bottom-right corner in the shop's colour, untouched by the site's CSS; it opens the chat in a
// panel; the member writes there, a pre-sales agent finds them by name in the workbench and
// replies, and the reply shows in the panel. With the panel shut (收起 in the frame), the next
// reply puts a red 1 on the bubble. On a phone the panel fills the screen and hides the bubble
// until 收起; the member is the same buyer there, with the same conversation. The chat page is framed only by the widget's sites (CSP `frame-ancestors`): another
// site with the same tag gets a bubble but no chat, until the admin adds it in the card's 编辑 —
// with a new colour and the bubble moved left, which that site then shows. Paused, the script
// does nothing.
//
// The widget's bubble lives in a closed shadow root the site cannot reach; to read it, the test
// keeps the roots the site's pages attach (a hook on `attachShadow` added before any script).
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import http from 'node:http'
import path from 'node:path'
import {
  DESKTOP,
  PHONE,
  WAIT,
  apiSession,
  closeNotices,
  launchBrowser,
  outputDir,
  settle,
  signIn,
  startDemo,
  stepper,
  until,
  watchPage,
} from './harness.mjs'

const SHOP = 'shanye-tea'
const SHOP_NAME = '山野茶铺'
const ADMIN = 'tea-admin'
/** In the pre-sales team: takes conversations from the queue and replies. */
const AGENT = 'tea-pre1'
const COLOR = '#0f766e'
const COLOR_RGB = 'rgb(15, 118, 110)'
const NEW_COLOR = '#dc2626'
const NEW_COLOR_RGB = 'rgb(220, 38, 38)'
/** The member signed in on the shop's site, named by their identity token. */
const MEMBER = { sub: 'site-member-0001', name: '网站会员周女士' }
const QUESTION = '你好，官网上的明前龙井还有货吗？'
const REPLY = '您好，明前龙井有现货，今天下单明天发货～'
const REPLY_2 = '另外现在下单还送一个小罐装试饮～'
const PHONE_QUESTION = '手机上看，请问包邮吗'

let demo
let browser
const pageErrors = []

/** The shop's own site (`site`, the widget's) and a site it is not on (`other`): plain pages
 *  with hostile CSS and the tag the admin copied (`tag`, set once copied). */
const sites = { site: null, other: null, tag: '' }

/** A site's page: everything it styles is loud, every `div` inline, every button yellow and
 *  bordered in red, every svg and iframe mangled — none of it may reach the widget. */
function sitePage(title, tag) {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  * { font-family: serif !important; color: red !important; letter-spacing: 3px !important; line-height: 2.4 !important; }
  button { background: yellow !important; border: 5px solid red !important; border-radius: 0 !important; padding: 18px !important; }
  div { display: inline !important; }
  svg { display: none !important; }
  iframe { border: 8px dashed red !important; width: 40px !important; height: 40px !important; }
  body { margin: 0; padding: 24px; background: #fffbe6; }
  h1 { font-size: 40px; }
</style>
</head>
<body>
  <h1>${title}</h1>
  <div>明前龙井 · 新茶上市</div><div>白茶 · 老树茶饼</div>
  <p>这是店铺自己的网站：样式很“凶”，所有按钮都是黄色的。</p>
  <button type="button" id="site-button">网站自己的按钮</button>
  ${tag}
</body>
</html>`
}

/** Serves `page()` at `/` on 127.0.0.1; the browser calls it `http://localhost:<port>`. */
function startSite(title) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      if (req.url === '/' || req.url.startsWith('/?') || req.url === '/index.html') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
        res.end(sitePage(title, server.tag ?? ''))
        return
      }
      res.writeHead(404).end()
    })
    server.listen(0, '127.0.0.1', () => {
      server.origin = `http://localhost:${server.address().port}`
      resolve(server)
    })
  })
}

/** A member login as the shop's backend signs it: HS256 with the shop's identity secret
 *  (docs/entry-links.md). */
function memberToken(secret, { sub, name }) {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, name, exp: Math.floor(Date.now() / 1000) + 3600 })}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

before(async () => {
  sites.site = await startSite('山野茶铺官网')
  sites.other = await startSite('别人的网站')
  demo = await startDemo()
  browser = await launchBrowser()
})

after(async () => {
  try {
    await browser?.close()
  } finally {
    await demo?.stop()
    sites.site?.close()
    sites.other?.close()
  }
})

/** Before any of a site's scripts: keeps the shadow roots it attaches (closed ones too) and the
 *  messages its window receives, for the test to read. kefu's own pages are left alone. */
async function watchSite(context) {
  await context.addInitScript((origins) => {
    if (!origins.includes(location.origin)) return
    const attach = Element.prototype.attachShadow
    window.__roots = []
    window.__messages = []
    Element.prototype.attachShadow = function (init) {
      const root = attach.call(this, init)
      window.__roots.push(root)
      return root
    }
    window.addEventListener('message', (event) => window.__messages.push({ origin: event.origin, data: event.data }))
  }, [sites.site.origin, sites.other.origin])
}

/** The widget as it shows on `page`: its bubble, badge, panel and frame, read in its root. */
function widget(page) {
  return page.evaluate(() => {
    const root = window.__roots?.[0]
    if (!root) return null
    const bubble = root.querySelector('.bubble')
    const badge = root.querySelector('.badge')
    const panel = root.querySelector('.panel')
    const frame = panel.querySelector('iframe')
    const box = (el) => {
      const r = el.getBoundingClientRect()
      return { left: r.left, top: r.top, right: window.innerWidth - r.right, bottom: window.innerHeight - r.bottom, width: r.width, height: r.height }
    }
    const b = getComputedStyle(bubble)
    return {
      mode: root.mode,
      bubble: {
        box: box(bubble),
        display: b.display,
        background: b.backgroundColor,
        border: b.borderTopWidth,
        radius: b.borderTopLeftRadius,
        font: b.fontFamily,
        color: b.color,
        expanded: bubble.getAttribute('aria-expanded'),
        label: bubble.getAttribute('aria-label'),
        icon: getComputedStyle(bubble.querySelector('svg')).display,
      },
      badge: { text: badge.textContent, display: getComputedStyle(badge).display, letterSpacing: getComputedStyle(badge).letterSpacing },
      panel: { open: panel.classList.contains('open'), display: getComputedStyle(panel).display, box: box(panel) },
      frame: frame ? { src: frame.src, border: getComputedStyle(frame).borderTopWidth, box: box(frame) } : null,
      messages: window.__messages,
    }
  })
}

/** The chat page in the widget's frame (the shadow root is closed to locators, not to frames). */
function chatFrame(page) {
  return until(() => page.frames().find((f) => f.url().includes(`/chat/${SHOP}?embed=1`)), 'the chat frame', 15_000)
}

/** The bubble's middle: 20 px from the corner, 56 px across. */
function bubbleSpot(viewport, side = 'right') {
  return { x: side === 'right' ? viewport.width - 48 : 48, y: viewport.height - 48 }
}

const said = (frame, sender, text) => frame.locator(`[data-testid="message"][data-sender="${sender}"]`, { hasText: text })

test('a web widget on the shop’s own site: connected, copied, a member writes from the bubble, an agent replies', { timeout: 360_000 }, async (t) => {
  const adminContext = await browser.newContext(DESKTOP)
  await adminContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demo.baseUrl })
  const admin = await adminContext.newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  const memberContext = await browser.newContext(DESKTOP)
  await watchSite(memberContext)
  const member = await memberContext.newPage()
  const phoneContext = await browser.newContext(PHONE)
  await watchSite(phoneContext)
  const phone = await phoneContext.newPage()
  const pages = { admin, agent, member, phone }
  for (const [who, page] of Object.entries(pages)) watchPage(page, who, pageErrors)
  const step = stepper(t, pages, demo)
  const api = await apiSession(demo.baseUrl, ADMIN)
  /** The widget as the dialog connected it. */
  let id = ''
  let scriptUrl = ''
  let frame = null

  try {
    await step('the admin picks 网站聊天插件 in the dialog: sites, a colour and a side, no keys', async () => {
      await signIn(admin, demo.baseUrl, ADMIN)
      await admin.getByTestId('channels-link').click()
      await admin.waitForURL((url) => url.pathname === '/agent/channels', WAIT)
      await admin.getByTestId('channels-empty').waitFor(WAIT)
      await closeNotices(admin)
      await admin.getByTestId('channel-connect').click()
      const dialog = admin.getByTestId('channel-dialog')
      await dialog.getByTestId('channel-form').waitFor(WAIT)
      const kind = dialog.locator('[data-testid="channel-kind"][data-value="widget"]')
      assert.equal(await kind.isDisabled(), false, 'the widget is no longer coming')
      await kind.getByText('网站聊天插件', { exact: true }).waitFor(WAIT)
      // The phone line (phone.test.mjs) and email (email.test.mjs) are connected here too now.
      for (const other of ['phone', 'email']) {
        assert.equal(await dialog.locator(`[data-testid="channel-kind"][data-value="${other}"]`).isDisabled(), false, `${other} is no longer coming`)
      }
      await kind.click()
      assert.equal(await kind.getAttribute('aria-checked'), 'true')
      for (const field of ['channel-form-app-id', 'channel-form-app-secret', 'channel-form-token', 'channel-form-aes-key', 'channel-form-mode']) {
        assert.equal(await dialog.getByTestId(field).count(), 0, `${field} is not asked`)
      }
      await dialog.getByTestId('channel-form-widget').waitFor(WAIT)
      assert.equal(await dialog.getByTestId('channel-form-name').getAttribute('placeholder'), '选填，默认为「网站聊天插件」')
      const preview = dialog.getByTestId('channel-form-preview')
      assert.equal(await preview.getAttribute('data-color'), '#2563eb', 'the default colour')
      assert.equal(await preview.getAttribute('data-position'), 'right')

      // No site, then one without its scheme: the field says why before anything is sent.
      await dialog.getByTestId('channel-form-submit').click()
      const problem = dialog.locator('[data-testid="channel-form-problem"][data-field="origins"]')
      await problem.waitFor(WAIT)
      assert.equal(await problem.textContent(), '请至少填写一个网站地址')
      const bare = sites.site.origin.replace('http://', '')
      await dialog.getByTestId('channel-form-origins').fill(bare)
      await dialog.getByTestId('channel-form-submit').click()
      await problem.waitFor(WAIT)
      assert.equal(await problem.textContent(), `「${bare}」不是网站地址：请以 https:// 或 http:// 开头，如 https://shop.example.com`)

      // The page's whole address is fine: only its origin is kept. The colour typed in capitals.
      await dialog.getByTestId('channel-form-origins').fill(`${sites.site.origin}/index.html`)
      await dialog.getByTestId('channel-form-color').fill(COLOR.toUpperCase())
      assert.equal(await preview.getAttribute('data-color'), COLOR)
      assert.equal(await dialog.locator(`[data-testid="channel-form-swatch"][data-value="${COLOR}"]`).getAttribute('aria-checked'), 'true')
      assert.equal(await dialog.locator('[data-testid="channel-form-position"][data-value="right"]').getAttribute('aria-checked'), 'true')
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'widget-dialog.png') })
    })

    await step('connected, the dialog gives the tag to paste, plain and with a member’s identity', async () => {
      const dialog = admin.getByTestId('channel-dialog')
      await dialog.getByTestId('channel-form-submit').click()
      const steps = dialog.getByTestId('channel-steps')
      await steps.waitFor(WAIT)
      id = await steps.getAttribute('data-id')
      scriptUrl = `${demo.baseUrl}/widget/${id}.js`
      await admin.locator('.el-dialog__title', { hasText: '最后一步：把代码放到网站上' }).waitFor(WAIT)
      await steps.getByText('「网站聊天插件」已接入', { exact: false }).waitFor(WAIT)
      assert.equal(await steps.getByTestId('channel-steps-snippet').getAttribute('data-value'), `<script src="${scriptUrl}" async></script>`)
      await steps.getByTestId('channel-steps-snippet').getByText('嵌入代码').waitFor(WAIT)
      assert.equal(
        await steps.getByTestId('channel-steps-identity').getAttribute('data-value'),
        `<script src="${scriptUrl}" data-identity="会员身份令牌" async></script>`,
      )
      for (const absent of ['channel-steps-url', 'channel-steps-token', 'channel-steps-aes-key', 'channel-steps-redirect', 'channel-steps-mode']) {
        assert.equal(await steps.getByTestId(absent).count(), 0, `${absent} is not shown`)
      }
      const then = steps.getByTestId('channel-steps-then')
      assert.equal(await then.getAttribute('data-kind'), 'widget')
      assert.deepEqual(await then.locator('li').evaluateAll((items) => items.map((li) => li.dataset.step)), ['paste', 'identity', 'test'])
      await then.getByText('</body>', { exact: false }).waitFor(WAIT)
      await then.getByText('docs/entry-links.md', { exact: false }).waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'widget-steps.png') })
      await dialog.getByTestId('channel-steps-done').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
    })

    await step('the card shows the tag, the site, the colour and the side; its 复制 copies the tag', async () => {
      const card = admin.locator(`[data-testid="channel-card"][data-id="${id}"]`)
      await card.waitFor(WAIT)
      assert.equal(await card.getAttribute('data-kind'), 'widget')
      assert.equal(await card.getAttribute('data-name'), '网站聊天插件')
      assert.equal(await card.getAttribute('data-state'), 'working')
      assert.equal(await card.getByTestId('channel-state').textContent(), '已启用')
      assert.equal(await card.getByTestId('channel-widget-color').getAttribute('data-value'), COLOR)
      assert.equal(await card.getByTestId('channel-widget-position').getAttribute('data-value'), 'right')
      await card.getByTestId('channel-widget-position').getByText('右下角', { exact: false }).waitFor(WAIT)
      assert.deepEqual(await card.getByTestId('channel-widget-origin').evaluateAll((items) => items.map((li) => li.dataset.value)), [sites.site.origin])
      // A widget has no AppID, token, callback or health line: its buyers write through the chat page.
      for (const absent of ['channel-app-id', 'channel-token', 'channel-callback-url', 'channel-health']) {
        assert.equal(await card.getByTestId(absent).count(), 0, `${absent} is not shown`)
      }
      await card.getByTestId('channel-widget-identity-hint').getByText('data-identity', { exact: false }).waitFor(WAIT)
      const snippet = card.getByTestId('channel-widget-snippet')
      assert.equal(await snippet.getAttribute('data-value'), `<script src="${scriptUrl}" async></script>`)
      await snippet.getByTestId('channel-widget-snippet-copy').click()
      await admin.locator('.el-message', { hasText: '已复制' }).waitFor(WAIT)
      sites.tag = await admin.evaluate(() => navigator.clipboard.readText())
      assert.equal(sites.tag, `<script src="${scriptUrl}" async></script>`)

      const listed = (await (await api('GET', '/channels')).json()).channels.find((c) => c.id === id)
      assert.equal(listed.kind, 'widget')
      assert.equal(listed.mode, 'widget')
      assert.equal(listed.token, '')
      assert.equal(listed.callback_path, `/widget/${id}.js`)
      assert.deepEqual(listed.origins, [sites.site.origin])
      assert.equal(listed.color, COLOR)
      assert.equal(listed.position, 'right')
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'widget-card.png'), fullPage: true })
    })

    await step('kefu serves the script, and lets only the widget’s site frame the chat page', async () => {
      const script = await fetch(scriptUrl)
      assert.equal(script.status, 200)
      assert.match(script.headers.get('content-type'), /^text\/javascript/)
      assert.equal(script.headers.get('cross-origin-resource-policy'), 'cross-origin')
      const body = await script.text()
      assert.ok(body.includes(`"color":"${COLOR}"`), 'the shop’s colour is in the script')
      assert.ok(body.includes(`"shop":"${SHOP}"`))
      assert.ok(body.includes('"position":"right"'))
      const unknown = await fetch(`${demo.baseUrl}/widget/00000000-0000-4000-8000-000000000000.js`)
      assert.equal(unknown.status, 404)

      const csp = async (query) => (await fetch(`${demo.baseUrl}/chat/${SHOP}${query}`)).headers.get('content-security-policy')
      const framed = await csp(`?embed=1&widget=${id}`)
      assert.match(framed, new RegExp(`frame-ancestors 'self' ${sites.site.origin}(;|$)`), framed)
      assert.ok(!framed.includes(sites.other.origin), 'another site may not frame it')
      // Without the widget, or on another shop's chat page, only kefu may.
      assert.match(await csp('?embed=1'), /frame-ancestors 'self'(;|$)/)
      const elsewhere = (await fetch(`${demo.baseUrl}/chat/chaowan-digital?embed=1&widget=${id}`)).headers.get('content-security-policy')
      assert.ok(!elsewhere.includes(sites.site.origin), 'another shop’s chat page is not the widget’s')
    })

    await step('on the site, a member sees the bubble bottom-right in the shop’s colour, untouched by the site’s CSS', async () => {
      const secret = await api('POST', '/settings/identity-secret/reveal', {})
      assert.equal(secret.status, 200, await secret.clone().text())
      const token = memberToken((await secret.json()).secret, MEMBER)
      // The shop's backend puts the signed-in member's token on the tag.
      sites.site.tag = sites.tag.replace(' async>', ` data-identity="${token}" async>`)
      sites.other.tag = sites.tag
      await member.goto(`${sites.site.origin}/`)
      await member.locator(`[data-kefu-widget="${id}"]`).waitFor({ state: 'attached', ...WAIT })
      const w = await until(() => widget(member), 'the widget’s root')
      assert.equal(w.mode, 'closed', 'the site cannot reach into the widget')
      // The site's CSS is really hostile to its own button…
      const siteButton = await member.locator('#site-button').evaluate((b) => getComputedStyle(b).backgroundColor)
      assert.equal(siteButton, 'rgb(255, 255, 0)')
      // …and none of it reaches the bubble.
      assert.equal(w.bubble.background, COLOR_RGB)
      assert.equal(w.bubble.color, 'rgb(255, 255, 255)')
      assert.equal(w.bubble.border, '0px')
      assert.equal(w.bubble.radius, '50%')
      assert.doesNotMatch(w.bubble.font, /^serif/)
      assert.equal(w.bubble.icon, 'block', 'its icon shows despite `svg { display: none }`')
      assert.deepEqual(
        { right: w.bubble.box.right, bottom: w.bubble.box.bottom, width: w.bubble.box.width, height: w.bubble.box.height },
        { right: 20, bottom: 20, width: 56, height: 56 },
      )
      assert.equal(w.bubble.label, '在线客服')
      assert.equal(w.badge.display, 'none')
      assert.equal(w.panel.open, false)
      assert.equal(w.frame, null, 'the chat loads only when opened')
      await member.screenshot({ path: path.join(outputDir, 'widget-site.png') })
    })

    await step('the bubble opens the chat in a panel; the member writes from it', async () => {
      const spot = bubbleSpot(DESKTOP.viewport)
      await member.mouse.click(spot.x, spot.y)
      const w = await until(async () => {
        const now = await widget(member)
        return now?.panel.open && now.frame ? now : null
      }, 'the panel open')
      assert.equal(w.bubble.expanded, 'true')
      assert.equal(w.bubble.label, '收起')
      assert.deepEqual({ right: w.panel.box.right, bottom: w.panel.box.bottom, width: w.panel.box.width }, { right: 20, bottom: 88, width: 380 })
      assert.equal(w.frame.border, '0px', 'the site’s `iframe` rule does not reach the frame')
      const src = new URL(w.frame.src)
      assert.equal(`${src.origin}${src.pathname}`, `${demo.baseUrl}/chat/${SHOP}`)
      assert.equal(src.searchParams.get('embed'), '1')
      assert.equal(src.searchParams.get('widget'), id)
      assert.ok(src.searchParams.get('identity'), 'the member’s identity goes along')

      frame = await chatFrame(member)
      await frame.getByTestId('shop-name').filter({ hasText: SHOP_NAME }).waitFor(WAIT)
      assert.equal(await frame.getByTestId('buyer-chat').getAttribute('data-embed'), 'true')
      await frame.getByTestId('embed-close').waitFor(WAIT)
      assert.equal(await frame.getByTestId('embed-close').getAttribute('aria-label'), '收起')
      const input = frame.getByTestId('composer-input')
      await input.click()
      await input.fill(QUESTION)
      await input.press('Enter')
      await said(frame, 'buyer', QUESTION)
        .locator('[data-testid="delivery-state"][data-state="sent"], [data-testid="delivery-state"][data-state="read"]')
        .waitFor(WAIT)
      await settle(member)
      await member.screenshot({ path: path.join(outputDir, 'widget-open.png') })
    })

    await step('a pre-sales agent finds the member by name in the workbench and replies; the panel shows it', async () => {
      await signIn(agent, demo.baseUrl, AGENT)
      await agent.locator('[data-testid="tab-waiting"][aria-selected="true"]').waitFor(WAIT)
      const row = agent.getByTestId('conversation-item').filter({ hasText: QUESTION })
      await row.waitFor(WAIT)
      await row.getByText(MEMBER.name).waitFor(WAIT)
      assert.equal(await row.getAttribute('data-channel'), 'web', 'the widget’s buyers are the chat page’s')
      await row.click()
      await agent.locator('[data-testid="open-buyer-name"]', { hasText: MEMBER.name }).waitFor(WAIT)
      await said(agent, 'buyer', QUESTION).waitFor(WAIT)
      const grab = agent.getByTestId('pane-grab-button')
      if (await grab.isVisible()) {
        await grab.click()
        await grab.waitFor({ state: 'detached', ...WAIT })
      }
      await agent.getByTestId('composer-input').fill(REPLY)
      await agent.getByTestId('send-button').click()
      await said(agent, 'agent', REPLY).waitFor(WAIT)
      await said(frame, 'agent', REPLY).waitFor(WAIT)
      await settle(member)
      await member.screenshot({ path: path.join(outputDir, 'widget-reply.png') })
    })

    await step('收起 in the frame shuts the panel; the next reply puts an unread 1 on the bubble', async () => {
      await frame.getByTestId('embed-close').click()
      await until(async () => (await widget(member)).panel.open === false, 'the panel shut')
      let w = await widget(member)
      assert.equal(w.panel.display, 'none')
      assert.equal(w.bubble.expanded, 'false')
      assert.equal(w.badge.display, 'none', 'nothing unread yet')
      assert.ok(w.messages.some((m) => m.origin === demo.baseUrl && m.data?.type === 'kefu:close'), 'the frame said kefu:close')

      await agent.getByTestId('composer-input').fill(REPLY_2)
      await agent.getByTestId('send-button').click()
      await said(agent, 'agent', REPLY_2).waitFor(WAIT)
      w = await until(async () => {
        const now = await widget(member)
        return now.badge.display === 'block' ? now : null
      }, 'the unread badge')
      assert.equal(w.badge.text, '1')
      assert.equal(w.badge.letterSpacing, 'normal', 'the site’s letter-spacing is not inherited')
      assert.deepEqual(
        w.messages.filter((m) => m.data?.type === 'kefu:unread').map((m) => m.data.count).at(-1),
        1,
      )
      await settle(member)
      await member.screenshot({ path: path.join(outputDir, 'widget-badge.png') })

      // Opened again: the badge goes, the reply is there.
      const spot = bubbleSpot(DESKTOP.viewport)
      await member.mouse.click(spot.x, spot.y)
      await until(async () => (await widget(member)).panel.open, 'the panel open again')
      w = await widget(member)
      assert.equal(w.badge.display, 'none')
      await said(frame, 'agent', REPLY_2).waitFor(WAIT)
      assert.equal(await said(frame, 'agent', REPLY).count(), 1)
      await frame.getByTestId('composer-input').click()
      await until(async () => {
        const counts = (await widget(member)).messages.filter((m) => m.data?.type === 'kefu:unread').map((m) => m.data.count)
        return counts.at(-1) === 0
      }, 'the frame saying 0 unread once looked at')
    })

    await step('on a phone the panel fills the screen with the member’s conversation, the bubble hides, and 收起 brings it back', async () => {
      await phone.goto(`${sites.site.origin}/`)
      const w0 = await until(() => widget(phone), 'the widget on the phone')
      assert.deepEqual({ right: w0.bubble.box.right, bottom: w0.bubble.box.bottom }, { right: 20, bottom: 20 })
      await phone.screenshot({ path: path.join(outputDir, 'widget-phone-site.png') })
      const spot = bubbleSpot(PHONE.viewport)
      await phone.mouse.click(spot.x, spot.y)
      const w = await until(async () => {
        const now = await widget(phone)
        return now?.panel.open && now.frame ? now : null
      }, 'the panel open on the phone')
      assert.deepEqual(
        { left: w.panel.box.left, top: w.panel.box.top, width: w.panel.box.width, height: w.panel.box.height },
        { left: 0, top: 0, width: PHONE.viewport.width, height: PHONE.viewport.height },
      )
      assert.equal(w.bubble.display, 'none', 'the bubble hides while the chat is open')
      const phoneFrame = await chatFrame(phone)
      await phoneFrame.getByTestId('shop-name').filter({ hasText: SHOP_NAME }).waitFor(WAIT)
      await phoneFrame.getByTestId('embed-close').waitFor(WAIT)
      // The identity token makes the member the same buyer on the phone: the same conversation.
      await said(phoneFrame, 'agent', REPLY_2).waitFor(WAIT)
      const input = phoneFrame.getByTestId('composer-input')
      await input.fill(PHONE_QUESTION)
      await input.press('Enter')
      await said(phoneFrame, 'buyer', PHONE_QUESTION)
        .locator('[data-testid="delivery-state"][data-state="sent"], [data-testid="delivery-state"][data-state="read"]')
        .waitFor(WAIT)
      // The composer sits inside the screen, above its bottom edge.
      const composer = await phoneFrame.getByTestId('composer-input').boundingBox()
      assert.ok(composer && composer.y + composer.height <= PHONE.viewport.height, `the composer is on screen (${JSON.stringify(composer)})`)
      await settle(phone)
      await phone.screenshot({ path: path.join(outputDir, 'widget-phone.png') })

      // 收起 is what a thumb finds at its place in the header (nothing lies over it); it is pressed
      // in the frame itself, as Playwright's clicks into a cross-site frame on a 2× phone screen
      // sometimes land at half the coordinates.
      const close = phoneFrame.getByTestId('embed-close')
      assert.equal(
        await close.evaluate((b) => {
          const r = b.getBoundingClientRect()
          return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.closest('[data-testid="embed-close"]') === b
        }),
        true,
      )
      await close.evaluate((b) => b.click())
      await until(async () => (await widget(phone)).panel.open === false, 'the panel shut on the phone')
      const after = await widget(phone)
      assert.equal(after.bubble.display, 'flex', 'the bubble is back')
      assert.equal(await phone.evaluate(() => document.documentElement.style.overflow), '')
    })

    await step('another site with the same tag shows no bubble, and framing the chat there is refused', async () => {
      const context = await browser.newContext(DESKTOP)
      await watchSite(context)
      const page = await context.newPage()
      const warnings = []
      const refusals = []
      page.on('console', (m) => {
        if (m.text().includes('not one of the widget')) warnings.push(m.text())
        if (m.text().includes('frame-ancestors')) refusals.push(m.text())
      })
      try {
        await page.goto(`${sites.other.origin}/`)
        await until(() => warnings.length > 0, 'the loader’s warning that this site is not listed')
        assert.equal(await page.locator('[data-kefu-widget]').count(), 0, 'no bubble on a site the widget does not list')
        // The site frames the chat page itself: the browser refuses (frame-ancestors).
        await page.evaluate((src) => {
          const frame = document.createElement('iframe')
          frame.src = src
          frame.style.cssText = 'position:fixed;right:20px;bottom:20px;width:380px;height:500px'
          document.body.appendChild(frame)
        }, `${demo.baseUrl}/chat/${SHOP}?embed=1&widget=${id}`)
        await until(() => refusals.length > 0, 'the browser refusing the frame (frame-ancestors)')
        const chats = await Promise.all(
          page.frames().filter((f) => f !== page.mainFrame()).map((f) => f.locator('[data-testid="buyer-chat"]').count().catch(() => 0)),
        )
        assert.deepEqual(chats.filter((n) => n > 0), [], 'no chat page rendered in the frame')
        await page.screenshot({ path: path.join(outputDir, 'widget-refused.png') })
      } finally {
        await context.close()
      }
    })

    await step('编辑 on the card adds that site, turns the bubble red and moves it left', async () => {
      await closeNotices(admin)
      const card = admin.locator(`[data-testid="channel-card"][data-id="${id}"]`)
      await card.getByTestId('channel-widget-edit').click()
      const form = card.getByTestId('channel-widget-form')
      await form.waitFor(WAIT)
      assert.equal(await form.getByTestId('channel-edit-origins').inputValue(), sites.site.origin)
      assert.equal(await form.getByTestId('channel-edit-color').inputValue(), COLOR)
      await form.getByTestId('channel-edit-origins').fill(`${sites.site.origin}\n${sites.other.origin}`)
      await form.locator(`[data-testid="channel-edit-swatch"][data-value="${NEW_COLOR}"]`).click()
      await form.locator('[data-testid="channel-edit-position"][data-value="left"]').click()
      assert.equal(await form.getByTestId('channel-edit-preview').getAttribute('data-position'), 'left')
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'widget-edit.png'), fullPage: true })
      await form.getByTestId('channel-widget-save').click()
      await form.waitFor({ state: 'detached', ...WAIT })
      await admin.locator('.el-message', { hasText: '已保存' }).waitFor(WAIT)
      assert.equal(await card.getByTestId('channel-widget-color').getAttribute('data-value'), NEW_COLOR)
      assert.equal(await card.getByTestId('channel-widget-position').getAttribute('data-value'), 'left')
      assert.deepEqual(await card.getByTestId('channel-widget-origin').evaluateAll((items) => items.map((li) => li.dataset.value)), [
        sites.site.origin,
        sites.other.origin,
      ])
      const listed = (await (await api('GET', '/channels')).json()).channels.find((c) => c.id === id)
      assert.deepEqual(listed.origins, [sites.site.origin, sites.other.origin])
      assert.equal(listed.color, NEW_COLOR)
      assert.equal(listed.position, 'left')
      const framed = (await fetch(`${demo.baseUrl}/chat/${SHOP}?embed=1&widget=${id}`)).headers.get('content-security-policy')
      assert.ok(framed.includes(`frame-ancestors 'self' ${sites.site.origin} ${sites.other.origin}`), framed)

      // A visitor without the old script cached sees the change on the other site, which may now frame the chat.
      const context = await browser.newContext(DESKTOP)
      await watchSite(context)
      const page = await context.newPage()
      watchPage(page, 'other', pageErrors)
      try {
        await page.goto(`${sites.other.origin}/`)
        const w = await until(() => widget(page), 'the widget on the other site')
        assert.equal(w.bubble.background, NEW_COLOR_RGB)
        assert.deepEqual({ left: w.bubble.box.left, bottom: w.bubble.box.bottom }, { left: 20, bottom: 20 })
        const spot = bubbleSpot(DESKTOP.viewport, 'left')
        await page.mouse.click(spot.x, spot.y)
        const open = await until(async () => {
          const now = await widget(page)
          return now.panel.open && now.frame ? now : null
        }, 'the panel open on the left')
        assert.deepEqual({ left: open.panel.box.left, bottom: open.panel.box.bottom }, { left: 20, bottom: 88 })
        const otherFrame = await chatFrame(page)
        await otherFrame.getByTestId('shop-name').filter({ hasText: SHOP_NAME }).waitFor(WAIT)
        await settle(page)
        await page.screenshot({ path: path.join(outputDir, 'widget-left.png') })
      } finally {
        await context.close()
      }
    })

    await step('paused on the card, the script does nothing and no site may frame the chat', async () => {
      const card = admin.locator(`[data-testid="channel-card"][data-id="${id}"]`)
      await card.getByText('显示气泡', { exact: true }).waitFor(WAIT)
      await card.getByTestId('channel-receiving').click()
      await admin.locator(`[data-testid="channel-card"][data-id="${id}"][data-paused="true"]`).waitFor(WAIT)
      await card.getByTestId('channel-paused-notice').getByText('网站上不再显示聊天气泡', { exact: false }).waitFor(WAIT)
      assert.equal(await card.getByTestId('channel-state').textContent(), '已暂停')
      assert.equal(await (await fetch(scriptUrl)).text(), '/* kefu: this widget is paused */\n')
      const framed = (await fetch(`${demo.baseUrl}/chat/${SHOP}?embed=1&widget=${id}`)).headers.get('content-security-policy')
      assert.match(framed, /frame-ancestors 'self'(;|$)/)
      await card.getByTestId('channel-receiving').click()
      await admin.locator(`[data-testid="channel-card"][data-id="${id}"][data-paused="false"]`).waitFor(WAIT)
      await admin.locator('.el-message', { hasText: '已恢复显示聊天气泡' }).waitFor(WAIT)
    })

    await step('no page threw an uncaught error', () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    await adminContext.close()
    await agent.context().close()
    await memberContext.close()
    await phoneContext.close()
  }
})

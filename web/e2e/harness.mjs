// What every browser story needs: a real `kefu demo` (KEFU_BIN, or ../target/debug/kefu) on a
// free port with a fresh data dir, Debian's Chromium (CHROMIUM_PATH, or /usr/bin/chromium)
// through playwright-core, the phone and desktop profiles, and steps that stop at the first
// failure with screenshots and the server's log. Not a test file itself (no `.test.`).

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
const webDir = path.resolve(here, '..')
export const outputDir = path.join(here, 'output')
const kefuBin = process.env.KEFU_BIN ?? path.resolve(webDir, '../target/debug/kefu')
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const WAIT = { timeout: 15_000 }
export const DEMO_PASSWORD = 'kefu-demo-2026'

/** A buyer on a phone in mainland China. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
}

/** An agent at a desk. */
export const DESKTOP = {
  viewport: { width: 1440, height: 900 },
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/** Starts `kefu demo`; resolves once `/healthz` answers 200. */
export function startDemo() {
  return startKefu('demo')
}

/** Starts `kefu <command>` (`demo`, or `serve` on an empty data dir); resolves once `/healthz`
 *  answers 200. */
export async function startKefu(command) {
  assert.ok(
    existsSync(kefuBin),
    `no kefu binary at ${kefuBin}: build it (cargo build -p kefu) or set KEFU_BIN`,
  )
  await mkdir(outputDir, { recursive: true })
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kefu-e2e-'))
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const server = spawn(kefuBin, [command, '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
      // Every page here comes from 127.0.0.1: lift the per-address limits (issue #15).
      KEFU_LIMITS__SESSIONS_PER_MINUTE_PER_IP: '100000000',
      KEFU_LIMITS__LOGINS_PER_MINUTE_PER_IP: '100000000',
      KEFU_LIMITS__UPLOADS_PER_MINUTE_PER_IP: '100000000',
      // Channels may name a local fake of their platform's API (channels.test.mjs).
      KEFU_HTTP__CHANNEL_TEST_DOUBLES: 'true',
    },
  })
  let log = ''
  // The banner with the demo's links comes first; keep stdout's head whole to read it.
  let stdout = ''
  server.stdout.on('data', (chunk) => {
    if (stdout.length < 200_000) stdout += chunk.toString()
    log = (log + chunk.toString()).slice(-20_000)
  })
  server.stderr.on('data', (chunk) => {
    log = (log + chunk.toString()).slice(-20_000)
  })
  process.once('exit', () => server.kill('SIGKILL'))

  async function stop() {
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server.once('exit', r))
      server.kill('SIGTERM')
      const timer = setTimeout(() => server.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
    await rm(dataDir, { recursive: true, force: true })
  }

  const until = Date.now() + 60_000
  for (;;) {
    if (server.exitCode !== null) {
      await stop()
      throw new Error(`kefu exited with ${server.exitCode} before it was healthy:\n${log}`)
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`)
      if (res.status === 200) break
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) {
      await stop()
      throw new Error(`kefu was not healthy within 60 s:\n${log}`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }

  return {
    baseUrl,
    /** The tail of stdout and stderr, for failure reports. */
    log: () => log,
    /** The first capture group of `pattern` in stdout, waiting for it to be printed. */
    async printed(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const match = stdout.match(pattern)
        if (match) return match[1]
        if (Date.now() > deadline) throw new Error(`kefu never printed ${pattern}:\n${stdout.slice(0, 4_000)}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    stop,
  }
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  })
}

/** Collects uncaught page errors, named by who saw them. */
export function watchPage(page, who, errors) {
  page.on('pageerror', (err) => errors.push(`${who}: ${err.message}`))
}

/** Steps share pages; after a failed step the rest are skipped, not timed out, and the
 *  failure leaves `failure-<who>.png` for each page and the server log's tail. */
export function stepper(t, pages, demo) {
  let failed = false
  return (name, fn) =>
    failed
      ? t.test(name, { skip: 'an earlier step failed' })
      : t.test(name, async () => {
          try {
            await fn()
          } catch (err) {
            failed = true
            for (const [who, page] of Object.entries(pages)) {
              await page.screenshot({ path: path.join(outputDir, `failure-${who}.png`) }).catch(() => {})
            }
            const log = demo.log()
            if (log) console.error(`--- kefu log (tail) ---\n${log.slice(-4_000)}`)
            throw err
          }
        })
}

/** Signs in at /agent/login and lands on the workbench. */
export async function signIn(page, baseUrl, username, { screenshot } = {}) {
  await page.goto(`${baseUrl}/agent`)
  await page.waitForURL(/\/agent\/login/, WAIT)
  await page.getByTestId('login-username').waitFor(WAIT)
  if (screenshot) await page.screenshot({ path: path.join(outputDir, screenshot) })
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(DEMO_PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((url) => url.pathname === '/agent', WAIT)
}

/** A buyer opens the shop's chat page (`/chat/{shop}`) and sends `text`; resolves once the
 *  server took it (marked sent or read). */
export async function buyerWrites(page, baseUrl, shop, text) {
  await page.goto(`${baseUrl}/chat/${shop}`)
  const input = page.getByTestId('composer-input')
  await input.waitFor(WAIT)
  await input.fill(text)
  await input.press('Enter')
  await page
    .locator('[data-testid="message"][data-sender="buyer"]', { hasText: text })
    .locator('[data-testid="delivery-state"][data-state="sent"], [data-testid="delivery-state"][data-state="read"]')
    .waitFor(WAIT)
}

/** Opens a reporting page from the top bar's 数据 menu: opens the menu, then clicks its item
 *  `testid` (`kpi-link`, `cockpit-link`, `reports-link`, `questions-link` or `qa-link`). */
export async function openNav(page, testid) {
  await page.getByTestId('nav-data').click()
  const item = page.getByTestId(testid)
  await item.waitFor({ state: 'visible', ...WAIT })
  await item.click()
}

/** Picks a tab of the workbench's conversation list (WB-1): `waiting` (待接入), `mine` (我的),
 *  `open` (进行中, every open conversation) or `resolved` (已解决). An agent lands on 我的 if
 *  they have any conversation, else on 待接入. */
/** Closes the notices in the corner (a work order overdue, an alert): the demo raises them by
 *  the clock, and one may lie over a page's buttons when a step clicks them. */
export async function closeNotices(page) {
  const close = page.locator('.el-notification .el-notification__closeBtn')
  for (let n = await close.count(); n > 0; n--) {
    await close.first().click({ timeout: 2_000 }).catch(() => {})
  }
}

export async function showTab(page, tab) {
  await page.getByTestId(`tab-${tab}`).click()
  await page.locator(`[data-testid="tab-${tab}"][aria-selected="true"]`).waitFor(WAIT)
}

/** An API session as `username` (cookie and CSRF token), for setting a story up and checking
 *  what the server holds: `call(method, path, body)` → fetch's Response. */
export async function apiSession(baseUrl, username) {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  })
  assert.equal(res.status, 200, `${username} signs in`)
  const { csrf_token: csrf } = await res.json()
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  return (method, path, body) =>
    fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, Cookie: cookie },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
}

/** Polls `probe` until it returns something truthy (and returns that), for server state a page
 *  does not show; fails with `what` after `timeoutMs`. */
export async function until(probe, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Waits for running animations (a dialog fading in, a notice sliding in) to end, for a
 *  steady screenshot; endless ones (a live indicator's pulse) are left running. */
export function settle(page) {
  return page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => {})),
    ),
  )
}

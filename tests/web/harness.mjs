// Browser-test harness: starts the real jianguan backend on a fresh demo database,
// creates test users, and launches Debian's chromium through playwright-core.
//
// Environment:
//   JIANGUAN_BIN       backend binary (default: build/jianguan)
//   JIANGUAN_WEB_ROOT  built UI (default: web/dist)
//   CHROMIUM_PATH      browser (default: /usr/bin/chromium)
//   JIANGUAN_KEEP_TMP  set to 1 to keep the temp dir (database, server log)

import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = process.env.JIANGUAN_BIN || path.join(ROOT, 'build/jianguan')
export const WEB_ROOT = process.env.JIANGUAN_WEB_ROOT || path.join(ROOT, 'web/dist')
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const PASSWORD = 'pw-123456'

const require = createRequire(path.join(ROOT, 'web/package.json'))

// The server closes a keep-alive connection left idle past its head deadline (--header-timeout,
// 10 s); a request the tests send on it just as it closes fails before the server read a byte
// of it. Browsers send such a request again on a new connection; Node's fetch does not for POST
// and PATCH, so the tests' fetch does, once (a CI run lost a whole file's tests to it, after its
// set-up spent more than 10 s adding users between two requests).
const fetchOnce = globalThis.fetch
const CLOSED_UNDER_IT = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'])
globalThis.fetch = async (input, init) => {
  try {
    return await fetchOnce(input, init)
  } catch (e) {
    if (!CLOSED_UNDER_IT.has(e?.cause?.code)) throw e
    return fetchOnce(input, init)
  }
}

export function loadPlaywright() {
  try {
    return require('playwright-core')
  } catch (e) {
    throw new Error(`playwright-core not installed: run "cd web && npm ci" first (${e.message})`)
  }
}

// Run a jianguan subcommand; returns stdout, throws with stderr on failure.
export function jianguan(args, input) {
  const r = spawnSync(BIN, args, { input: input ?? '', encoding: 'utf8', timeout: 120_000 })
  if (r.error) throw new Error(`${BIN} ${args.join(' ')}: ${r.error.message}`)
  if (r.status !== 0) {
    throw new Error(`${BIN} ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`)
  }
  return r.stdout
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

export class Backend {
  constructor() {
    this.tmp = null
    this.db = null
    this.proc = null
    this.base = null
    this.logFile = null
    this.exited = null
  }

  // Fresh database with demo data, then `serve` on a free loopback port.
  async start() {
    if (!existsSync(BIN)) throw new Error(`backend binary not found: ${BIN} (build it, or set JIANGUAN_BIN)`)
    if (!existsSync(path.join(WEB_ROOT, 'index.html'))) {
      throw new Error(`UI not built: ${WEB_ROOT}/index.html missing (run "cd web && npm ci && npm run build")`)
    }
    this.tmp = mkdtempSync(path.join(os.tmpdir(), 'jianguan-web-'))
    this.db = path.join(this.tmp, 't.db')
    jianguan(['init', '--db', this.db])
    jianguan(['demo', '--db', this.db, '--scale', 'small', '--seed', '1'])

    // Test files run side by side and freePort cannot reserve its port: when another server
    // took it meanwhile (the server refuses to share a port), again on a new one.
    for (let attempt = 1; !(await this.serve(await freePort())); attempt++) {
      if (attempt === 5) throw new Error(`jianguan serve found no free port:\n${this.log()}`)
    }
    return this
  }

  // Starts `serve` on port; true once healthy, false when the port was taken.
  async serve(port) {
    this.base = `http://127.0.0.1:${port}`
    this.logFile = path.join(this.tmp, 'serve.log')
    const log = openSync(this.logFile, 'a')
    const from = fstatSync(log).size // this start's log lines begin here
    this.proc = spawn(BIN, ['serve', '--db', this.db, '--listen', `127.0.0.1:${port}`, '--web-root', WEB_ROOT], {
      stdio: ['ignore', log, log],
    })
    closeSync(log)
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })))
    let done = false
    this.exited.then(() => (done = true))

    const deadline = Date.now() + 30_000
    for (;;) {
      const said = readFileSync(this.logFile, 'utf8').slice(from)
      if (done) {
        if (said.includes('Address already in use')) return false
        throw new Error(`jianguan serve exited early:\n${this.log()}`)
      }
      // Healthy, and ours: its log says it serves (a /healthz alone could be another's).
      try {
        const r = await fetch(`${this.base}/healthz`)
        if (r.status === 200 && said.includes('"msg":"serving"')) return true
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`jianguan serve not healthy after 30 s:\n${this.log()}`)
      await sleep(100)
    }
  }

  log() {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-4000)
    } catch {
      return ''
    }
  }

  // `jianguan user add`, password on stdin; returns the new user's id.
  addUser(username, role, extra = []) {
    const out = jianguan(['user', 'add', '--db', this.db, '--username', username, '--role', role, ...extra], `${PASSWORD}\n`)
    const m = out.match(/\d+/)
    if (!m) throw new Error(`user add printed no id: ${out}`)
    return Number(m[0])
  }

  // `jianguan user list`: Map of user id → {username, role, region}.
  users() {
    const out = new Map()
    for (const line of jianguan(['user', 'list', '--db', this.db]).split('\n')) {
      const m = /^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\d{6})?/.exec(line)
      if (m) out.set(Number(m[1]), { username: m[2], role: m[3], region: m[4] || null })
    }
    return out
  }

  // `jianguan user passwd`, password on stdin: lets a test log in as an account the demo made
  // without a password (its inspectors, for one).
  setPassword(username, password = PASSWORD) {
    jianguan(['user', 'passwd', '--db', this.db, '--username', username], `${password}\n`)
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM')
      const t = sleep(10_000).then(() => 'timeout')
      if ((await Promise.race([this.exited, t])) === 'timeout') {
        this.proc.kill('SIGKILL')
        await this.exited
      }
    }
    if (this.tmp && process.env.JIANGUAN_KEEP_TMP !== '1') rmSync(this.tmp, { recursive: true, force: true })
  }

  // ---- direct API access (Bearer token), for test data ----

  async login(username, password = PASSWORD) {
    const r = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    })
    const body = await r.json()
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(body)}`)
    return body // {token, csrf_token, user}
  }

  // The demo's accounts, as `jianguan demo` writes them next to the database
  // (credentials.txt: username TAB password): a map username → password.
  demoCredentials() {
    const creds = {}
    for (const line of readFileSync(path.join(this.tmp, 'credentials.txt'), 'utf8').split('\n')) {
      if (!line || line.startsWith('#')) continue
      const [user, password] = line.split('\t')
      creds[user] = password
    }
    return creds
  }

  // Logs the demo accounts names in over the API, filling creds (username → password),
  // tokens (username → bearer token) and users (username → the user as login answers).
  async demoLogins(names, creds, tokens, users = {}) {
    Object.assign(creds, this.demoCredentials())
    for (const u of names) {
      if (!creds[u]) throw new Error(`no demo account ${u} in credentials.txt`)
      const r = await this.login(u, creds[u])
      tokens[u] = r.token
      users[u] = r.user
    }
  }

  async get(token, pathAndQuery) {
    const r = await fetch(`${this.base}/api/v1${pathAndQuery}`, { headers: { Authorization: `Bearer ${token}` } })
    const text = await r.text()
    if (r.status !== 200) throw new Error(`GET ${pathAndQuery}: ${r.status} ${text}`)
    return JSON.parse(text)
  }
}

export async function launchBrowser() {
  const { chromium } = loadPlaywright()
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

// Note: Element Plus puts a data-testid given to <el-input> on the native <input> itself.

// A new browser context and page, logged in through the login form.
export async function loginPage(browser, backend, username, password = PASSWORD) {
  const context = await browser.newContext({ baseURL: backend.base, locale: 'zh-CN', acceptDownloads: true, viewport: { width: 1440, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  await page.goto('/login')
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('user-name').waitFor()
  return { context, page }
}

// Milliseconds from the click on 登录 to the home page showing its first figure, in a new
// context (a cold cache, as a user's first visit) at 1440×900. Used by the browser test (which
// logs it) and bench/login.mjs (which measures it).
export async function loginToHome(browser, backend, username, password = PASSWORD) {
  const context = await browser.newContext({ baseURL: backend.base, locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  const page = await context.newPage()
  try {
    await page.goto('/login')
    await page.getByTestId('login-username').fill(username)
    await page.getByTestId('login-password').fill(password)
    await page.evaluate(() => {
      const submit = document.querySelector('[data-testid="login-submit"]')
      submit.addEventListener('click', () => (window.__t0 = performance.now()), { capture: true })
    })
    await page.getByTestId('login-submit').click()
    const handle = await page.waitForFunction(
      () => {
        const el = document.querySelector('[data-testid="stat-value"]')
        return window.__t0 !== undefined && el && /\d/.test(el.textContent) ? performance.now() - window.__t0 : false
      },
      null,
      { polling: 'raf', timeout: 15_000 },
    )
    return Math.round(await handle.jsonValue())
  } finally {
    await context.close()
  }
}

// Wait until the entity list has answered the latest query.
export async function listReady(page) {
  await page.locator('[data-testid="entity-list"][data-state="ready"]').waitFor()
}

// Visible text of one column of the entity table.
export async function columnTexts(page, col) {
  return page.locator(`[data-testid="entity-table"] .el-table__body [data-col="${col}"]`).allInnerTexts()
}

// Pick an option of an Element Plus select whose dropdown has popper-class `jg-pop-<name>`.
export async function pickOption(page, name, optionText) {
  await page.getByTestId(`filter-${name}`).click()
  const exact = new RegExp(`^\\s*${optionText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`)
  const item = page.locator(`.jg-pop-${name} .el-select-dropdown__item`).filter({ hasText: exact }).first()
  await item.waitFor({ state: 'visible' })
  await item.click()
}

// Poll `fn` until it returns a truthy value (or stops throwing); returns that value.
export async function eventually(fn, { timeout = 10_000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout
  let last
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
      last = new Error(`${what} not met`)
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) throw last
    await sleep(interval)
  }
}

// Waits for the API response to a request matching `pred(url)` while running `action`.
export async function withResponse(page, pred, action) {
  const [resp] = await Promise.all([page.waitForResponse((r) => pred(new URL(r.url()), r)), action()])
  return resp
}

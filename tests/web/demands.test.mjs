// Browser tests of 诉求通 (M2): the enterprise files a demand from its QR page on a phone
// (390×844) after logging in there; the officer triages it as small, starts and resolves it
// from the inbox and the demand's page (desktop); the enterprise confirms it with 5 stars on the
// phone; the city chain-leader office's statistics count it. Then every new page at 390 px
// without horizontal overflow. Against the real backend on a fresh demo database (harness.mjs),
// logging in with the demo's own accounts (their passwords are in the demo's credentials file).
//
// Run: JIANGUAN_BIN=$PWD/build/jianguan node --test tests/web/demands.test.mjs

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { Backend, ROOT, launchBrowser, loginPage, eventually, withResponse } from './harness.mjs'
import { eventLines, percent, decimal } from '../../web/src/demands.js'

const T = { timeout: 180_000 }
const SHOTS = path.join(ROOT, 'build/web-shots')
const PHONE = { width: 390, height: 844 }

const backend = new Backend()
let browser
const creds = {} // demo username → password
const tokens = {}
let uscc // the enterprise account's own firm
let before0 // city_office's stats before the demand
let demandId
let phone // the enterprise's phone: {context, page}
const TITLE = `申请技改资金补贴（测试${Date.now() % 100000}）`
const RESOLUTION = '已协调市财政局，技改补贴资金已拨付到账。'

before(async () => {
  mkdirSync(SHOTS, { recursive: true })
  await backend.start()
  await backend.demoLogins(['enterprise', 'officer', 'city_office', 'chain_office', 'department'], creds, tokens)
  const me = await backend.get(tokens.enterprise, '/auth/me')
  uscc = me.user.entity
  assert.ok(uscc, 'the enterprise account is bound to its firm')
  const firm = await backend.get(tokens.officer, `/entities/${uscc}`)
  const officer = (await backend.login('officer', creds.officer)).user
  assert.equal(firm.officer, officer.id, "the demo's officer serves the enterprise")
  before0 = await backend.get(tokens.city_office, '/demands/stats')
  browser = await launchBrowser()
})

after(async () => {
  if (phone) await phone.context.close()
  if (browser) await browser.close()
  await backend.stop()
})

// ---- helpers ----

async function phoneContext() {
  const context = await browser.newContext({ baseURL: backend.base, locale: 'zh-CN', viewport: PHONE, isMobile: true, hasTouch: true })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return { context, page }
}

const apiPath = (p, method) => (u, r) => u.pathname === `/api/v1${p}` && (!method || r.request().method() === method)

async function noOverflow(page, what) {
  const { doc, vw } = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, vw: window.innerWidth }))
  assert.ok(doc <= vw, `${what}: page ${doc}px wide in a ${vw}px viewport`)
}

async function ready(page, testid) {
  await page.locator(`[data-testid="${testid}"][data-state="ready"]`).waitFor()
}

async function pick(page, testid, popper, text) {
  await page.getByTestId(testid).click()
  const item = page.locator(`.${popper} .el-select-dropdown__item`).filter({ hasText: text }).first()
  await item.waitFor({ state: 'visible' })
  await item.click()
}

// Clicks the menu entry of `p`, unfolding 诉求通 first.
async function clickMenu(page, p) {
  const item = page.getByTestId(`menu-${p}`)
  if (!(await item.isVisible())) {
    await page.getByTestId('menu-/demand-center').locator('.el-sub-menu__title').click()
    await item.waitFor({ state: 'visible' })
  }
  await item.click()
}

async function demand(id, who = 'officer') {
  return backend.get(tokens[who], `/demands/${id}`)
}

// Runs one step of the demand page: its button, its dialog (fill), its POST; returns the answer.
async function step(page, action, fill = async () => {}, id = demandId) {
  await page.getByTestId(`demand-action-${action}`).click()
  const dialog = page.locator('.jg-demand-action:visible')
  await dialog.waitFor()
  await fill(dialog)
  const resp = await withResponse(page, apiPath(`/demands/${id}/${action}`, 'POST'), () => page.getByTestId('demand-action-submit').click())
  assert.equal(resp.status(), 200, `${action}: ${await resp.text()}`)
  await dialog.waitFor({ state: 'hidden' })
  return resp.json()
}

async function statusShown(page) {
  return (await page.getByTestId('demand-status').innerText()).trim()
}

// ---- the pure parts of demands.js ----

test('demands.js: event lines, percentages', () => {
  const depts = new Map([
    [1, '市财政局'],
    [2, '市自然资源和规划局'],
  ])
  assert.deepEqual(eventLines({ action: 'triage', detail: { tier: 'small', note: '企业急需' } }, depts), ['分级：小问题', '说明：企业急需'])
  assert.deepEqual(eventLines({ action: 'reassign', detail: { department: 2, from_department: 1, reason: '属于用地问题' } }, depts), [
    '转办：市财政局 → 市自然资源和规划局',
    '原因：属于用地问题',
  ])
  assert.deepEqual(eventLines({ action: 'escalate', detail: { from_tier: 'small', to_tier: 'medium', reason: '涉及多个部门' } }), [
    '分级：小问题 → 中问题',
    '原因：涉及多个部门',
  ])
  assert.deepEqual(eventLines({ action: 'confirm', detail: { rating: 5, comment: '满意' } }), ['满意度：5 分', '评价意见：满意'])
  assert.equal(percent(0.98610000000000009), '98.6%')
  assert.equal(percent(1), '100.0%')
  assert.equal(decimal(5.1000000000000005), '5.1')
  assert.equal(decimal(null), '—')
})

// ---- the walk: file, triage, start, resolve, confirm, count ----

test('phone: the enterprise logs in on its QR page and files a demand, listed as 待分级', T, async () => {
  phone = await phoneContext()
  const { page } = phone
  await page.goto(`/m/entities/${uscc}/demand`)
  await page.getByTestId('m-login').waitFor()
  // No desktop shell: no side menu, no header of the platform.
  assert.equal(await page.getByTestId('sidebar').count(), 0)
  assert.equal(await page.getByTestId('menu').count(), 0)
  assert.equal(await page.locator('.header').count(), 0)
  await noOverflow(page, 'QR page, login')
  await page.screenshot({ path: path.join(SHOTS, 'demand-m-login.png') })

  await page.getByTestId('login-username').fill('enterprise')
  await page.getByTestId('login-password').fill(creds.enterprise)
  await page.getByTestId('login-submit').click()
  // Still the same page, now with the form.
  await page.getByTestId('m-file').waitFor()
  assert.equal(new URL(page.url()).pathname, `/m/entities/${uscc}/demand`)
  const me = await backend.get(tokens.enterprise, '/auth/me')
  await eventually(async () => (await page.getByTestId('m-entity-name').innerText()).trim() === me.user.entity_name, { what: 'firm named' })
  await ready(page, 'm-demand')
  await noOverflow(page, 'QR page, form')

  // An empty form is refused here, before the server.
  await page.getByTestId('demand-form-submit').click()
  await page.locator('[data-testid="m-file"] .el-form-item__error').first().waitFor()

  await page.getByTestId('demand-form-title').fill(TITLE)
  await pick(page, 'demand-form-category', 'jg-pop-demand-category', '资金奖励')
  await page.getByTestId('demand-form-body').fill('我公司新上智能化生产线，申请技术改造专项资金补贴。联系人：王经理 13800000000')
  const resp = await withResponse(page, apiPath('/demands', 'POST'), () => page.getByTestId('demand-form-submit').click())
  assert.equal(resp.status(), 201, await resp.text())
  const filed = await resp.json()
  demandId = filed.id
  assert.equal(filed.uscc, uscc)
  assert.equal(filed.channel, 'qr', 'filed through the QR page')
  assert.equal(filed.status, 'submitted')

  const item = page.getByTestId(`m-demand-${demandId}`)
  await item.waitFor()
  assert.ok((await item.innerText()).includes(TITLE))
  assert.equal((await item.getByTestId('m-demand-status').innerText()).trim(), '待分级')
  assert.equal(await page.getByTestId('demand-form-title').inputValue(), '', 'the form is cleared for the next one')
  await noOverflow(page, 'QR page, listed')
  await page.screenshot({ path: path.join(SHOTS, 'demand-m-filed.png'), fullPage: true })

  const stored = await demand(demandId)
  assert.equal(stored.title, TITLE)
  assert.equal(stored.category, 'funding')
})

test('desktop: the officer finds it in the inbox, triages it as 小问题, starts and resolves it', T, async () => {
  assert.ok(demandId, 'filed by the previous test')
  const { context, page } = await loginPage(browser, backend, 'officer', creds.officer)
  try {
    // Through the menu: 诉求通 → 诉求收件箱.
    await clickMenu(page, '/demands')
    await page.waitForURL((u) => u.pathname === '/demands')
    await ready(page, 'demand-list')
    const row = page.locator('[data-testid="demand-table"] .el-table__body tr').filter({ hasText: TITLE })
    await row.waitFor()
    assert.equal((await row.locator('[data-col="status"]').innerText()).trim(), '待分级')
    // The tab of 待分级 counts it.
    const submitted = (await backend.get(tokens.officer, '/demands?status=submitted&page_size=1')).total
    await eventually(async () => (await page.getByTestId('status-count-submitted').innerText()).trim() === String(submitted), {
      what: 'count of 待分级',
    })
    const all = (await backend.get(tokens.officer, '/demands?page_size=1')).total
    assert.equal((await page.getByTestId('status-count-all').innerText()).trim(), String(all))

    // A tab narrows the list to its status, in the address too.
    await withResponse(page, (u) => u.pathname === '/api/v1/demands' && u.searchParams.get('status') === 'submitted' && u.searchParams.get('page_size') !== '1', () =>
      page.getByTestId('status-tab-submitted').click(),
    )
    await ready(page, 'demand-list')
    assert.equal(new URL(page.url()).searchParams.get('status'), 'submitted')
    const statuses = await page.locator('[data-testid="demand-table"] .el-table__body [data-col="status"]').allInnerTexts()
    assert.ok(statuses.length > 0 && statuses.every((s) => s.trim() === '待分级'), statuses.join())
    await page.screenshot({ path: path.join(SHOTS, 'demand-inbox-desktop.png') })

    await row.click()
    await page.waitForURL((u) => u.pathname === `/demands/${demandId}`)
    await ready(page, 'demand-page')
    assert.equal((await page.getByTestId('demand-title').innerText()).trim(), TITLE)
    assert.equal(await statusShown(page), '待分级')
    assert.equal(await page.getByTestId('demand-entity').getAttribute('href'), `/entities/${uscc}`)
    assert.ok((await page.getByTestId('demand-body').innerText()).includes('智能化生产线'))
    // Exactly the steps the API allows.
    const allowed = (await demand(demandId)).actions
    const buttons = await page.getByTestId('demand-actions').locator('button').evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-testid').replace('demand-action-', '')),
    )
    assert.deepEqual([...buttons].sort(), [...allowed].sort())
    assert.ok(allowed.includes('triage'))

    const triaged = await step(page, 'triage', async () => {
      await page.getByTestId('demand-tier-small').click()
    })
    assert.equal(triaged.tier, 'small')
    assert.equal(triaged.status, 'assigned')
    await eventually(async () => (await statusShown(page)) === '已交办', { what: '已交办 shown' })
    assert.equal((await page.getByTestId('demand-tier-tag').innerText()).trim(), '小问题')
    assert.equal((await page.getByTestId('demand-due').innerText()).trim(), triaged.due)
    assert.equal(await page.getByTestId('demand-action-triage').count(), 0, 'no second triage')

    await step(page, 'start')
    await eventually(async () => (await statusShown(page)) === '办理中', { what: '办理中 shown' })

    // 办结 without a resolution is refused in the dialog.
    await page.getByTestId('demand-action-resolve').click()
    await page.locator('.jg-demand-action:visible').waitFor()
    await page.getByTestId('demand-action-submit').click()
    await page.locator('.jg-demand-action:visible .el-form-item__error').waitFor()
    await page.getByTestId('demand-resolution').fill(RESOLUTION)
    const resp = await withResponse(page, apiPath(`/demands/${demandId}/resolve`, 'POST'), () => page.getByTestId('demand-action-submit').click())
    assert.equal(resp.status(), 200)
    await eventually(async () => (await statusShown(page)) === '待确认', { what: '待确认 shown' })
    assert.equal((await page.getByTestId('demand-resolution-text').innerText()).trim(), RESOLUTION)

    // The timeline: who, when, what.
    const events = page.locator('[data-testid="demand-timeline"] [data-testid="demand-event"]')
    await eventually(async () => (await events.count()) === 4, { what: 'four events' })
    const labels = (await page.getByTestId('demand-event-label').allInnerTexts()).map((s) => s.trim())
    const stored = await demand(demandId)
    assert.deepEqual(labels, stored.events.map((e) => e.label))
    assert.deepEqual(stored.events.map((e) => e.action), ['submit', 'triage', 'start', 'resolve'])
    const last = events.nth(3)
    assert.ok((await last.innerText()).includes(RESOLUTION), 'the resolution in the timeline')
    assert.ok((await last.getByTestId('demand-event-actor').innerText()).includes('驻企服务员 刘洋'))
    assert.equal(await page.getByTestId('demand-actions').locator('button').count(), 0, 'nothing left for the officer')
    await page.screenshot({ path: path.join(SHOTS, 'demand-page-desktop.png'), fullPage: true })
    assert.equal(stored.status, 'resolved')
    assert.equal(stored.resolution, RESOLUTION)
  } finally {
    await context.close()
  }
})

test('phone: the enterprise confirms it with 5 stars and sees 已办结', T, async () => {
  assert.ok(demandId && phone, 'filed and resolved by the previous tests')
  const { page } = phone
  await page.reload()
  await ready(page, 'm-demand')
  const item = page.getByTestId(`m-demand-${demandId}`)
  await item.waitFor()
  assert.equal((await item.getByTestId('m-demand-status').innerText()).trim(), '待确认')
  assert.ok((await item.innerText()).includes(RESOLUTION))

  await page.getByTestId(`m-confirm-${demandId}`).click()
  const dialog = page.locator('.jg-demand-action:visible')
  await dialog.waitFor()
  const box = await dialog.boundingBox()
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `dialog fits: ${JSON.stringify(box)}`)
  await page.getByTestId('demand-rating').locator('.el-rate__item').nth(4).click()
  await page.getByTestId('demand-comment').fill('办理及时，非常满意')
  const resp = await withResponse(page, apiPath(`/demands/${demandId}/confirm`, 'POST'), () => page.getByTestId('demand-action-submit').click())
  assert.equal(resp.status(), 200, await resp.text())
  await dialog.waitFor({ state: 'hidden' })
  await eventually(async () => (await item.getByTestId('m-demand-status').innerText()).trim() === '已办结', { what: '已办结 shown' })
  await noOverflow(page, 'QR page, closed')
  await page.screenshot({ path: path.join(SHOTS, 'demand-m-closed.png'), fullPage: true })

  const stored = await demand(demandId, 'enterprise')
  assert.equal(stored.status, 'closed')
  assert.equal(stored.rating, 5)
  assert.equal(stored.comment, '办理及时，非常满意')
  assert.deepEqual(stored.actions, [])
})

test('desktop: the statistics of the city chain-leader office count the demand', T, async () => {
  assert.ok(demandId, 'closed by the previous tests')
  const now = await backend.get(tokens.city_office, '/demands/stats')
  assert.equal(now.received, before0.received + 1, 'one more received')
  assert.equal(now.closed, before0.closed + 1, 'one more closed')

  const { context, page } = await loginPage(browser, backend, 'city_office', creds.city_office)
  try {
    await clickMenu(page, '/demands/stats')
    await page.waitForURL((u) => u.pathname === '/demands/stats')
    await ready(page, 'demand-stats')
    const shown = async (k) => (await page.getByTestId(`stat-${k}-value`).innerText()).replace(/\s+/g, '')
    await eventually(async () => (await shown('received')) === `${now.received.toLocaleString('zh-CN')}件`, {
      what: 'received shown',
    }).catch(async (e) => {
      throw new Error(`${e.message}: ${await shown('received')}`)
    })
    assert.equal(await shown('closed'), `${now.closed.toLocaleString('zh-CN')}件`)
    assert.equal(await shown('closure_rate'), percent(now.closure_rate))
    assert.equal(await shown('overdue'), `${now.overdue}件`)
    assert.equal(await shown('mean_rating'), `${decimal(now.mean_rating, 2)}/5`)
    // Two charts drawn.
    await page.locator('[data-testid="chart-tier"] canvas').first().waitFor()
    await page.locator('[data-testid="chart-chain"] canvas').first().waitFor()
    // The small tier's row of the table counts it too.
    await page.getByTestId('stats-by').getByText('分级', { exact: true }).click()
    const byTier = await backend.get(tokens.city_office, '/demands/stats?by=tier')
    const small = byTier.groups.find((g) => g.key === 'small')
    const row = page.locator('[data-testid="stats-table"] .el-table__body tr').filter({ hasText: '小问题' })
    await eventually(async () => (await row.locator('td').nth(1).innerText()).trim() === String(small.received), { what: 'small row' })
    await page.screenshot({ path: path.join(SHOTS, 'demand-stats-desktop.png'), fullPage: true })

    // A period before the demo city has nothing; the figures follow the period (in the address).
    await page.goto('/demands/stats?from=2020-01-01&to=2020-12-31')
    await ready(page, 'demand-stats')
    await eventually(async () => (await shown('received')) === '0件', { what: 'an empty period' })
    // 全部 brings back the whole count.
    await page.getByTestId('stats-preset').getByText('全部', { exact: true }).click()
    await page.waitForURL((u) => !u.searchParams.has('from'))
    await eventually(async () => (await shown('received')) === `${now.received.toLocaleString('zh-CN')}件`, { what: 'all again' })
  } finally {
    await context.close()
  }
})

// ---- routing: medium and large ----

async function call(who, method, p, body) {
  const headers = { Authorization: `Bearer ${tokens[who]}` }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const r = await fetch(`${backend.base}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await r.text()
  return { status: r.status, body: text ? JSON.parse(text) : null }
}

// A demand of the enterprise, triaged by its officer as `tier` (API).
async function fileTriaged(tier, category = 'funding') {
  const f = await call('enterprise', 'POST', '/demands', { uscc, title: `${tier} 诉求 ${Date.now() % 100000}`, body: '内容', category })
  assert.equal(f.status, 201, JSON.stringify(f.body))
  const t = await call('officer', 'POST', `/demands/${f.body.id}/triage`, { tier })
  assert.equal(t.status, 200, JSON.stringify(t.body))
  return t.body
}

test('desktop: the chain office assigns a medium demand, the wrong department passes it on (转办), both in the history', T, async () => {
  const d = await fileTriaged('medium', 'funding')
  assert.equal(d.status, 'triaged')
  // The demo's firm is in a county with its own chain office (office_region), whose demo account
  // has no password: a login of that office routes it.
  const office = d.office_region
  assert.ok(office, 'routed to a chain office')
  backend.addUser('dm_chain', 'chain_office', ['--region', office, '--display-name', '县链长办 测试'])
  let { context, page } = await loginPage(browser, backend, 'dm_chain')
  try {
    await page.goto(`/demands/${d.id}`)
    await ready(page, 'demand-page')
    assert.equal(await statusShown(page), '待交办')
    const assigned = await step(page, 'assign', async () => {
      // The department that guarantees 资金奖励 is offered first; the chain office confirms it.
      const chosen = await page.getByTestId('demand-department').innerText()
      assert.ok(chosen.includes('市财政局'), chosen)
    }, d.id)
    assert.equal(assigned.department, 1)
    await eventually(async () => (await statusShown(page)) === '已交办', { what: '已交办' })
    assert.equal((await page.getByTestId('demand-dept-name').innerText()).trim(), '市财政局')
  } finally {
    await context.close()
  }

  ;({ context, page } = await loginPage(browser, backend, 'department', creds.department))
  try {
    await page.goto(`/demands/${d.id}`)
    await ready(page, 'demand-page')
    assert.ok((await demand(d.id, 'department')).actions.includes('reassign'))
    // A reason is required.
    await page.getByTestId('demand-action-reassign').click()
    await page.locator('.jg-demand-action:visible').waitFor()
    await pick(page, 'demand-department', 'jg-pop-department', '市自然资源和规划局')
    // Blanks pass the dialog's check but not the server's: its message is shown.
    await page.getByTestId('demand-reason').fill('   ')
    const refused = await withResponse(page, apiPath(`/demands/${d.id}/reassign`, 'POST'), () => page.getByTestId('demand-action-submit').click())
    assert.equal(refused.status(), 422)
    const message = (await refused.json()).error.message
    assert.equal((await page.getByTestId('demand-action-error').innerText()).trim(), message)
    await page.getByTestId('demand-reason').fill('属于用地问题，应由自然资源部门办理')
    const resp = await withResponse(page, apiPath(`/demands/${d.id}/reassign`, 'POST'), () => page.getByTestId('demand-action-submit').click())
    assert.equal(resp.status(), 200, await resp.text())
    await page.locator('.jg-demand-action').first().waitFor({ state: 'hidden' })
    await eventually(async () => (await page.getByTestId('demand-dept-name').innerText()).trim() === '市自然资源和规划局', {
      what: 'the new department shown',
    })
    const timeline = await page.getByTestId('demand-timeline').innerText()
    assert.ok(timeline.includes('承办部门：市财政局'), timeline)
    assert.ok(timeline.includes('转办：市财政局 → 市自然资源和规划局'), timeline)
    assert.ok(timeline.includes('原因：属于用地问题，应由自然资源部门办理'), timeline)
    const stored = await demand(d.id, 'chain_office')
    assert.equal(stored.department, 2)
    assert.deepEqual(stored.events.map((e) => e.action), ['submit', 'triage', 'assign', 'reassign'])
  } finally {
    await context.close()
  }
})

test('desktop: the city chain-leader office names a lead and assisting departments for a large demand', T, async () => {
  const d = await fileTriaged('large', 'land')
  const { context, page } = await loginPage(browser, backend, 'city_office', creds.city_office)
  try {
    await page.goto(`/demands/${d.id}`)
    await ready(page, 'demand-page')
    assert.equal((await page.getByTestId('demand-tier-tag').innerText()).trim(), '大问题')
    const assigned = await step(page, 'assign', async () => {
      assert.ok((await page.getByTestId('demand-lead').innerText()).includes('市自然资源和规划局'), 'the land department leads by default')
      await pick(page, 'demand-assisting', 'jg-pop-assisting', '市财政局')
      await pick(page, 'demand-assisting', 'jg-pop-assisting', '国网聊城供电公司')
      await page.locator('.jg-demand-action:visible .el-dialog__title').click() // the list folds
    }, d.id)
    assert.equal(assigned.department, 2)
    assert.deepEqual(assigned.assisting.map((a) => a.id).sort((a, b) => a - b), [1, 4])
    await eventually(async () => (await page.getByTestId('demand-assisting-names').count()) === 1, { what: 'assisting shown' })
    const text = (await page.getByTestId('demand-assisting-names').innerText()).trim()
    assert.ok(text.includes('市财政局') && text.includes('国网聊城供电公司'), text)
  } finally {
    await context.close()
  }
})

// ---- menus and the phone ----

test('menus: 诉求通 for the staff who handle demands and for the enterprise; not for an inspector', T, async () => {
  const want = {
    officer: ['诉求收件箱', '诉求统计'],
    city_office: ['诉求收件箱', '诉求统计'],
    department: ['诉求收件箱', '诉求统计'],
    enterprise: ['我的诉求'],
  }
  for (const [user, items] of Object.entries(want)) {
    const { context, page } = await loginPage(browser, backend, user, creds[user])
    try {
      const group = page.getByTestId('menu-/demand-center')
      await group.waitFor()
      assert.equal((await group.locator('.el-sub-menu__title').innerText()).trim(), '诉求通')
      const titles = (await group.locator('.el-menu-item').allTextContents()).map((s) => s.trim())
      assert.deepEqual(titles, items, user)
    } finally {
      await context.close()
    }
  }
  const { context, page } = await loginPage(browser, backend, 'inspector', creds.inspector)
  try {
    await page.getByTestId('menu').waitFor()
    assert.equal(await page.getByTestId('menu-/demand-center').count(), 0)
    // The address alone leads home.
    await page.goto('/demands')
    await page.waitForURL((u) => u.pathname === '/')
  } finally {
    await context.close()
  }
})

test('phone 390×844: the inbox, a demand, the statistics, 我的诉求 and the QR page fit the screen', T, async () => {
  assert.ok(demandId)
  const pages = [
    ['officer', '/demands', 'demand-list'],
    ['officer', `/demands/${demandId}`, 'demand-page'],
    ['city_office', '/demands/stats', 'demand-stats'],
    ['chain_office', '/demands', 'demand-list'],
    ['enterprise', '/my-demands', 'demand-list'],
    ['enterprise', `/demands/${demandId}`, 'demand-page'],
    ['enterprise', `/m/entities/${uscc}/demand`, 'm-demand'],
  ]
  for (const user of new Set(pages.map((p) => p[0]))) {
    const { context, page } = await phoneContext()
    try {
      await page.goto('/login')
      await page.getByTestId('login-username').fill(user)
      await page.getByTestId('login-password').fill(creds[user])
      await page.getByTestId('login-submit').click()
      await page.getByTestId('user-menu').waitFor()
      for (const [, p, testid] of pages.filter((x) => x[0] === user)) {
        await page.goto(p)
        await ready(page, testid)
        await page.waitForTimeout(300) // charts and tabs lay themselves out
        await noOverflow(page, `${user} ${p}`)
        await page.screenshot({ path: path.join(SHOTS, `demand-phone-${user}-${p.split('/').filter(Boolean).join('-')}.png`), fullPage: true })
      }
      if (user === 'enterprise') {
        // 我的诉求: the enterprise's own list, with its new form.
        await page.goto('/my-demands')
        await ready(page, 'demand-list')
        const titles = await page.locator('[data-testid="demand-table"] .el-table__body [data-col="title"]').allInnerTexts()
        assert.ok(titles.some((t) => t.trim() === TITLE), titles.join())
        await page.getByTestId('demand-new').click()
        await page.getByTestId('demand-form-title').waitFor()
        const box = await page.locator('.el-dialog:visible').boundingBox()
        assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `the form fits: ${JSON.stringify(box)}`)
        await noOverflow(page, '我的诉求 with the form open')
      }
    } finally {
      await context.close()
    }
  }
})

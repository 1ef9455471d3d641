// Browser tests of 特种设备 (M6, 应检尽检): the bureau filters the register to its overdue units
// (the count is the API's), records an inspection of one (it shows in the history and the unit
// is overdue no more); the 定检率 page shows the API's figures by region and by category and
// draws its chart; the enterprise, on a phone (390×844), reaches its reminders through its menu
// and sees the API's; no page scrolls sideways at 390 px. Against the real backend on a fresh
// demo database (one for the whole file).
//
// Run: JIANGUAN_BIN=$PWD/build/jianguan node --test tests/web/equipment.test.mjs

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Backend, launchBrowser, eventually, withResponse } from './harness.mjs'
import { addMonths, dueMark, nextDueAfter, ratePeriods, unitBody } from '../../web/src/equipment.js'
import { todayCst } from '../../web/src/format.js'

const T = { timeout: 90_000 }
const DESKTOP = { width: 1440, height: 900 }
const PHONE = { width: 390, height: 844 }

const backend = new Backend()
let browser
const creds = {}
const tokens = {}
let ownUscc // the demo enterprise's entity

before(async () => {
  await backend.start()
  await backend.demoLogins(['bureau', 'enterprise'], creds, tokens)
  ownUscc = (await get('enterprise', '/auth/me')).user.entity
  assert.ok(ownUscc, 'the demo enterprise has its entity')
  browser = await launchBrowser()
})

after(async () => {
  if (browser) await browser.close()
  await backend.stop()
})

// ---- helpers ----

const get = (who, p) => backend.get(tokens[who], p)

async function total(who, p) {
  return (await get(who, `${p}${p.includes('?') ? '&' : '?'}page_size=1`)).total
}

async function login(username, viewport) {
  const phone = viewport === PHONE
  const context = await browser.newContext({ baseURL: backend.base, locale: 'zh-CN', viewport, isMobile: phone, hasTouch: phone })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  await page.goto('/login')
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(creds[username])
  await page.getByTestId('login-submit').click()
  await page.getByTestId('user-name').waitFor()
  return { context, page }
}

async function ready(page, testid) {
  await page.locator(`[data-testid="${testid}"][data-state="ready"]`).first().waitFor()
}

async function listTotal(page) {
  await ready(page, 'eq-list')
  return Number((await page.locator('[data-testid="eq-pager"] [data-testid="list-total"]').innerText()).replace(/\D/g, ''))
}

async function noOverflow(page, what) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
  const { doc, vw } = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, vw: window.innerWidth }))
  assert.ok(doc <= vw, `${what}: page ${doc}px wide in a ${vw}px viewport`)
}

async function chartDrawn(page, testid) {
  return eventually(
    () => page.locator(`[data-testid="${testid}"] canvas`).first().evaluate((c) => (c.width > 0 && c.height > 0 ? [c.width, c.height] : null)),
    { what: `${testid} drawn` },
  )
}

// ---- the pure parts of equipment.js ----

test('equipment.js: months, due marks, next due, bodies, periods', () => {
  assert.equal(addMonths('2024-02-29', 12), '2025-02-28')
  assert.equal(addMonths('2026-01-31', 1), '2026-02-28')
  assert.equal(addMonths('2026-12-03', 36), '2029-12-03')
  assert.equal(addMonths('2026-03-15', -3), '2025-12-15')
  assert.equal(addMonths('bad', 1), '')
  assert.deepEqual(dueMark({ status: 'in_use', overdue: true, days_left: -10 }), { key: 'overdue', text: '超期 10 天', type: 'danger' })
  assert.equal(dueMark({ status: 'in_use', overdue: false, days_left: 0 }).text, '今天到期')
  assert.equal(dueMark({ status: 'in_use', overdue: false, days_left: 5 }).text, '5 天后到期')
  assert.equal(dueMark({ status: 'in_use', overdue: false, days_left: 200 }), null)
  assert.equal(dueMark({ status: 'idle', overdue: false, days_left: null }).key, 'idle')
  const unit = { cycle_months: 12, next_due: '2026-11-23' }
  assert.equal(nextDueAfter(unit, '2026-12-03', 'qualified'), '2027-12-03')
  assert.equal(nextDueAfter(unit, '2026-12-03', 'unqualified'), '2026-11-23')
  // a registration leaves empty fields out; a change sends only what changed
  assert.deepEqual(unitBody({ registration_no: ' 梯11鲁P00123(24) ', category: 'elevator', owner: '91371500abc', model: '', interval_months: null }), {
    registration_no: '梯11鲁P00123(24)',
    category: 'elevator',
    owner: '91371500ABC',
  })
  const before = { owner: 'A', user_uscc: 'A', model: 'X', interval_months: 6, next_due: '2027-01-01', status: 'in_use', address: '' }
  assert.deepEqual(unitBody({ ...before, user_uscc: '', model: 'Y', interval_months: null, last_inspected: '2026-01-01' }, before), {
    model: 'Y',
    interval_months: null,
  })
  assert.deepEqual(unitBody({ ...before, user_uscc: '', next_due: '', status: 'idle' }, { ...before, user_uscc: 'B' }), {
    user_uscc: null,
    next_due: null,
    status: 'idle',
  })
  const p = ratePeriods('2026-12-03')
  assert.deepEqual(p.map((x) => [x.key, x.from, x.to]), [
    ['year', '2026-01-01', ''],
    ['quarter', '2026-10-01', ''],
    ['12m', '2025-12-04', ''],
    ['last_year', '2025-01-01', '2025-12-31'],
  ])
})

// ---- the bureau's register ----

test('特种设备台账: the overdue filter gives the API count; an inspection recorded leaves the unit overdue no more', T, async () => {
  const { context, page } = await login('bureau', DESKTOP)
  try {
    await page.goto('/equipment')
    const all = await total('bureau', '/equipment')
    assert.equal(await listTotal(page), all, 'the whole register')

    // 已超期 through the search form: the URL keeps it, the total is the API's
    const overdue = await total('bureau', '/equipment?overdue=1')
    assert.ok(overdue > 1 && overdue < all / 10, `the demo has a few overdue units (${overdue} of ${all})`)
    await page.getByTestId('filter-overdue').click()
    await page.locator('.jg-pop-overdue .el-select-dropdown__item').filter({ hasText: /^\s*已超期\s*$/ }).click()
    await page.waitForURL((u) => u.searchParams.get('overdue') === '1')
    assert.equal(await listTotal(page), overdue, 'overdue units, as the API counts them')
    assert.equal(Number(await page.getByTestId('chip-overdue-n').innerText()), (await get('bureau', '/equipment/reminders?limit=1')).overdue)
    const marks = await page.locator('[data-testid="eq-table"] .el-table__body [data-col="due"]').evaluateAll((els) => els.map((e) => e.dataset.key))
    assert.ok(marks.length && marks.every((k) => k === 'overdue'), `every row marked overdue: ${marks}`)
    // a category narrows it, as the API does; a reload keeps both
    const units = (await get('bureau', '/equipment?overdue=1&page_size=100')).items
    const cat = units[0].category
    await page.getByTestId('filter-category').click()
    await page.locator('.jg-pop-category .el-select-dropdown__item').filter({ hasText: new RegExp(`^\\s*${units[0].category_name.replace(/[()（）]/g, '.')}\\s*$`) }).click()
    await page.waitForURL((u) => u.searchParams.get('category') === cat)
    await page.reload()
    assert.equal(await listTotal(page), await total('bureau', `/equipment?overdue=1&category=${cat}`))
    await page.getByTestId('reset').click()
    await page.waitForURL((u) => !u.search)
    // the 30-day chip: due within 30 days
    await page.getByTestId('chip-due').click()
    await page.waitForURL((u) => u.searchParams.get('due_within') === '30')
    assert.equal(await listTotal(page), await total('bureau', '/equipment?due_within=30'))
    await page.getByTestId('chip-overdue').click()
    await page.waitForURL((u) => u.searchParams.get('overdue') === '1' && !u.searchParams.has('due_within'))
    assert.equal(await listTotal(page), overdue)

    // one of them (not the demo enterprise's: its reminders are tested below) opens its page
    const unit = units.find((u) => u.owner !== ownUscc && u.user_uscc !== ownUscc)
    assert.ok(unit, 'an overdue unit of another enterprise')
    await page.locator('[data-testid="eq-table"] .el-table__body tr').filter({ hasText: unit.registration_no }).first().click()
    await page.waitForURL(`**/equipment/${unit.id}`)
    await ready(page, 'eq-unit-page')
    assert.equal(await page.getByTestId('eq-unit-page').getAttribute('data-overdue'), 'true')
    assert.equal((await page.getByTestId('eq-registration-no').innerText()).trim(), unit.registration_no)
    assert.equal(await page.getByTestId('eq-due-mark').getAttribute('data-key'), 'overdue')
    await ready(page, 'eq-history')
    const rowsBefore = await page.locator('[data-testid="eq-history-table"] .el-table__body tr').count()
    assert.equal(rowsBefore, (await get('bureau', `/equipment/${unit.id}/inspections`)).items.length)

    // 录入检验: today, 合格, with a report number
    const today = todayCst()
    const report = `TS-E2E-${unit.id}`
    await page.getByTestId('eq-inspect').click()
    const dialog = page.getByTestId('eq-inspect-dialog')
    await dialog.waitFor()
    const expectedNext = addMonths(today, unit.cycle_months)
    assert.ok((await page.getByTestId('eq-inspect-next-hint').innerText()).includes(expectedNext), 'the next due date shown before saving')
    await page.getByTestId('eq-inspect-org').fill('聊城市特种设备检验研究院')
    await page.getByTestId('eq-inspect-report').fill(report)
    const resp = await withResponse(
      page,
      (u, r) => u.pathname === `/api/v1/equipment/${unit.id}/inspections` && r.request().method() === 'POST',
      () => page.getByTestId('eq-inspect-save').click(),
    )
    assert.equal(resp.status(), 201)
    await dialog.waitFor({ state: 'hidden' })

    // the history has it, the unit is no longer overdue (page and API agree)
    await eventually(async () => (await page.getByTestId('eq-unit-page').getAttribute('data-overdue')) === 'false', { what: 'unit not overdue' })
    const after = await get('bureau', `/equipment/${unit.id}`)
    assert.equal(after.overdue, false)
    assert.equal(after.next_due, expectedNext)
    assert.equal((await page.getByTestId('eq-next-due').innerText()).trim(), after.next_due)
    assert.equal((await page.getByTestId('eq-last-inspected').innerText()).trim(), today)
    if (unit.cycle_months > 1) assert.equal(await page.getByTestId('eq-due-mark').count(), 0, 'no due mark months ahead')
    const first = page.locator('[data-testid="eq-history-table"] .el-table__body tr').first()
    await eventually(async () => (await first.locator('[data-col="report_no"]').innerText()).trim() === report, { what: 'new inspection in the history' })
    assert.equal((await first.locator('[data-col="inspected_on"]').innerText()).trim(), today)
    assert.equal((await first.locator('[data-col="conclusion"]').innerText()).trim(), '合格')
    assert.equal((await first.locator('[data-col="timeliness"]').innerText()).trim(), '超期检验')
    assert.equal(await page.locator('[data-testid="eq-history-table"] .el-table__body tr').count(), rowsBefore + 1)

    // back in the list, one overdue fewer
    await page.goBack()
    await page.waitForURL((u) => u.pathname === '/equipment' && u.searchParams.get('overdue') === '1')
    await eventually(async () => (await listTotal(page)) === overdue - 1, { what: 'one overdue fewer' })
    assert.equal(await total('bureau', '/equipment?overdue=1'), overdue - 1)
    assert.equal(await page.locator('[data-testid="eq-table"] .el-table__body tr').filter({ hasText: unit.registration_no }).count(), 0)
  } finally {
    await context.close()
  }
})

// ---- 定检率 ----

test('定检率: the figures and rows are the API answer, by region and by category; the chart is drawn', T, async () => {
  const { context, page } = await login('bureau', DESKTOP)
  try {
    for (const by of ['region', 'category']) {
      if (by === 'region') await page.goto('/equipment/rate')
      else await page.getByTestId('eq-rate-by-category').click()
      await page.waitForURL((u) => u.pathname === '/equipment/rate' && (by === 'region' || u.searchParams.get('by') === 'category'))
      await eventually(async () => (await page.locator(`[data-testid="eq-rate-table"] [data-col="label"]`).count()) > 0 && (await page.getByTestId('eq-rate-page').getAttribute('data-state')) === 'ready', { what: 'rate loaded' })
      const api = await get('bureau', `/equipment/inspection-rate?by=${by}`)
      assert.ok(api.total.due > 0, 'dues in the period')
      const shown = async (k) => page.getByTestId(`eq-rate-stat-${k}-value`).getAttribute('data-value')
      assert.equal(Number(await shown('rate')), api.total.rate)
      assert.equal(Number(await shown('due')), api.total.due)
      assert.equal(Number(await shown('fulfilled')), api.total.on_time + api.total.early)
      assert.equal(Number(await shown('late')), api.total.late)
      assert.equal(Number(await shown('missed')), api.total.missed)
      assert.equal(Number(await shown('pending')), api.total.pending)
      const pct = (r) => {
        const p = (r * 100).toFixed(2)
        return `${p.endsWith('.00') ? p.slice(0, -3) : p}%`
      }
      assert.equal((await page.getByTestId('eq-rate-stat-rate-value').innerText()).trim(), pct(api.total.rate))
      assert.equal((await page.getByTestId('eq-rate-period').innerText()).includes(`${api.from} 至 ${api.to}`), true)
      // every group, in order, with its rate and counts
      const table = page.getByTestId('eq-rate-table')
      assert.deepEqual(await table.locator('[data-col="label"]').allInnerTexts(), api.groups.map((g) => g.label))
      assert.deepEqual(await table.locator('[data-col="rate"]').allInnerTexts(), api.groups.map((g) => (g.rate === null ? '—' : pct(g.rate))))
      assert.deepEqual((await table.locator('[data-col="due"]').allInnerTexts()).map((s) => Number(s.replace(/,/g, ''))), api.groups.map((g) => g.due))
      assert.deepEqual((await table.locator('[data-col="missed"]').allInnerTexts()).map(Number), api.groups.map((g) => g.missed))
      assert.ok(await chartDrawn(page, 'eq-rate-chart'))
    }
    // last year, through its preset: the API's answer for that period
    await page.getByTestId('eq-rate-preset-last_year').click()
    await page.waitForURL((u) => u.searchParams.get('to') !== null)
    const q = new URL(page.url()).searchParams
    await ready(page, 'eq-rate-page')
    const api = await get('bureau', `/equipment/inspection-rate?by=category&from=${q.get('from')}&to=${q.get('to')}`)
    await eventually(async () => Number(await page.getByTestId('eq-rate-stat-due-value').getAttribute('data-value')) === api.total.due, { what: 'last year due' })
    assert.equal(Number(await page.getByTestId('eq-rate-stat-rate-value').getAttribute('data-value')), api.total.rate)
  } finally {
    await context.close()
  }
})

// ---- the enterprise on a phone ----

test('设备检验提醒 at 390 px: the enterprise reaches its reminders through its menu and sees the API answer', T, async () => {
  const { context, page } = await login('enterprise', PHONE)
  try {
    await page.getByRole('button', { name: '菜单', exact: true }).click()
    const item = page.getByTestId('menu-/my-equipment')
    await page.getByTestId('menu').waitFor()
    if (!(await item.isVisible())) {
      await page.getByTestId('menu').locator('.el-sub-menu').filter({ has: item }).locator('.el-sub-menu__title').first().click()
    }
    await item.click()
    await page.waitForURL((u) => u.pathname === '/my-equipment')
    await ready(page, 'my-eq-page')
    const api = await get('enterprise', '/equipment/reminders')
    assert.ok(api.overdue >= 1 && api.due_soon >= 2, `the demo enterprise has units to remind of (${api.overdue}, ${api.due_soon})`)
    assert.equal(Number(await page.getByTestId('my-eq-overdue-value').getAttribute('data-value')), api.overdue)
    assert.equal(Number(await page.getByTestId('my-eq-soon-value').getAttribute('data-value')), api.due_soon)
    await page.getByTestId('my-eq-warning').waitFor()
    const items = page.getByTestId('my-eq-item')
    assert.deepEqual((await items.evaluateAll((els) => els.map((e) => Number(e.dataset.id)))), api.items.map((u) => u.id))
    assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.dataset.key)), api.items.map((u) => (u.overdue ? 'overdue' : 'soon')))
    assert.equal((await items.first().locator('[data-role="next_due"]').innerText()).trim(), api.items[0].next_due)
    await noOverflow(page, 'reminders')

    // all its units, paged
    await page.getByTestId('my-eq-tabs').getByText(/全部设备/).click()
    await ready(page, 'my-eq-all')
    const mine = await get('enterprise', '/equipment?page_size=10')
    assert.equal(await page.getByTestId('my-eq-unit').count(), mine.items.length)
    await noOverflow(page, 'all units')

    // the overdue unit's page: read-only, with its history
    await page.getByTestId('my-eq-tabs').getByText(/待检提醒/).click()
    await items.first().click()
    await page.waitForURL(`**/equipment/${api.items[0].id}`)
    await ready(page, 'eq-unit-page')
    await ready(page, 'eq-history')
    assert.equal(await page.getByTestId('eq-unit-page').getAttribute('data-overdue'), String(api.items[0].overdue))
    assert.equal(await page.getByTestId('eq-inspect').count(), 0, 'no recording for the enterprise')
    assert.equal(await page.getByTestId('eq-edit').count(), 0, 'no editing for the enterprise')
    await noOverflow(page, 'unit page (enterprise)')
  } finally {
    await context.close()
  }
})

// ---- the staff pages on a phone ----

test('390 px: the register, a unit and 定检率 fit the screen', T, async () => {
  const { context, page } = await login('bureau', PHONE)
  try {
    await page.goto('/equipment?overdue=1')
    await ready(page, 'eq-list')
    await noOverflow(page, 'register')
    await page.getByTestId('filters-toggle').click()
    await page.getByTestId('filter-category').waitFor()
    await noOverflow(page, 'register with its search form')
    const unit = (await get('bureau', '/equipment?overdue=1&page_size=1')).items[0]
    await page.goto(`/equipment/${unit.id}`)
    await ready(page, 'eq-unit-page')
    await ready(page, 'eq-history')
    await noOverflow(page, 'unit page')
    await page.getByTestId('eq-inspect').click()
    await page.getByTestId('eq-inspect-dialog').waitFor()
    await noOverflow(page, 'inspection dialog')
    await page.keyboard.press('Escape')
    await page.getByTestId('eq-edit').click()
    await page.getByTestId('eq-form-dialog').waitFor()
    await noOverflow(page, 'edit dialog')
    await page.keyboard.press('Escape')
    await page.goto('/equipment/rate?by=category')
    await ready(page, 'eq-rate-page')
    await page.locator('[data-testid="eq-rate-table"] [data-col="label"]').first().waitFor()
    assert.ok(await chartDrawn(page, 'eq-rate-chart'))
    await noOverflow(page, '定检率')
  } finally {
    await context.close()
  }
})

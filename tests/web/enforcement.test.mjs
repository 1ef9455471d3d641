// Browser tests of 检查执法 (M5): the school-canteen campaign's page shows the counters the API
// computes (2,490 inspections, 163 rectification orders, 12 interviews, 16 cases, coverage);
// an inspector records a 责令整改 inspection on a phone (390×844) and the bureau's passed 复查
// turns it 已整改; a case's page shows its 免罚轻罚 check (符合 / 不符合 with the API's reasons,
// 不予处罚 disabled when not eligible), a decision is recorded and the first revisit closes it;
// the coverage page shows each region's percentage as the API gives it; every page fits a
// 390 px phone. Against the real backend on a fresh demo database (harness.mjs).
//
// Run: JIANGUAN_BIN=$PWD/build/jianguan node --test tests/web/enforcement.test.mjs

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { Backend, ROOT, launchBrowser, loginPage, eventually, withResponse } from './harness.mjs'
import { coverageText, dateOutside, fineText, minorConditions, rectifyState } from '../../web/src/enforcement.js'
import { thousands, todayCst } from '../../web/src/format.js'

const T = { timeout: 90_000 }
const SHOTS = path.join(ROOT, 'build/web-shots')
const PHONE = { width: 390, height: 844 }
const NOTE = '后厨防蝇防鼠设施不到位，当场责令整改。'
const RECHECK_NOTE = '复查：防蝇帘、挡鼠板已安装到位。'

const backend = new Backend()
let browser
const creds = {}
const tokens = {}
const users = {} // demo username → {id, ...} as /auth/me answers
let school // the school-canteen campaign, as the API gives it
let inspectionId // the record the inspector makes
let entities // a few active entities without cases, for the records and the case made here
let desk // the bureau's desktop browser, logged in once: {context, page}

before(async () => {
  mkdirSync(SHOTS, { recursive: true })
  await backend.start()
  await backend.demoLogins(['bureau', 'inspector'], creds, tokens, users)
  const list = await backend.get(tokens.bureau, '/campaigns?page_size=50')
  const c = list.items.find((x) => x.name.includes('学校食堂'))
  assert.ok(c, 'the demo has the school-canteen campaign')
  school = await backend.get(tokens.bureau, `/campaigns/${c.id}`)
  // Active entities with no case yet (the 免罚轻罚 check of a new case then depends on its own facts).
  const page = await backend.get(tokens.bureau, '/entities?status=active&page_size=40')
  entities = []
  for (const e of page.items) {
    if ((await backend.get(tokens.bureau, `/cases?uscc=${e.uscc}&page_size=1`)).total === 0) entities.push(e)
    if (entities.length === 2) break
  }
  assert.equal(entities.length, 2, 'two demo entities without cases')
  browser = await launchBrowser()
})

after(async () => {
  if (desk) await desk.context.close()
  if (browser) await browser.close()
  await backend.stop()
})

// ---- helpers ----

async function call(who, method, p, body) {
  const headers = { Authorization: `Bearer ${tokens[who]}` }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const r = await fetch(`${backend.base}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await r.text()
  return { status: r.status, body: text ? JSON.parse(text) : null }
}

const apiPath = (p, method) => (u, r) => u.pathname === `/api/v1${p}` && (!method || r.request().method() === method)

async function noOverflow(page, what) {
  const { doc, vw } = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, vw: window.innerWidth }))
  assert.ok(doc <= vw, `${what}: page ${doc}px wide in a ${vw}px viewport`)
}

async function ready(page, testid) {
  await page.locator(`[data-testid="${testid}"][data-state="ready"]`).waitFor()
}

async function text(page, testid) {
  return (await page.getByTestId(testid).innerText()).replace(/\s+/g, ' ').trim()
}

async function phoneLogin(username) {
  const context = await browser.newContext({ baseURL: backend.base, locale: 'zh-CN', viewport: PHONE, isMobile: true, hasTouch: true })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  await page.goto('/login')
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(creds[username])
  await page.getByTestId('login-submit').click()
  await page.getByTestId('user-menu').waitFor()
  return { context, page }
}

// The bureau's desktop page (1440×900), logged in through the form once for all its tests.
async function bureauDesk() {
  if (!desk) desk = await loginPage(browser, backend, 'bureau', creds.bureau)
  return desk.page
}

// Goes to p inside the app, as a link would (no reload of the whole page).
async function go(page, p) {
  await page.evaluate((to) => document.querySelector('#app').__vue_app__.config.globalProperties.$router.push(to), p)
  await page.waitForURL((u) => u.pathname + u.search === p)
}

// Waits for the case page to show case id (another case's page may be in the same view).
async function caseReady(page, id) {
  await eventually(async () => (await page.getByTestId('case-page').getAttribute('data-case')) === String(id), { what: `case ${id} shown` })
  await ready(page, 'case-page')
}

// Fills an Element Plus date picker (wrapped in a test id) with YYYY-MM-DD.
async function typeDate(page, testid, date) {
  const input = page.locator(`[data-testid="${testid}"] input`)
  await input.fill(date)
  await input.press('Enter')
  await eventually(async () => (await input.inputValue()) === date, { what: `${testid} = ${date}` })
}

// YYYY-MM-DD n days after `from`.
function addDays(from, n) {
  const [y, m, d] = from.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10)
}

// Clicks the menu entry of `p`, unfolding 检查执法 first (desktop).
async function clickMenu(page, p) {
  const item = page.getByTestId(`menu-${p}`)
  if (!(await item.isVisible())) {
    await page.getByTestId('menu-/enforcement-center').locator('.el-sub-menu__title').click()
    await item.waitFor({ state: 'visible' })
  }
  await item.click()
}

// ---- the pure parts of enforcement.js ----

test('enforcement.js: coverage, fines, rectification states, dates, 免罚轻罚 conditions', () => {
  assert.equal(coverageText(1), '100%')
  assert.equal(coverageText(0.6712), '67.12%')
  assert.equal(coverageText(0.183), '18.30%')
  assert.equal(coverageText(null), '—')
  assert.equal(fineText(500000), '5,000.00 元')
  assert.equal(fineText(null), '—')
  assert.equal(rectifyState({ rectification: 'open', overdue: true }), 'overdue')
  assert.equal(rectifyState({ rectification: 'done', overdue: false }), 'done')
  assert.equal(rectifyState({ rectification: null }), '')
  assert.equal(dateOutside(new Date(2026, 11, 2), '2026-12-03', ''), true)
  assert.equal(dateOutside(new Date(2026, 11, 3), '2026-12-03', '2026-12-03'), false)
  assert.equal(dateOutside(new Date(2026, 11, 4), '', '2026-12-03'), true)
  const rows = minorConditions({
    eligible: false,
    reasons: [
      { code: 'harm_not_slight', message: '危害后果不属于轻微' },
      { code: 'correction_unknown', message: '尚未确认是否及时改正' },
    ],
  })
  assert.deepEqual(
    rows.map((r) => [r.key, r.met, r.reasons]),
    [
      ['first', true, []],
      ['slight', false, ['危害后果不属于轻微']],
      ['corrected', false, ['尚未确认是否及时改正']],
    ],
  )
})

// ---- 专项行动 ----

test('desktop: the school-canteen campaign page shows the counters the API computes', T, async () => {
  // The source's figures (the demo carries them at every scale).
  assert.deepEqual(
    [school.inspections, school.rectifications, school.interviews, school.cases, school.in_scope],
    [2490, 163, 12, 16, 800],
    'the demo school campaign carries the source figures',
  )
  const page = await bureauDesk()
  // Through the menu: 检查执法 → 专项行动, then the campaign's row.
  await clickMenu(page, '/enforcement/campaigns')
  await page.waitForURL((u) => u.pathname === '/enforcement/campaigns')
  const menu = (await page.getByTestId('menu-/enforcement-center').locator('.el-menu-item').allTextContents()).map((s) => s.trim())
  assert.deepEqual(menu, ['专项行动', '检查记录', '案件', '检查覆盖率'])
  await ready(page, 'campaign-list')
  await page.getByTestId('campaign-table').locator('.el-table__row').filter({ hasText: school.name }).first().click()
  await page.waitForURL((u) => u.pathname === `/enforcement/campaigns/${school.id}`)
  await ready(page, 'campaign-page')
  assert.equal(await text(page, 'campaign-title'), school.name)

  const figure = (k) => text(page, `campaign-stat-${k}-value`)
  assert.equal(await figure('inspections'), thousands(school.inspections))
  assert.equal(await figure('inspected'), thousands(school.inspected))
  assert.equal(await figure('rectifications'), thousands(school.rectifications))
  assert.equal(await figure('interviews'), thousands(school.interviews))
  assert.equal(await figure('cases'), thousands(school.cases))
  assert.equal(await figure('coverage'), coverageText(school.coverage))
  assert.equal(await figure('inspections'), '2,490')
  // The chart is drawn, and the campaign's own records are listed: as many as it counts.
  await page.getByTestId('campaign-chart').locator('canvas').first().waitFor()
  await ready(page, 'campaign-inspections')
  await eventually(async () => (await page.getByTestId('campaign-insp-pager').getByTestId('list-total').innerText()).includes(thousands(school.inspections)), {
    what: 'list total',
  })
  await page.screenshot({ path: path.join(SHOTS, 'enforcement-campaign.png') })

  // Only its rectification orders: 163.
  await page.getByTestId('campaign-filter-outcome').click()
  await page.locator('.jg-pop-campaign-outcome .el-select-dropdown__item').filter({ hasText: /^\s*责令整改\s*$/ }).click()
  await eventually(async () => (await page.getByTestId('campaign-insp-pager').getByTestId('list-total').innerText()).includes(`${school.rectifications} 条`), {
    what: 'rectify orders listed',
  })
})

// ---- 检查记录: 责令整改 on a phone, 复查 by the bureau ----

test('phone: an inspector records a 责令整改 inspection', T, async () => {
  const target = entities[0]
  const rectifyBy = addDays(todayCst(), 15)
  const { context, page } = await phoneLogin('inspector')
  try {
    // Through the drawer's menu: 检查执法 → 检查记录.
    await page.getByTestId('menu-button').click()
    await page.getByTestId('menu-/enforcement-center').locator('.el-sub-menu__title').click()
    await page.getByTestId('menu-/enforcement/inspections').click()
    await page.waitForURL((u) => u.pathname === '/enforcement/inspections')
    await ready(page, 'insp-list')
    await noOverflow(page, 'inspection list')
    await page.getByTestId('insp-new').click()
    await page.waitForURL((u) => u.pathname === '/enforcement/inspections/new')
    await page.getByTestId('insp-form').waitFor()
    await noOverflow(page, 'new inspection form')

    // The entity by its code; the inspector is already on the team.
    await page.getByTestId('insp-entity').locator('input').pressSequentially(target.uscc)
    const option = page.locator('.jg-pop-insp-entity .el-select-dropdown__item').filter({ hasText: target.uscc }).first()
    await option.waitFor({ state: 'visible' })
    await option.click()
    await page.getByTestId('insp-entity-info').waitFor()
    const team = await page.getByTestId('insp-inspectors').locator('.el-tag').allInnerTexts()
    assert.equal(team.length, 1)
    assert.ok(team[0].includes('（我）'), `the inspector is on the team: ${team}`)
    await page.getByTestId('insp-outcome-rectify').click()
    await typeDate(page, 'insp-rectify-by', rectifyBy)
    await page.getByTestId('insp-note').fill(NOTE)
    await noOverflow(page, 'new inspection form, filled')
    await page.screenshot({ path: path.join(SHOTS, 'enforcement-new-phone.png'), fullPage: true })

    const resp = await withResponse(page, apiPath('/inspections', 'POST'), () => page.getByTestId('insp-submit').click())
    assert.equal(resp.status(), 201, await resp.text())
    inspectionId = (await resp.json()).id
    await page.waitForURL((u) => u.pathname === `/enforcement/inspections/${inspectionId}`)
    await ready(page, 'insp-page')
    assert.equal(await text(page, 'rec-outcome'), '责令整改')
    assert.equal(await text(page, 'rec-rectify-state'), '整改中')
    assert.equal(await text(page, 'rec-rectify-by'), rectifyBy)
    assert.equal(await text(page, 'rec-entity-name'), target.name)
    await noOverflow(page, 'inspection record')

    const stored = await backend.get(tokens.bureau, `/inspections/${inspectionId}`)
    assert.equal(stored.uscc, target.uscc)
    assert.equal(stored.kind, 'routine')
    assert.equal(stored.outcome, 'rectify')
    assert.equal(stored.rectification, 'open')
    assert.equal(stored.rectify_by, rectifyBy)
    assert.equal(stored.inspected_on, todayCst())
    assert.deepEqual(stored.inspectors, [users.inspector.id])
    assert.equal(stored.recorded_by, users.inspector.id)
    assert.equal(stored.note, NOTE)
  } finally {
    await context.close()
  }
})

test('desktop: the bureau records a passed 复查 and the record shows 已整改', T, async () => {
  assert.ok(inspectionId, 'recorded by the previous test')
  const page = await bureauDesk()
  // Among the open orders of the list, then its page.
  await go(page, '/enforcement/inspections?rectification=open&sort=-id')
  await ready(page, 'insp-list')
  await page.getByTestId('insp-table').locator('.el-table__row').filter({ hasText: entities[0].name }).first().click()
  await page.waitForURL((u) => u.pathname === `/enforcement/inspections/${inspectionId}`)
  await ready(page, 'insp-page')
  assert.equal(await text(page, 'rec-rectification'), '整改中')

  await page.getByTestId('recheck-passed-yes').click()
  await page.getByTestId('recheck-note').fill(RECHECK_NOTE)
  const resp = await withResponse(page, apiPath(`/inspections/${inspectionId}/rectification`, 'POST'), () =>
    page.getByTestId('recheck-submit').click(),
  )
  assert.equal(resp.status(), 200, await resp.text())
  await eventually(async () => (await text(page, 'rec-rectify-state')) === '已整改', { what: '已整改 shown' })
  assert.equal(await text(page, 'rec-rectification'), '已整改')
  assert.equal(await text(page, 'rec-rectified-on'), todayCst())
  const fu = await page.getByTestId('rec-followup').allInnerTexts()
  assert.equal(fu.length, 1)
  assert.ok(fu[0].includes('整改合格') && fu[0].includes(RECHECK_NOTE), fu[0])
  assert.equal(await page.getByTestId('recheck-form').count(), 0, 'no more re-checks once done')
  await page.screenshot({ path: path.join(SHOTS, 'enforcement-recheck.png') })

  const stored = await backend.get(tokens.bureau, `/inspections/${inspectionId}`)
  assert.equal(stored.rectification, 'done')
  assert.equal(stored.rectified_on, todayCst())
  assert.equal(stored.follow_ups.length, 1)
  assert.equal(stored.follow_ups[0].passed, true)
})

// ---- 案件 ----

// Opens the case's page and checks its 免罚轻罚 check against the API's.
async function checkMinor(page, kase) {
  await go(page, `/enforcement/cases/${kase.id}`)
  await caseReady(page, kase.id)
  const m = kase.minor_check
  assert.equal(await text(page, 'case-minor-result'), m.eligible ? '符合' : '不符合')
  const shown = (await page.getByTestId('case-minor-reason').allInnerTexts()).map((s) => s.trim())
  assert.deepEqual(shown.sort(), m.reasons.map((r) => r.message).sort(), 'each reason the API gives')
  const noPenalty = page.getByTestId('decision-no_penalty')
  assert.equal(await noPenalty.locator('input').isDisabled(), !m.eligible, '不予处罚 only when eligible')
  if (!m.eligible) {
    const blocked = await text(page, 'decision-blocked')
    for (const r of m.reasons) assert.ok(blocked.includes(r.message), `the disabled 不予处罚 says why: ${r.message}`)
  }
}

test('desktop: a case shows its 免罚轻罚 check; a penalty is decided; the first revisit closes it', T, async () => {
  // The demo's open case (a serious harm, correction unknown): not eligible.
  const open = await backend.get(tokens.bureau, '/cases?status=open&sort=-id&page_size=1')
  assert.ok(open.items.length, 'the demo has an open case')
  const kase = await backend.get(tokens.bureau, `/cases/${open.items[0].id}`)
  assert.equal(kase.minor_check.eligible, false)
  assert.ok(kase.minor_check.reasons.length >= 1)

  const page = await bureauDesk()
  await checkMinor(page, kase)
  await page.screenshot({ path: path.join(SHOTS, 'enforcement-case-open.png') })

  // 予以处罚, 5,000 元.
  await page.getByTestId('decision-penalty').click()
  const fine = page.locator('[data-testid="decision-fine"] input')
  await fine.fill('5000')
  await fine.press('Tab')
  await page.getByTestId('decision-note').fill('依据《中华人民共和国产品质量法》予以处罚。')
  const resp = await withResponse(page, apiPath(`/cases/${kase.id}/decision`, 'POST'), () => page.getByTestId('decision-submit').click())
  assert.equal(resp.status(), 200, await resp.text())
  await eventually(async () => (await text(page, 'case-status')) === '已决定', { what: '已决定 shown' })
  assert.equal(await text(page, 'case-decision-text'), '予以处罚')
  assert.equal(await text(page, 'case-fine'), '5,000.00 元')
  let stored = await backend.get(tokens.bureau, `/cases/${kase.id}`)
  assert.equal(stored.status, 'decided')
  assert.equal(stored.decision, 'penalty')
  assert.equal(stored.fine, 500000)
  assert.equal(stored.decided_on, todayCst())
  assert.equal(await text(page, 'case-fine'), fineText(stored.fine))

  // 案件回访: the first one closes the case.
  await page.getByTestId('revisit-satisfied-yes').click()
  await page.getByTestId('revisit-note').fill('当事人已完成整改，对执法过程满意。')
  const visit = await withResponse(page, apiPath(`/cases/${kase.id}/revisits`, 'POST'), () => page.getByTestId('revisit-submit').click())
  assert.equal(visit.status(), 201, await visit.text())
  await eventually(async () => (await text(page, 'case-status')) === '已结案', { what: '已结案 shown' })
  assert.equal(await text(page, 'case-closed-on'), todayCst())
  assert.equal(await page.getByTestId('case-revisit').count(), 1)
  await page.screenshot({ path: path.join(SHOTS, 'enforcement-case-closed.png') })
  stored = await backend.get(tokens.bureau, `/cases/${kase.id}`)
  assert.equal(stored.status, 'closed')
  assert.equal(stored.closed_on, todayCst())
  assert.equal(stored.revisits.length, 1)
  assert.equal(stored.revisits[0].satisfied, true)
})

test('desktop: an eligible case shows 符合 and is decided 不予处罚', T, async () => {
  // A first violation, slight, corrected in time.
  const made = await call('bureau', 'POST', '/cases', {
    uscc: entities[1].uscc,
    department: school.department,
    opened_on: todayCst(),
    violation: '价格标签不规范',
    basis: '《明码标价和禁止价格欺诈规定》第五条',
    harm: 'slight',
    corrected_in_time: true,
  })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  const kase = made.body
  assert.equal(kase.minor_check.eligible, true)

  const page = await bureauDesk()
  await checkMinor(page, kase)
  const conds = await page.getByTestId('case-minor-conditions').locator('li').evaluateAll((els) => els.map((e) => e.dataset.met))
  assert.deepEqual(conds, ['true', 'true', 'true'])
  await page.getByTestId('decision-no_penalty').click()
  assert.equal(await page.getByTestId('decision-fine').count(), 0, 'no fine for 不予处罚')
  const resp = await withResponse(page, apiPath(`/cases/${kase.id}/decision`, 'POST'), () => page.getByTestId('decision-submit').click())
  assert.equal(resp.status(), 200, await resp.text())
  await eventually(async () => (await text(page, 'case-decision-text')) === '不予处罚', { what: '不予处罚 shown' })
  const stored = await backend.get(tokens.bureau, `/cases/${kase.id}`)
  assert.equal(stored.decision, 'no_penalty')
  assert.equal(stored.fine, 0)
})

// ---- 检查覆盖率 ----

test('desktop: the coverage page shows each region with the API percentage', T, async () => {
  const page = await bureauDesk()
  await clickMenu(page, '/enforcement/coverage')
  await page.waitForURL((u) => u.pathname === '/enforcement/coverage')
  await ready(page, 'coverage-page')
  const api = await backend.get(tokens.bureau, '/inspections/coverage?by=region')
  assert.ok(api.groups.length >= 11, 'the 11 county-level regions')
  const rows = async () => {
    const table = page.getByTestId('coverage-table')
    const labels = await table.locator('[data-col="label"]').allInnerTexts()
    const rates = await table.locator('[data-col="coverage"]').allInnerTexts()
    return labels.map((l, i) => [l.trim(), rates[i].trim()])
  }
  await eventually(async () => (await rows()).length === api.groups.length, { what: 'coverage rows' })
  assert.deepEqual(
    await rows(),
    api.groups.map((g) => [g.label, coverageText(g.coverage)]),
  )
  assert.equal(await text(page, 'coverage-stat-coverage-value'), coverageText(api.total.coverage))
  assert.equal(await text(page, 'coverage-stat-inspected-value'), thousands(api.total.inspected))
  await page.getByTestId('coverage-chart').locator('canvas').first().waitFor()
  await page.screenshot({ path: path.join(SHOTS, 'enforcement-coverage.png') })

  // By industry, this year: the API's groups again.
  const year = `${todayCst().slice(0, 4)}-01-01`
  await page.getByTestId('coverage-by').getByText('按行业').click()
  await page.getByTestId('coverage-preset').getByText('本年').click()
  await page.waitForURL((u) => u.searchParams.get('by') === 'industry' && u.searchParams.get('from') === year)
  await ready(page, 'coverage-page')
  const ind = await backend.get(tokens.bureau, `/inspections/coverage?by=industry&from=${year}`)
  await eventually(async () => JSON.stringify(await rows()) === JSON.stringify(ind.groups.map((g) => [g.label, coverageText(g.coverage)])), {
    what: 'industry rows as the API',
  })
})

// ---- every page on a phone ----

test('phone: every page of 检查执法 fits a 390 px screen', T, async () => {
  // An open case with its decision form (not eligible: the entity was decided on today), and a
  // closed one with its revisits.
  const made = await call('bureau', 'POST', '/cases', {
    uscc: entities[1].uscc,
    department: school.department,
    opened_on: todayCst(),
    violation: '再次发现价格标签不规范，拒不改正',
    harm: 'ordinary',
  })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  assert.ok(made.body.minor_check.reasons.some((r) => r.code === 'not_first'), 'a second violation is not a first one')
  const closed = (await backend.get(tokens.bureau, '/cases?status=closed&page_size=1')).items[0]
  // The bureau's pages carry every control (edit, decide, revisit); the inspection list and
  // the new record's form were checked on the inspector's phone above.
  const { context, page } = await phoneLogin('bureau')
  try {
    const visits = [
      ['/enforcement/campaigns', 'campaign-list'],
      [`/enforcement/campaigns/${school.id}`, 'campaign-page'],
      [`/enforcement/inspections/${inspectionId}`, 'insp-page'],
      ['/enforcement/cases', 'case-list'],
      [`/enforcement/cases/${made.body.id}`, 'case-page'],
      [`/enforcement/cases/${closed.id}`, 'case-page'],
      ['/enforcement/coverage', 'coverage-page'],
    ]
    for (const [p, id] of visits) {
      await go(page, p)
      if (id === 'case-page') await caseReady(page, p.split('/').pop())
      else await ready(page, id)
      await page.waitForTimeout(150) // charts and tables lay out
      await noOverflow(page, p)
    }
    await go(page, `/enforcement/cases/${made.body.id}`)
    await caseReady(page, made.body.id)
    await page.getByTestId('decision-blocked').waitFor()
    await page.screenshot({ path: path.join(SHOTS, 'enforcement-case-phone.png'), fullPage: true })
    // The dialogs too.
    await page.getByTestId('case-edit').click()
    await page.getByTestId('case-violation').waitFor()
    await noOverflow(page, 'case dialog')
    await go(page, '/enforcement/campaigns')
    await ready(page, 'campaign-list')
    await page.getByTestId('campaign-new').click()
    await page.getByTestId('campaign-form-name').waitFor()
    await noOverflow(page, 'campaign dialog')
  } finally {
    await context.close()
  }
})

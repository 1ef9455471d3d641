// Browser tests of 气瓶充装 (M7): the bureau's overview shows the API's counts and draws its
// charts; the station's desk on a phone (390×844) checks an allowed cylinder (可以充装), records
// its filling (it appears among today's fillings) and checks a refused one (禁止充装 with the
// API's own reasons); 扫码查瓶 without a login says 可以使用 / 不能使用 as the public API does; no
// page scrolls sideways at 390 px. Against the real backend on a fresh demo database.
//
// Run: JIANGUAN_BIN=$PWD/build/jianguan node --test tests/web/cylinders.test.mjs

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Backend, launchBrowser, eventually } from './harness.mjs'
import { weekStart, cylinderMark, netWeight, overfills, addDays } from '../../web/src/cylinders.js'

const T = { timeout: 60_000 }
const PHONE = { width: 390, height: 844 }

const backend = new Backend()
let browser
const creds = {}
const tokens = {}
let filler // the desk's default filler: the first on duty with a valid certificate
let medium // the desk's default medium: the station's first
let allowedCode // a cylinder of the station the check allows
let refusedCode // one it refuses (overdue)
let types

before(async () => {
  await backend.start()
  await backend.demoLogins(['station', 'bureau'], creds, tokens)
  browser = await launchBrowser()
})

after(async () => {
  if (browser) await browser.close()
  await backend.stop()
})

// ---- helpers ----

const get = (who, p) => backend.get(tokens[who], p)

async function post(who, p, body) {
  const r = await fetch(`${backend.base}/api/v1${p}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${tokens[who]}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: r.status, body: await r.json() }
}

async function total(who, p) {
  return (await get(who, `${p}${p.includes('?') ? '&' : '?'}page_size=1`)).total
}

async function phoneContext() {
  const context = await browser.newContext({ baseURL: backend.base, locale: 'zh-CN', viewport: PHONE, isMobile: true, hasTouch: true })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return { context, page }
}

async function phoneLogin(username) {
  const { context, page } = await phoneContext()
  await page.goto('/login')
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(creds[username])
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
  return { context, page }
}

async function noOverflow(page, what) {
  await page.waitForTimeout(150)
  const { doc, vw } = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, vw: window.innerWidth }))
  assert.ok(doc <= vw, `${what}: page ${doc}px wide in a ${vw}px viewport`)
}

async function ready(page, testid) {
  await page.locator(`[data-testid="${testid}"][data-state="ready"]`).first().waitFor()
}

// ---- the pure parts of cylinders.js ----

test('cylinders.js: week, marks, weights', () => {
  assert.equal(weekStart('2026-12-03'), '2026-11-30') // a Thursday → its Monday
  assert.equal(weekStart('2026-12-06'), '2026-11-30') // Sunday
  assert.equal(weekStart('2026-11-30'), '2026-11-30')
  assert.equal(addDays('2026-12-31', 60), '2027-03-01')
  assert.equal(cylinderMark({ status: 'in_service', inspection_overdue: true, next_inspection: '2026-01-01' }, '2026-12-03').text, '检验超期')
  assert.equal(cylinderMark({ status: 'in_service', next_inspection: '2026-12-13' }, '2026-12-03').type, 'warning')
  assert.equal(cylinderMark({ status: 'in_service', next_inspection: '2028-12-13' }, '2026-12-03'), null)
  assert.equal(netWeight('30.2', '44.7'), 14.5)
  assert.equal(overfills({ capacity_kg: 14.5 }, 30, 44.5), false)
  assert.equal(overfills({ capacity_kg: 14.5 }, 30, 45), true)
})

// ---- the test data, from the API ----

test('find an allowed and a refused cylinder of the station', T, async () => {
  const me = await get('station', '/auth/me')
  const station = await get('station', `/stations/${me.user.entity}`)
  medium = station.media[0]
  const fillers = (await get('station', '/fillers?page_size=200')).items.filter((f) => f.active && !f.cert_expired).sort((a, b) => a.id - b.id)
  assert.ok(fillers.length, 'the station has a certified filler on duty')
  filler = fillers[0]
  types = (await get('station', '/cylinder-types?page_size=200')).items

  const candidates = (await get('station', '/cylinders?due=0&life_exceeded=0&status=in_service&page_size=100')).items
  for (const c of candidates) {
    if (c.medium !== medium) continue
    const r = await post('station', '/fillings/check', { cylinder: c.code, filler: filler.id, medium })
    assert.equal(r.status, 200)
    if (r.body.allowed) {
      allowedCode = c.code
      break
    }
  }
  assert.ok(allowedCode, 'an allowed cylinder')
  const overdue = (await get('station', '/cylinders?due=1&page_size=1')).items
  assert.ok(overdue.length, 'an overdue cylinder')
  refusedCode = overdue[0].code
})

// ---- the bureau's overview ----

test('气瓶充装监管 at 390 px: the figures are the API counts, the charts render, no sideways scroll', T, async () => {
  const { context, page } = await phoneLogin('bureau')
  try {
    await page.goto('/cylinders')
    await ready(page, 'cyl-overview')
    const want = {
      stations: await total('bureau', '/stations'),
      cylinders: await total('bureau', '/cylinders'),
      overdue: await total('bureau', '/cylinders?due=1'),
      refusals: await total('bureau', `/filling-checks?allowed=false&from=${weekStart()}`),
    }
    for (const [k, v] of Object.entries(want)) {
      const shown = await page.getByTestId(`cyl-stat-${k}-value`).getAttribute('data-value')
      assert.equal(Number(shown), v, `figure ${k}`)
      const text = (await page.getByTestId(`cyl-stat-${k}-value`).innerText()).replace(/,/g, '').trim()
      assert.equal(Number(text), v, `figure ${k} as shown`)
    }
    assert.ok(want.refusals > 0, 'the demo has refusals this week')
    for (const id of ['cyl-chart-reason', 'cyl-chart-station']) {
      const size = await eventually(
        () => page.locator(`[data-testid="${id}"] canvas`).first().evaluate((c) => (c.width > 0 && c.height > 0 ? [c.width, c.height] : null)),
        { what: `${id} drawn` },
      )
      assert.ok(size, id)
    }
    // the overdue list is the API's due=1 list
    await ready(page, 'cyl-overdue')
    const totalText = await page.locator('[data-testid="cyl-overdue-pager"] [data-testid="list-total"]').innerText()
    assert.equal(Number(totalText.replace(/\D/g, '')), want.overdue)
    await noOverflow(page, '气瓶充装监管')
    // lists with the widest rows, through the overview's links (in the app, without reloading it)
    for (const [name, id] of [
      ['cylinder-stations', 'cyl-stations-list'],
      ['cylinder-fillings', 'cyl-fillings-list'],
    ]) {
      await page.getByTestId(`cyl-link-${name}`).click()
      await ready(page, id)
      await noOverflow(page, `list ${name}`)
      await page.goBack()
      await page.getByTestId(`cyl-link-${name}`).waitFor()
    }
    // the checks list: the API's total
    await page.getByTestId('cyl-link-cylinder-checks').click()
    await page.waitForURL('**/cylinders/checks')
    await ready(page, 'cyl-checks-list')
    await noOverflow(page, 'list cylinder-checks')
    const checksTotal = await page.locator('[data-testid="cyl-checks-pager"] [data-testid="list-total"]').innerText()
    assert.equal(Number(checksTotal.replace(/\D/g, '')), await total('bureau', '/filling-checks'))
  } finally {
    await context.close()
  }
})

// ---- the station's desk on a phone ----

test('充装站工作台 at 390 px: allowed → filling recorded; refused with the API reasons', T, async () => {
  const { context, page } = await phoneLogin('station')
  try {
    await page.goto('/cylinders/desk')
    await ready(page, 'station-desk')
    await noOverflow(page, 'desk')

    // allowed
    await page.getByTestId('desk-code').fill(allowedCode)
    await page.getByTestId('desk-check').click()
    const verdict = page.getByTestId('desk-verdict')
    await verdict.waitFor()
    assert.equal((await verdict.innerText()).replace(/\s/g, ''), '可以充装')
    assert.equal(await verdict.getAttribute('data-allowed'), 'true')

    // the weights: an overfill is warned before it is sent, then a proper filling recorded
    const cyl = await get('station', `/cylinders/${allowedCode}`)
    const type = types.find((t) => t.code === cyl.type)
    const before0 = Math.round((type.tare_kg + 0.4) * 10) / 10
    await page.getByTestId('desk-weight-before').fill(String(before0))
    await page.getByTestId('desk-weight-after').fill(String(Math.round((before0 + type.capacity_kg + 1) * 10) / 10))
    await page.getByTestId('desk-overfill-warning').waitFor()
    const after0 = Math.round((before0 + type.capacity_kg - 0.5) * 10) / 10
    await page.getByTestId('desk-weight-after').fill(String(after0))
    await page.getByTestId('desk-overfill-warning').waitFor({ state: 'hidden' })
    const filled0 = await total('station', `/fillings?cylinder=${allowedCode}`)
    await page.getByTestId('desk-record').click()
    await page.getByTestId('desk-recorded').waitFor()
    assert.equal(await total('station', `/fillings?cylinder=${allowedCode}`), filled0 + 1, 'the filling is recorded')
    const item = page.locator(`[data-testid="today-fillings-item"][data-cylinder="${allowedCode}"]`)
    await item.first().waitFor()
    assert.match(await item.first().innerText(), new RegExp(`${netWeight(before0, after0).toFixed(1)} kg`))
    await noOverflow(page, 'desk after a filling')

    // refused: the reasons are the API's messages, in its order
    const api = await post('station', '/fillings/check', { cylinder: refusedCode, filler: filler.id, medium })
    assert.equal(api.body.allowed, false)
    await page.getByTestId('desk-code').fill(refusedCode)
    await page.getByTestId('desk-check').click()
    await eventually(async () => (await verdict.getAttribute('data-allowed')) === 'false', { what: 'refused verdict' })
    assert.equal((await verdict.innerText()).replace(/\s/g, ''), '禁止充装')
    const shown = await page.getByTestId('desk-reason').allInnerTexts()
    assert.deepEqual(shown.map((s) => s.trim()), api.body.reasons.map((r) => r.message))
    assert.ok(api.body.reasons.some((r) => r.code === 'inspection_overdue'))
    // it is among today's refusals (the check log is written in the background)
    await eventually(
      async () => {
        await page.getByTestId('today-refusals-refresh').click()
        await ready(page, 'today-refusals')
        return (await page.locator(`[data-testid="today-refusals-item"][data-cylinder="${refusedCode}"]`).count()) > 0
      },
      { what: 'refusal listed today' },
    )
    await noOverflow(page, 'desk after a refusal')
  } finally {
    await context.close()
  }
})

// ---- 扫码查瓶 ----

test('扫码查瓶 without a login: as the public API says', T, async () => {
  const { context, page } = await phoneContext()
  try {
    for (const code of [allowedCode, refusedCode]) {
      const r = await fetch(`${backend.base}/api/v1/public/cylinders/${code}`)
      assert.equal(r.status, 200)
      const pub = await r.json()
      await page.goto(`/m/cylinders/${code}`)
      await ready(page, 'm-cylinder')
      assert.equal(page.url().includes('/login'), false, 'no login asked')
      const verdict = page.getByTestId('m-cylinder-verdict')
      assert.equal(await verdict.getAttribute('data-may-use'), String(pub.may_use))
      assert.match(await verdict.innerText(), pub.may_use ? /可以使用/ : /不能使用/)
      assert.equal((await page.getByTestId('m-cylinder-code').innerText()).trim(), pub.code)
      assert.equal((await page.getByTestId('m-cylinder-type').innerText()).trim(), pub.type_name)
      assert.match(await page.getByTestId('m-cylinder-station').innerText(), new RegExp(pub.station.name))
      assert.equal((await page.getByTestId('m-cylinder-next-inspection').innerText()).trim(), pub.next_inspection)
      const problems = await page.getByTestId('m-cylinder-problem').allInnerTexts()
      assert.deepEqual(problems.map((s) => s.trim()), pub.problems.map((p) => p.message))
      if (code === allowedCode) {
        assert.equal(pub.may_use, true)
        assert.ok(pub.last_filling, 'the filling just recorded')
        await page.getByTestId('m-cylinder-filled-at').waitFor()
      } else {
        assert.equal(pub.may_use, false)
      }
      await noOverflow(page, `扫码查瓶 ${code}`)
    }
  } finally {
    await context.close()
  }
})

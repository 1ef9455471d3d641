// Browser tests of the web UI against the real backend (see harness.mjs).
// Run: node --test tests/web/   (after building build/jianguan and web/dist)

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import {
  Backend,
  PASSWORD,
  launchBrowser,
  loginPage,
  listReady,
  columnTexts,
  pickOption,
  eventually,
  withResponse,
} from './harness.mjs'

const T = { timeout: 90_000 }
const HAN = /[\u4e00-\u9fff]/

const backend = new Backend()
let browser
let adminToken
let first // first entity of the admin's list, from the API
let frag // first two characters of its name
let entUscc // the enterprise user's entity

before(async () => {
  await backend.start()
  backend.addUser('webadmin', 'admin')
  backend.addUser('webbureau', 'bureau', ['--region', '371502'])
  adminToken = (await backend.login('webadmin')).token
  const list = await backend.get(adminToken, '/entities?page_size=1')
  assert.ok(list.total > 0 && list.items.length === 1, 'demo data has entities')
  first = list.items[0]
  frag = Array.from(first.name).slice(0, 2).join('')
  entUscc = first.uscc
  backend.addUser('webent', 'enterprise', ['--entity', entUscc])
  browser = await launchBrowser()
})

after(async () => {
  if (browser) await browser.close()
  await backend.stop()
})

const isApi = (p) => (u) => u.pathname === `/api/v1${p}`

async function menuTexts(page) {
  await page.getByTestId('menu').locator('.el-menu-item').first().waitFor()
  return (await page.getByTestId('menu').locator('.el-menu-item').allInnerTexts()).map((s) => s.trim())
}

test('login: a wrong password shows the API message, the right one opens the layout', T, async () => {
  const context = await browser.newContext({ baseURL: backend.base, locale: 'zh-CN' })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  try {
    // Not logged in: any page leads to the login form.
    await page.goto('/entities')
    await page.waitForURL((u) => u.pathname === '/login')
    assert.equal(new URL(page.url()).searchParams.get('redirect'), '/entities')

    await page.getByTestId('login-username').fill('webadmin')
    await page.getByTestId('login-password').fill('wrong-password')
    const bad = await withResponse(page, isApi('/auth/login'), () => page.getByTestId('login-submit').click())
    assert.equal(bad.status(), 401)
    const badBody = await bad.json()
    assert.equal(badBody.error.code, 'bad_credentials')
    const msg = badBody.error.message
    assert.match(msg, HAN, 'error message is Chinese')
    const shown = await page.getByTestId('login-error').innerText()
    assert.ok(shown.includes(msg), `login error shows "${msg}", got "${shown}"`)
    assert.equal(new URL(page.url()).pathname, '/login')

    await page.getByTestId('login-password').fill(PASSWORD)
    const ok = await withResponse(page, isApi('/auth/login'), () => page.getByTestId('login-submit').click())
    assert.equal(ok.status(), 200)
    const { user } = await ok.json()

    // Back to the page asked for, inside the layout.
    await page.waitForURL((u) => u.pathname === '/entities')
    assert.equal((await page.getByTestId('user-name').innerText()).trim(), user.display_name || user.username)
    assert.equal((await page.getByTestId('user-role').innerText()).trim(), '系统管理员')
    const menu = await menuTexts(page)
    assert.ok(menu.includes('市场主体'), `menu: ${menu}`)
    assert.ok(menu.includes('首页概览') && menu.includes('部门/区划/产业链'), `menu: ${menu}`)
    assert.ok(!menu.includes('我的企业'), `menu: ${menu}`)

    // Home shows the real entity count from the API.
    const { total } = await backend.get(adminToken, '/entities?page_size=1')
    await page.getByTestId('menu-/').click()
    await page.waitForURL((u) => u.pathname === '/')
    await eventually(async () => (await page.getByTestId('stat-entities').innerText()).replace(/[^\d]/g, '').includes(String(total)), {
      what: `home shows ${total} entities`,
    })

    // Reference data (系统管理 › 部门/区划/产业链 for the administrator) lists the 12 industry chains.
    await page.getByTestId('menu-/system').click()
    await page.getByTestId('menu-/system/org').click()
    await page.getByTestId('reference').getByRole('tab', { name: '产业链', exact: true }).click()
    const chains = await backend.get(adminToken, '/chains')
    await eventually(async () => (await page.getByTestId('ref-chains').locator('.el-table__body tr').count()) === chains.items.length, {
      what: 'chains listed',
    })
    assert.ok((await page.getByTestId('ref-chains').innerText()).includes(chains.items[0].name))
  } finally {
    await context.close()
  }
})

test('entity list: search by a two-character Chinese fragment', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'webadmin')
  try {
    const expected = await backend.get(adminToken, `/entities?q=${encodeURIComponent(frag)}&page_size=1`)
    assert.ok(expected.total > 0, `API finds "${frag}"`)

    await page.goto('/entities')
    await listReady(page)
    await page.getByTestId('filter-q').fill(frag)
    await withResponse(page, (u) => u.pathname === '/api/v1/entities' && u.searchParams.get('q') === frag, () =>
      page.getByTestId('search').click(),
    )
    await listReady(page)
    assert.equal(new URL(page.url()).searchParams.get('q'), frag, 'filter is in the URL')

    const names = await columnTexts(page, 'name')
    assert.equal(names.length, Math.min(expected.total, 20))
    for (const n of names) assert.ok(n.includes(frag), `"${n}" contains "${frag}"`)
    assert.equal(Number((await page.getByTestId('list-total').innerText()).replace(/\D/g, '')), expected.total)
  } finally {
    await context.close()
  }
})

test('entity list: region filter, kept after reload', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'webadmin')
  try {
    const expected = await backend.get(adminToken, `/entities?region=${first.region}&page_size=1`)
    await page.goto('/entities')
    await listReady(page)
    await withResponse(page, (u) => u.pathname === '/api/v1/entities' && u.searchParams.get('region') === first.region, () =>
      pickOption(page, 'region', first.region_name),
    )
    await listReady(page)
    assert.equal(new URL(page.url()).searchParams.get('region'), first.region)

    const check = async () => {
      const regions = await columnTexts(page, 'region')
      assert.ok(regions.length > 0)
      for (const r of regions) assert.equal(r.trim(), first.region_name)
      assert.equal(Number((await page.getByTestId('list-total').innerText()).replace(/\D/g, '')), expected.total)
    }
    await check()

    await page.reload()
    await listReady(page)
    await check()
    await eventually(async () => (await page.getByTestId('filter-region').innerText()).includes(first.region_name), {
      what: 'region select shows the filter after reload',
    })
  } finally {
    await context.close()
  }
})

test('entity page: fields, QR code, history; an edit is saved and recorded', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'webadmin')
  try {
    await page.goto(`/entities?q=${encodeURIComponent(first.uscc)}`)
    await listReady(page)
    const usccs = await columnTexts(page, 'uscc')
    assert.deepEqual(usccs.map((s) => s.trim()), [first.uscc], 'search by code finds exactly that entity')

    await page.locator('[data-testid="entity-table"] .el-table__body tr').first().click()
    await page.waitForURL((u) => u.pathname === `/entities/${first.uscc}`)
    await page.getByTestId('entity-descriptions').waitFor()
    assert.equal((await page.getByTestId('entity-uscc').innerText()).trim(), first.uscc)
    assert.equal((await page.getByTestId('entity-name').innerText()).trim(), first.name)
    const desc = await page.getByTestId('entity-descriptions').innerText()
    assert.ok(desc.includes(first.region_name), 'region name shown')
    assert.ok(!/\b(active|deregistered|revoked|above_scale|little_giant)\b/.test(desc), 'enum values are translated')
    assert.ok(desc.includes({ active: '存续', deregistered: '注销', revoked: '吊销' }[first.status]))

    // QR code image really loads.
    const img = page.getByTestId('entity-qr-img')
    assert.equal(await img.getAttribute('src'), `/api/v1/entities/${first.uscc}/qr.svg`)
    assert.equal(await img.getAttribute('alt'), '一企一码')
    await page.waitForFunction(() => {
      const i = document.querySelector('[data-testid="entity-qr-img"]')
      return i && i.complete && i.naturalWidth > 0
    })
    assert.ok((await page.getByTestId('entity-qr').innerText()).includes('一企一码'))

    // History section has answered (items or the empty state).
    const hist = page.getByTestId('entity-history')
    assert.ok((await hist.innerText()).includes('历史记录'))
    await page.locator('[data-testid="entity-history"][data-state="ready"]').waitFor()
    const before = await hist.getByTestId('history-item').count()

    // Edit the address; the page and the history show it.
    const address = `聊城市东昌府区测试路${Date.now() % 100000}号`
    await page.getByTestId('entity-edit').click()
    await page.getByTestId('edit-address').fill(address)
    const resp = await withResponse(page, (u, r) => u.pathname === `/api/v1/entities/${first.uscc}` && r.request().method() === 'PATCH', () =>
      page.getByTestId('edit-save').click(),
    )
    assert.equal(resp.status(), 200)
    assert.deepEqual(JSON.parse(resp.request().postData()), { address }, 'PATCH sends only the changed field')
    await eventually(async () => (await page.getByTestId('entity-descriptions').innerText()).includes(address), {
      what: 'new address shown',
    })
    await eventually(async () => (await hist.getByTestId('history-item').count()) > before, { what: 'history grows' })
    const again = await backend.get(adminToken, `/entities/${first.uscc}`)
    assert.equal(again.address, address)
  } finally {
    await context.close()
  }
})

test('entity page: notes (备注) are edited in the dialog and shown on the page', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'webadmin')
  try {
    await page.goto(`/entities/${first.uscc}`)
    await page.getByTestId('entity-descriptions').waitFor()
    const notes = `走访记录 ${Date.now() % 100000}：企业反映用电报装慢`
    await page.getByTestId('entity-edit').click()
    await page.getByTestId('edit-notes').fill(notes)
    const resp = await withResponse(page, (u, r) => u.pathname === `/api/v1/entities/${first.uscc}` && r.request().method() === 'PATCH', () =>
      page.getByTestId('edit-save').click(),
    )
    assert.equal(resp.status(), 200)
    assert.deepEqual(JSON.parse(resp.request().postData()), { notes }, 'PATCH sends only the notes')
    await eventually(async () => (await page.getByTestId('entity-notes').innerText()).trim() === notes, {
      what: 'notes shown',
    })
    assert.equal((await backend.get(adminToken, `/entities/${first.uscc}`)).notes, notes)
  } finally {
    await context.close()
  }
})

test('entity list: export CSV and Excel with the current filters', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'webadmin')
  try {
    const expected = await backend.get(adminToken, `/entities?q=${encodeURIComponent(frag)}&page_size=1`)
    await page.goto(`/entities?q=${encodeURIComponent(frag)}`)
    await listReady(page)
    assert.equal(await page.getByTestId('filter-q').inputValue(), frag, 'URL filter fills the form')

    // Downloaded through fetch (so errors can be shown): the request carries the filters.
    const isExport = (format) => (r) => new URL(r.url()).pathname === '/api/v1/entities' && new URL(r.url()).searchParams.get('format') === format
    const [csv, csvReq] = await Promise.all([page.waitForEvent('download'), page.waitForRequest(isExport('csv')), page.getByTestId('export-csv').click()])
    const csvUrl = new URL(csvReq.url())
    assert.equal(csvUrl.pathname, '/api/v1/entities')
    assert.equal(csvUrl.searchParams.get('format'), 'csv')
    assert.equal(csvUrl.searchParams.get('q'), frag)
    const text = readFileSync(await csv.path(), 'utf8').replace(/^\uFEFF/, '')
    const lines = text.split(/\r?\n/).filter((l) => l.length > 0)
    assert.ok(lines[0].startsWith('uscc,name,kind,region'), `CSV header: ${lines[0]}`)
    assert.equal(lines.length - 1, expected.total, 'the export has every matching row')
    for (const l of lines.slice(1)) assert.ok(l.includes(frag), `row matches: ${l}`)

    const [xlsx, xlsxReq] = await Promise.all([page.waitForEvent('download'), page.waitForRequest(isExport('xlsx')), page.getByTestId('export-xlsx').click()])
    assert.equal(new URL(xlsxReq.url()).searchParams.get('q'), frag)
    const bytes = readFileSync(await xlsx.path())
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'xlsx is a zip file')
  } finally {
    await context.close()
  }
})

test('logout ends the session', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'webadmin')
  try {
    const resp = await withResponse(page, isApi('/auth/logout'), () => page.getByTestId('logout').click())
    assert.equal(resp.status(), 204)
    await page.waitForURL((u) => u.pathname === '/login')
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status)
    assert.equal(me, 401)
    await page.goto('/entities')
    await page.waitForURL((u) => u.pathname === '/login')
    await page.getByTestId('login-form').waitFor()
  } finally {
    await context.close()
  }
})

test('enterprise user: no 市场主体 menu; 我的企业 opens its own record', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'webent')
  try {
    assert.equal((await page.getByTestId('user-role').innerText()).trim(), '企业')
    const menu = await menuTexts(page)
    assert.ok(!menu.includes('市场主体'), `menu: ${menu}`)
    assert.ok(!menu.includes('基础数据'), `menu: ${menu}`)
    assert.ok(menu.includes('我的企业') && menu.includes('首页概览'), `menu: ${menu}`)

    await page.getByTestId('menu-/my-entity').click()
    await page.waitForURL((u) => u.pathname === `/entities/${entUscc}`)
    await page.getByTestId('entity-descriptions').waitFor()
    assert.equal((await page.getByTestId('entity-uscc').innerText()).trim(), entUscc)
    assert.equal(await page.getByTestId('entity-edit').count(), 0, 'no edit button for an enterprise')

    // The staff list is not reachable by URL either.
    await page.goto('/entities')
    await page.waitForURL((u) => u.pathname === '/')
    assert.ok(!(await menuTexts(page)).includes('市场主体'))
  } finally {
    await context.close()
  }
})

test('county bureau user sees its county only', T, async () => {
  const { token, user } = await backend.login('webbureau')
  assert.equal(user.region, '371502')
  const expected = await backend.get(token, '/entities?page_size=1')
  const { context, page } = await loginPage(browser, backend, 'webbureau')
  try {
    assert.equal((await page.getByTestId('user-role').innerText()).trim(), '市场监管人员')
    assert.ok((await page.getByTestId('user-region').innerText()).includes(user.region_name))
    await page.goto('/entities')
    await listReady(page)
    assert.equal(Number((await page.getByTestId('list-total').innerText()).replace(/\D/g, '')), expected.total)
    const regions = await columnTexts(page, 'region')
    assert.ok(regions.length > 0, 'the county has entities')
    for (const r of regions) assert.equal(r.trim(), user.region_name)
  } finally {
    await context.close()
  }
})

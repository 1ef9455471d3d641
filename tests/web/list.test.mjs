// Browser tests of the list component (DataList.vue) that every list page uses: sort, column
// chooser, refresh, paging, selection export, import, exports (direct and as a background
// job), the officer picker of the entity form, and the layout on a laptop and on a phone.
// Against the real backend (see harness.mjs). Run: node --test tests/web/list.test.mjs
//
// Each test checks the outcome where it lands — the API's order and state, the bytes of the
// downloaded file — and not only what the page shows.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Backend, PASSWORD, launchBrowser, loginPage, listReady, columnTexts, eventually, withResponse } from './harness.mjs'
import { csvText, dispositionName, exportNeedsJob, parseSort, sortParam } from '../../web/src/list.js'

const T = { timeout: 120_000 }

const backend = new Backend()
let browser
let adminToken

let meta
let frag // a name fragment that finds a few entities

before(async () => {
  await backend.start()
  backend.addUser('listadmin', 'admin', ['--display-name', '列表管理员'])
  const login = await backend.login('listadmin')
  adminToken = login.token

  meta = await backend.get(adminToken, '/meta')
  const first = (await backend.get(adminToken, '/entities?page_size=1')).items[0]
  frag = Array.from(first.name).slice(0, 2).join('')
  browser = await launchBrowser()
})

after(async () => {
  if (browser) await browser.close()
  await backend.stop()
})

// ---- helpers ----

const exact = (s) => new RegExp(`^\\s*${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`)
const isList = (p) => (u) => u.pathname === `/api/v1${p}` && !u.searchParams.has('format')

// Today in China Standard Time as YYYYMMDD, as the server stamps file names.
function cstStamp() {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '')
}

// A valid unified social credit code (GB 32100, with the GB 11714 organisation code inside).
function makeUscc(seed) {
  const CS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const OW = [3, 7, 9, 10, 5, 8, 4, 2]
  const org = String(seed).padStart(8, '0').slice(-8)
  let s = 0
  for (let i = 0; i < 8; i++) s += Number(org[i]) * OW[i]
  const c9 = 11 - (s % 11)
  const first17 = `91371502${org}${c9 === 10 ? 'X' : c9 === 11 ? '0' : String(c9)}`
  let t = 0
  for (let i = 0; i < 17; i++) t += CS.indexOf(first17[i]) * W[i]
  return first17 + CS[(31 - (t % 31)) % 31]
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${adminToken}` }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const r = await fetch(`${backend.base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await r.text()
  return { status: r.status, body: text ? JSON.parse(text) : null }
}

// The header cell of a column of a table, by its label.
function headerCell(page, table, labelText) {
  return page.locator(`[data-testid="${table}"] .el-table__header th`).filter({ hasText: exact(labelText) }).first()
}

// The CSV text of a download (BOM removed), as lines.
function csvLines(path) {
  const text = readFileSync(path, 'utf8')
  return { bom: text.startsWith('\uFEFF'), lines: text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.length > 0) }
}

async function goEntities(page, query = '') {
  await page.goto(`/entities${query}`)
  await listReady(page)
}

// ---- the pure parts of list.js ----

test('list.js: sort parameters, file names, CSV cells, when an export becomes a job', () => {
  assert.deepEqual(parseSort('-name,uscc'), { key: 'name', order: 'descending' })
  assert.deepEqual(parseSort('credit'), { key: 'credit', order: 'ascending' })
  assert.deepEqual(parseSort(''), { key: '', order: null })
  assert.equal(sortParam('name', 'descending'), '-name')
  assert.equal(sortParam('name', 'ascending'), 'name')
  assert.equal(sortParam('name', null), '')

  // RFC 6266: the UTF-8 name wins over the plain one.
  const cd = `attachment; filename="export.xlsx"; filename*=UTF-8''${encodeURIComponent('市场主体_20261202.xlsx')}`
  assert.equal(dispositionName(cd), '市场主体_20261202.xlsx')
  assert.equal(dispositionName('attachment; filename="users.csv"'), 'users.csv')
  assert.equal(dispositionName(null), '')

  // BOM, CRLF, quoting, and formula-like text escaped as the server escapes it.
  assert.equal(
    csvText(['名称', '备注'], [['甲,乙', 'say "hi"'], ['=1+1', null], ['-3', '@x']]),
    '\uFEFF名称,备注\r\n"甲,乙","say ""hi"""\r\n\'=1+1,\r\n\'-3,\'@x\r\n',
  )

  assert.equal(exportNeedsJob(100_000, true), false)
  assert.equal(exportNeedsJob(100_001, true), true)
  assert.equal(exportNeedsJob(10_000, false), true)
})

// ---- sort ----

test('sort: a header click orders the list as the API does, kept in the URL and after a reload', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await goEntities(page)
    const name = headerCell(page, 'entity-table', '名称')
    assert.ok(await name.evaluate((th) => !!th.querySelector('.caret-wrapper')), 'the name column is sortable')

    for (const sort of ['name', '-name']) {
      await withResponse(page, (u) => isList('/entities')(u) && u.searchParams.get('sort') === sort, () => name.click())
      await listReady(page)
      assert.equal(new URL(page.url()).searchParams.get('sort'), sort)
      const expected = await backend.get(adminToken, `/entities?sort=${sort}&page_size=20`)
      assert.deepEqual(await columnTexts(page, 'uscc'), expected.items.map((i) => i.uscc), `order of ?sort=${sort}`)
    }
    // The third click returns to the server's order.
    await withResponse(page, (u) => isList('/entities')(u) && !u.searchParams.has('sort'), () => name.click())
    await listReady(page)
    assert.equal(new URL(page.url()).searchParams.get('sort'), null)

    // A sort given in the address is shown in the header and used.
    await goEntities(page, '?sort=-established')
    const expected = await backend.get(adminToken, '/entities?sort=-established&page_size=20')
    assert.deepEqual(await columnTexts(page, 'uscc'), expected.items.map((i) => i.uscc))
    await goEntities(page, '?sort=credit')
    assert.match(await headerCell(page, 'entity-table', '信用').getAttribute('class'), /ascending/)
    const byCredit = await backend.get(adminToken, '/entities?sort=credit&page_size=20')
    assert.deepEqual(await columnTexts(page, 'uscc'), byCredit.items.map((i) => i.uscc))

    // Columns the server cannot sort have no sort control.
    assert.ok(!(await headerCell(page, 'entity-table', '类型').evaluate((th) => !!th.querySelector('.caret-wrapper'))))
  } finally {
    await context.close()
  }
})

test('sort: /meta decides which columns sort, over the page\'s own list', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    // The server says the entity list sorts by uscc only.
    await page.route(
      (u) => u.pathname === '/api/v1/meta',
      async (route) => {
        const response = await route.fetch()
        const json = await response.json()
        json.lists['/api/v1/entities'] = { ...json.lists['/api/v1/entities'], sorts: ['uscc'] }
        await route.fulfill({ response, json })
      },
    )
    await page.reload()
    await goEntities(page)
    const sortable = (label) => headerCell(page, 'entity-table', label).evaluate((th) => !!th.querySelector('.caret-wrapper'))
    await eventually(async () => !(await sortable('名称')), { what: 'name not sortable' })
    assert.ok(await sortable('统一社会信用代码'))
  } finally {
    await context.close()
  }
})

// ---- column chooser, refresh, paging ----

test('column chooser: a hidden column stays hidden after a reload; 恢复默认 brings it back', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await goEntities(page)
    assert.ok((await columnTexts(page, 'kind')).length > 0)
    await page.getByTestId('columns').click()
    await page.getByTestId('col-toggle-kind').click()
    await eventually(async () => (await columnTexts(page, 'kind')).length === 0, { what: 'kind column hidden' })
    assert.equal(await headerCell(page, 'entity-table', '类型').count(), 0)

    await page.reload()
    await listReady(page)
    await page.locator('[data-testid="entity-table"] .el-table__body tr').first().waitFor()
    assert.equal((await columnTexts(page, 'kind')).length, 0, 'still hidden after the reload')
    assert.ok((await columnTexts(page, 'name')).length > 0)

    // A column hidden by default can be shown.
    await page.getByTestId('columns').click()
    await page.getByTestId('col-toggle-established').click()
    await headerCell(page, 'entity-table', '成立日期').waitFor()
    await page.getByTestId('columns-reset').click()
    await eventually(async () => (await columnTexts(page, 'kind')).length > 0, { what: 'kind column back' })
    assert.equal(await headerCell(page, 'entity-table', '成立日期').count(), 0)
  } finally {
    await context.close()
  }
})

test('refresh: reloads the same query and shows what changed meanwhile', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await goEntities(page, '?region=371502&sort=-name')
    const before = await backend.get(adminToken, '/entities?region=371502&page_size=1')
    await eventually(async () => (await page.getByTestId('list-total').innerText()).replace(/\D/g, '') === String(before.total))

    const uscc = makeUscc(70010001)
    const created = await api('POST', '/entities', { uscc, name: '刷新测试有限公司', kind: 'enterprise', region: '371502' })
    assert.equal(created.status, 201, JSON.stringify(created.body))

    const resp = await withResponse(page, isList('/entities'), () => page.getByTestId('refresh').click())
    const u = new URL(resp.url())
    assert.equal(u.searchParams.get('region'), '371502')
    assert.equal(u.searchParams.get('sort'), '-name')
    await listReady(page)
    await eventually(async () => (await page.getByTestId('list-total').innerText()).replace(/\D/g, '') === String(before.total + 1), {
      what: 'the new total shown',
    })
  } finally {
    await context.close()
  }
})

test('paging: a new page starts at the top of the list', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await goEntities(page, '?page_size=50')
    await page.locator('[data-testid="entity-table"] .el-table__body tr').nth(49).waitFor()
    const scrolled = await page.evaluate(() => {
      const main = document.querySelector('.main')
      main.scrollTop = main.scrollHeight
      return main.scrollTop
    })
    assert.ok(scrolled > 300, `the page scrolls (${scrolled})`)
    await withResponse(page, (u) => isList('/entities')(u) && u.searchParams.get('page') === '2', () =>
      page.locator('[data-testid="entity-pager"] .btn-next').click(),
    )
    await listReady(page)
    await eventually(
      async () =>
        page.evaluate(() => {
          const main = document.querySelector('.main').getBoundingClientRect()
          const table = document.querySelector('[data-testid="entity-table"]').getBoundingClientRect()
          return table.top >= main.top - 1 && table.top < main.bottom
        }),
      { what: 'the top of the table in view' },
    )
  } finally {
    await context.close()
  }
})

// ---- selection ----

test('selection: 导出所选 saves only the selected rows, with Chinese headers and labels', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await goEntities(page)
    assert.ok(await page.getByTestId('export-selected').isDisabled(), 'nothing selected yet')
    const rows = page.locator('[data-testid="entity-table"] .el-table__body tr')
    const picked = []
    for (const i of [0, 2]) {
      await rows.nth(i).locator('.el-checkbox').click()
      picked.push((await rows.nth(i).locator('[data-col="uscc"]').innerText()).trim())
    }
    assert.equal(new URL(page.url()).pathname, '/entities', 'a checkbox does not open the row')
    assert.equal((await page.getByTestId('export-selected').innerText()).trim(), '导出所选（2）')

    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-selected').click()])
    assert.equal(dl.suggestedFilename(), `市场主体_所选_${cstStamp()}.csv`)
    const { bom, lines } = csvLines(await dl.path())
    assert.ok(bom, 'UTF-8 with BOM, for Excel')
    assert.equal(lines.length, 3, `a header and the two rows: ${lines.join(' | ')}`)
    const header = lines[0].split(',')
    assert.deepEqual(header.slice(0, 3), ['统一社会信用代码', '名称', '类型'])
    assert.ok(header.includes('状态'))
    for (const [i, uscc] of picked.entries()) {
      const e = await backend.get(adminToken, `/entities/${uscc}`)
      const line = lines[i + 1]
      assert.ok(line.startsWith(`${uscc},`), line)
      assert.ok(line.includes(e.name), line)
      assert.ok(line.includes(meta.records.entity.fields.status.values[e.status]), `status label in ${line}`)
      assert.ok(line.includes(meta.records.entity.fields.kind.values[e.kind]), `kind label in ${line}`)
      assert.ok(!line.includes(`,${e.status},`), 'no raw codes')
    }
  } finally {
    await context.close()
  }
})

// ---- import ----

test('import: a bad line rejects the file with per-line errors; the corrected file imports', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await goEntities(page)
    await page.getByTestId('import').click()
    const dialog = page.getByTestId('import-dialog')
    await dialog.waitFor()

    const good = makeUscc(70020001)
    const good2 = makeUscc(70020002)
    const bad = (kind) => `uscc,name,kind,region\r\n${good},导入测试甲有限公司,enterprise,371502\r\n${good2},导入测试乙有限公司,${kind},371502\r\n`
    await page.getByTestId('import-file').setInputFiles({ name: '导入.csv', mimeType: 'text/csv', buffer: Buffer.from(bad('no_such_kind')) })
    assert.ok((await page.getByTestId('import-file-name').innerText()).includes('导入.csv'))
    const resp = await withResponse(page, (u, r) => u.pathname === '/api/v1/entities/import' && r.request().method() === 'POST', () =>
      page.getByTestId('import-submit').click(),
    )
    assert.equal(resp.status(), 422)
    assert.equal(resp.request().headers()['content-type'], 'text/csv')
    const body = await resp.json()
    assert.equal(body.error.code, 'import_rejected')
    const problem = body.error.lines.find((l) => l.line === 3)
    assert.ok(problem, JSON.stringify(body))

    await page.getByTestId('import-errors').waitFor()
    assert.ok((await page.getByTestId('import-error').innerText()).includes(body.error.message))
    const lineNos = (await page.locator('[data-testid="import-errors"] [data-col="line"]').allInnerTexts()).map((s) => s.trim())
    assert.deepEqual(lineNos, body.error.lines.map((l) => String(l.line)))
    assert.deepEqual(lineNos, ['3'], 'only the bad line is listed')
    assert.equal((await page.locator('[data-testid="import-errors"] [data-col="message"]').first().innerText()).trim(), problem.message)
    assert.equal(
      (await page.locator('[data-testid="import-errors"] [data-col="field"]').first().innerText()).trim(),
      meta.records.entity.fields.kind.label,
    )
    // The file is taken whole or not at all: the good line was not written either.
    assert.equal((await api('GET', `/entities/${good}`)).status, 404, 'nothing written')

    // Corrected, the same file imports; the list shows the new rows.
    await page.getByTestId('import-file').setInputFiles({ name: '导入.csv', mimeType: 'text/csv', buffer: Buffer.from(bad('individual')) })
    const ok = await withResponse(page, (u, r) => u.pathname === '/api/v1/entities/import' && r.request().method() === 'POST', () =>
      page.getByTestId('import-submit').click(),
    )
    assert.equal(ok.status(), 201)
    assert.equal((await ok.json()).inserted, 2)
    await eventually(async () => (await page.getByTestId('import-result').innerText()).includes('新增 2 条'), { what: 'result shown' })
    assert.equal(await page.getByTestId('import-errors').count(), 0)
    assert.equal((await backend.get(adminToken, `/entities/${good}`)).name, '导入测试甲有限公司')
    assert.equal((await backend.get(adminToken, `/entities/${good2}`)).kind, 'individual')
  } finally {
    await context.close()
  }
})

test('import: 下载导入模板 gives the header row of the fields an import takes', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await goEntities(page)
    await page.getByTestId('import').click()
    await page.getByTestId('import-dialog').waitFor()
    const [tpl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('import-template').click()])
    assert.equal(tpl.suggestedFilename(), '市场主体_导入模板.csv')
    const t = csvLines(await tpl.path())
    assert.ok(t.bom, 'the template has a BOM')
    assert.equal(t.lines.length, 1, 'a header row only')
    const cols = t.lines[0].split(',')
    assert.deepEqual(cols.slice(0, 4), ['uscc', 'name', 'kind', 'region'])
    for (const c of cols) assert.ok(c in meta.records.entity.fields, `${c} is a field`)
    for (const c of ['region_name', 'chain_name', 'officer_name', 'uscc_flagged']) {
      assert.ok(!cols.includes(c), `${c} is computed or set by rules: not in the template (${cols})`)
    }

  } finally {
    await context.close()
  }
})

// ---- exports ----

test('export: Excel of the current filters is downloaded as 市场主体_YYYYMMDD.xlsx', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await goEntities(page, `?q=${encodeURIComponent(frag)}&sort=name`)
    const [dl, req] = await Promise.all([
      page.waitForEvent('download'),
      page.waitForRequest((r) => new URL(r.url()).searchParams.get('format') === 'xlsx'),
      page.getByTestId('export-xlsx').click(),
    ])
    const u = new URL(req.url())
    assert.equal(u.pathname, '/api/v1/entities')
    assert.equal(u.searchParams.get('q'), frag)
    assert.equal(u.searchParams.get('sort'), 'name')
    assert.equal(u.searchParams.get('page'), null, 'the whole list, not a page')
    assert.equal(dl.suggestedFilename(), `市场主体_${cstStamp()}.xlsx`)
    const bytes = readFileSync(await dl.path())
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'xlsx is a zip file')
  } finally {
    await context.close()
  }
})

test('export: a refusal is shown with the server\'s message', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await goEntities(page)
    await page.route(
      (u) => u.pathname === '/api/v1/entities' && u.searchParams.get('format') === 'csv',
      (route) => route.fulfill({ status: 403, contentType: 'application/json', json: { error: { code: 'forbidden', message: '测试：无权导出该列表' } } }),
    )
    let downloads = 0
    page.on('download', () => downloads++)
    await page.getByTestId('export-csv').click()
    await page.locator('.el-message--error', { hasText: '测试：无权导出该列表' }).waitFor()
    assert.equal(downloads, 0)
  } finally {
    await context.close()
  }
})

test('export: a list past the count cap runs as a background job with progress, then downloads', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    // A count past the cap only happens with a large database: stand in for the list's answer.
    await page.route(isList('/entities'), async (route) => {
      const response = await route.fetch()
      await route.fulfill({ response, json: { ...(await response.json()), total: 10000, total_exact: false } })
    })
    await goEntities(page, `?q=${encodeURIComponent(frag)}`)
    assert.equal((await page.getByTestId('list-total').innerText()).trim(), '超过 10,000 条')

    let direct = 0
    page.on('request', (r) => {
      if (new URL(r.url()).searchParams.has('format')) direct++
    })
    const [dl, post] = await Promise.all([
      page.waitForEvent('download'),
      page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/exports' && r.method() === 'POST'),
      page.getByTestId('export-xlsx').click(),
    ])
    assert.deepEqual(JSON.parse(post.postData()), { path: '/api/v1/entities', query: { q: frag }, format: 'xlsx' })
    assert.equal(direct, 0, 'no direct export was tried')
    assert.equal(dl.suggestedFilename(), `市场主体_${cstStamp()}.xlsx`)
    assert.equal(readFileSync(await dl.path()).subarray(0, 2).toString('latin1'), 'PK')
    assert.equal(new URL(dl.url()).protocol, 'blob:')
  } finally {
    await context.close()
  }
})

test('export: export_too_large from the direct export switches to a job; the dialog shows its progress', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await goEntities(page)
    await page.route(
      (u) => u.pathname === '/api/v1/entities' && u.searchParams.get('format') === 'csv',
      (route) => route.fulfill({ status: 422, json: { error: { code: 'export_too_large', message: '超过 100,000 行，请使用后台导出' } } }),
    )
    // The job is slow here, so the dialog is seen: two polls answer "running" half way.
    let polls = 0
    await page.route(
      (u) => /^\/api\/v1\/exports\/[^/]+$/.test(u.pathname),
      async (route) => {
        const response = await route.fetch()
        const job = await response.json()
        polls++
        if (polls <= 2) return route.fulfill({ response, json: { ...job, status: 'running', rows: 50, total: 100 } })
        return route.fulfill({ response, json: job })
      },
    )
    const download = page.waitForEvent('download')
    await page.getByTestId('export-csv').click()
    const dialog = page.getByTestId('export-dialog')
    await dialog.waitFor()
    await eventually(async () => (await page.getByTestId('export-rows').innerText()).includes('已导出 50 / 100 行'), { what: 'progress' })
    assert.equal(await page.locator('[data-testid="export-progress"] .el-progress__text').innerText(), '50%')
    const dl = await download
    assert.equal(dl.suggestedFilename(), `市场主体_${cstStamp()}.csv`)
    const { lines } = csvLines(await dl.path())
    const total = (await backend.get(adminToken, '/entities?page_size=1')).total
    assert.equal(lines.length - 1, total, 'every row')
    await dialog.waitFor({ state: 'hidden' })
  } finally {
    await context.close()
  }
})

// ---- the entity form's officer ----

test('entity form: the 驻企服务员 is picked by name and shown by name', T, async () => {
  const officers = await backend.get(adminToken, '/officers?page_size=20')
  assert.ok(officers.items.length > 0, 'demo data has officers')
  const officer = officers.items.find((o) => o.display_name) || officers.items[0]
  const target = (await backend.get(adminToken, `/entities?page_size=1&q=${encodeURIComponent(frag)}`)).items[0]
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await page.goto(`/entities/${target.uscc}`)
    await page.getByTestId('entity-descriptions').waitFor()
    await page.getByTestId('entity-edit').click()
    const picker = page.getByTestId('edit-officer')
    await picker.click()
    const name = officer.display_name
    await withResponse(page, (u) => u.pathname === '/api/v1/officers' && u.searchParams.get('q') === name, () =>
      picker.locator('input').fill(name),
    )
    const option = page.locator('.jg-pop-officer .el-select-dropdown__item').filter({ hasText: name }).first()
    await option.waitFor({ state: 'visible' })
    await option.click()
    const resp = await withResponse(page, (u, r) => u.pathname === `/api/v1/entities/${target.uscc}` && r.request().method() === 'PATCH', () =>
      page.getByTestId('edit-save').click(),
    )
    assert.equal(resp.status(), 200, await resp.text())
    assert.deepEqual(JSON.parse(resp.request().postData()), { officer: officer.id })
    await eventually(async () => (await page.getByTestId('entity-descriptions').innerText()).includes(name), { what: 'officer name shown' })
    assert.equal((await backend.get(adminToken, `/entities/${target.uscc}`)).officer, officer.id)

    // Opening the form again shows the name, not the number.
    await page.getByTestId('entity-edit').click()
    await eventually(async () => (await picker.innerText()).includes(name), { what: 'picker shows the name' })
  } finally {
    await context.close()
  }
})

// ---- layout ----

test('1280×720: the entity list shows every default column, 状态 included, without sideways scrolling', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await page.setViewportSize({ width: 1280, height: 720 })
    await goEntities(page)
    await page.locator('[data-testid="entity-table"] .el-table__body tr').first().waitFor()
    const m = await page.evaluate(() => {
      const t = document.querySelector('[data-testid="entity-table"]')
      const wrap = t.querySelector('.el-table__body-wrapper .el-scrollbar__wrap')
      const th = [...t.querySelectorAll('.el-table__header th')].find((x) => x.innerText.trim() === '状态')
      return {
        scroll: wrap.scrollWidth,
        client: wrap.clientWidth,
        statusRight: th.getBoundingClientRect().right,
        tableRight: t.getBoundingClientRect().right,
        doc: document.documentElement.scrollWidth,
        uscc: getComputedStyle(t.querySelector('[data-col="uscc"]')).fontFamily,
      }
    })
    assert.ok(m.scroll <= m.client, `no horizontal scroll in the table (${m.scroll} > ${m.client})`)
    assert.ok(m.statusRight <= m.tableRight + 1, `状态 visible (${m.statusRight} > ${m.tableRight})`)
    assert.ok(m.doc <= 1280, `page width ${m.doc}`)
    assert.match(m.uscc, /mono|Consolas|Menlo/i, 'codes in a monospace font')
  } finally {
    await context.close()
  }
})

test('phone 390×844: entity and user lists fit the screen; the search folds behind a toggle', T, async () => {
  const context = await browser.newContext({ baseURL: backend.base, locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  try {
    await page.goto('/login')
    await page.getByTestId('login-username').fill('listadmin')
    await page.getByTestId('login-password').fill(PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('user-name').waitFor()

    const width = () => page.evaluate(() => document.documentElement.scrollWidth)
    for (const [path, root, form, table] of [
      ['/entities', 'entity-list', 'entity-filters', 'entity-table'],
      ['/system/users', 'users-page', 'user-filters', 'user-table'],
    ]) {
      await page.goto(path)
      await page.locator(`[data-testid="${root}"][data-state="ready"]`).waitFor()
      await page.locator(`[data-testid="${table}"] .el-table__body tr`).first().waitFor()
      assert.ok((await width()) <= 390, `${path}: scrollWidth ${await width()} > 390`)
      assert.ok(!(await page.getByTestId(form).isVisible()), `${path}: the search starts folded`)
      const toggle = page.getByTestId('filters-toggle')
      assert.ok(await toggle.isVisible(), `${path}: a toggle opens it`)
      await toggle.click()
      await page.getByTestId(form).waitFor()
      assert.ok((await width()) <= 390, `${path} with the search open: ${await width()} > 390`)
      const box = await page.getByTestId(table).boundingBox()
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `${path}: the table box fits (${JSON.stringify(box)})`)
      await toggle.click()
      await page.getByTestId(form).waitFor({ state: 'hidden' })
    }
  } finally {
    await context.close()
  }
})

test('desktop: the search area is open and folds with the toggle', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'listadmin')
  try {
    await goEntities(page, '?tier=champion')
    assert.ok(await page.getByTestId('entity-filters').isVisible())
    await page.getByTestId('filters-toggle').click()
    await page.getByTestId('entity-filters').waitFor({ state: 'hidden' })
    // A folded search with a filter in use says so.
    assert.equal((await page.locator('.jg-list-tools .el-badge__content').innerText()).trim(), '1')
    await page.getByTestId('filters-toggle').click()
    await page.getByTestId('entity-filters').waitFor()
  } finally {
    await context.close()
  }
})

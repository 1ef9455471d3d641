// Browser tests of the service catalogue (M3): the public pages (/services, /services/:id)
// without logging in, on a desktop (1440×900) and a phone (390×844) — tabs for the four lists,
// search in Chinese, an item's page, drafts hidden — and the staff page 服务清单 (/catalogue),
// where a department adds and edits its own items and sees their history, and cannot edit
// another department's.
//
// Run: JIANGUAN_BIN=$PWD/build/jianguan node --test tests/web/catalogue.test.mjs

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Backend, PASSWORD, launchBrowser, eventually, withResponse } from './harness.mjs'

const T = { timeout: 120_000 }
const SIZES = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
}

const backend = new Backend()
let browser
let adminToken
let meta // GET /meta as staff: the labels the public pages must agree with

before(async () => {
  await backend.start()
  backend.addUser('catadmin', 'admin')
  backend.addUser('catfin', 'department', ['--department', '1', '--display-name', '财政局 孙丽'])
  adminToken = (await backend.login('catadmin')).token
  meta = await backend.get(adminToken, '/meta')
  browser = await launchBrowser()
})

after(async () => {
  if (browser) await browser.close()
  await backend.stop()
})

const apiPath = (p, method) => (u, r) => u.pathname === `/api/v1${p}` && (!method || r.request().method() === method)
const exact = (s) => new RegExp(`^\\s*${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`)

async function newPage(size) {
  const phone = size === 'phone'
  const context = await browser.newContext({ baseURL: backend.base, locale: 'zh-CN', viewport: SIZES[size], isMobile: phone, hasTouch: phone })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return { context, page }
}

async function login(page, username) {
  await page.goto('/login')
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('user-menu').waitFor()
}

async function ready(page, testid) {
  await page.locator(`[data-testid="${testid}"][data-state="ready"]`).waitFor()
}

async function noOverflow(page, what) {
  const { doc, vw } = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, vw: window.innerWidth }))
  assert.ok(doc <= vw, `${what}: page ${doc}px wide in a ${vw}px viewport`)
}

// The public list's card titles once the list has answered.
async function cardTitles(page) {
  await ready(page, 'public-services')
  return (await page.getByTestId('service-card-title').allInnerTexts()).map((s) => s.trim())
}

async function publicList(query) {
  const r = await fetch(`${backend.base}/api/v1/services?${new URLSearchParams({ status: 'published', page_size: '10', ...query })}`)
  assert.equal(r.status, 200)
  return r.json()
}

for (const size of ['desktop', 'phone']) {
  test(`public ${size}: the catalogue without logging in — lists, search, an item, drafts hidden`, T, async () => {
    const { context, page } = await newPage(size)
    try {
      await page.goto('/services')
      assert.equal(new URL(page.url()).pathname, '/services', 'no login asked for')
      const all = await publicList({})
      assert.deepEqual(await cardTitles(page), all.items.map((i) => i.title))
      assert.equal((await page.getByTestId('public-total').innerText()).replace(/\D/g, ''), String(all.total))
      assert.ok(!(await page.getByTestId('user-menu').count()), 'no staff layout')
      await noOverflow(page, `${size} /services`)

      // The four lists are tabs, all visible at once even on a phone, labelled as /meta says.
      const tabs = page.getByTestId('public-tabs').getByRole('tab')
      const labels = meta.records.service.fields.list.values
      assert.deepEqual((await tabs.allInnerTexts()).map((s) => s.trim()), ['全部', ...Object.values(labels)])
      for (const t of await tabs.all()) {
        const box = await t.boundingBox()
        assert.ok(box.x >= 0 && box.x + box.width <= SIZES[size].width, `tab ${await t.innerText()} on screen`)
      }
      await withResponse(page, apiPath('/services'), () =>
        page.getByTestId('public-tabs').getByRole('tab', { name: labels.lenient, exact: true }).click(),
      )
      await page.waitForURL((u) => u.searchParams.get('list') === 'lenient')
      const lenient = await publicList({ list: 'lenient' })
      assert.deepEqual(await cardTitles(page), lenient.items.map((i) => i.title))
      for (const tag of await page.getByTestId('service-card').locator('.el-tag').allInnerTexts()) assert.equal(tag.trim(), labels.lenient)

      // A Chinese fragment finds what the API finds, in the list chosen.
      await page.getByTestId('public-q').fill('登记')
      await withResponse(page, apiPath('/services'), () => page.getByTestId('public-search').click())
      await page.waitForURL((u) => u.searchParams.get('q') === '登记')
      const found = await publicList({ list: 'lenient', q: '登记' })
      assert.ok(found.total > 0)
      assert.deepEqual(await cardTitles(page), found.items.map((i) => i.title))
      await page.getByTestId('public-tabs').getByRole('tab', { name: '全部', exact: true }).click()
      await page.waitForURL((u) => !u.searchParams.get('list') && u.searchParams.get('q') === '登记')
      assert.deepEqual(await cardTitles(page), (await publicList({ q: '登记' })).items.map((i) => i.title))
      await page.getByTestId('public-q').fill('没有这样的服务事项')
      await page.getByTestId('public-search').click()
      await page.getByTestId('public-empty').waitFor()

      // An item's page: every text under its heading, with the labels of /meta.
      await page.getByTestId('public-q').fill('一网通办')
      await page.getByTestId('public-search').click()
      await page.waitForURL((u) => u.searchParams.get('q') === '一网通办')
      const target = (await publicList({ q: '一网通办' })).items[0]
      await page.getByTestId('service-card').filter({ hasText: target.title }).first().click()
      await page.waitForURL((u) => u.pathname === `/services/${target.id}`)
      assert.equal((await page.getByTestId('public-service-title').innerText()).trim(), target.title)
      assert.equal((await page.getByTestId('service-department').innerText()).trim(), target.department_name)
      for (const k of ['content', 'process', 'materials', 'channel', 'legal_basis']) {
        const section = page.getByTestId(`service-${k}`)
        assert.equal((await section.locator('h4').innerText()).trim(), meta.records.service.fields[k].label, k)
        assert.equal(await section.locator('p').innerText(), target[k], `${k} keeps its lines`)
      }
      assert.equal((await page.getByTestId('service-list-tag').innerText()).trim(), labels[target.list])
      await noOverflow(page, `${size} /services/${target.id}`)
      // Back to the list as it was left.
      await page.getByTestId('public-back').click()
      await page.waitForURL((u) => u.pathname === '/services' && u.searchParams.get('q') === '一网通办')
      await ready(page, 'public-services')

      // A draft is not there for the public.
      const drafts = await backend.get(adminToken, '/services?status=draft')
      assert.ok(drafts.total > 0, 'the demo has drafts')
      await page.goto(`/services/${drafts.items[0].id}`)
      await page.getByTestId('public-service-error').waitFor()
      assert.ok((await page.getByTestId('public-service-error').innerText()).includes('未找到该服务事项'))
      await page.goto(`/services?q=${encodeURIComponent(drafts.items[0].title)}`)
      await page.getByTestId('public-empty').waitFor()
    } finally {
      await context.close()
    }
  })
}

// Picks an option of a select in the dialog whose dropdown has popper-class `popper`.
async function pick(page, testid, popper, text) {
  await page.getByTestId(testid).click()
  const item = page.locator(`.${popper} .el-select-dropdown__item`).filter({ hasText: exact(text) }).first()
  await item.waitFor({ state: 'visible' })
  await item.click()
}

test('staff desktop: a department adds an item, edits it, sees its history; other departments\' items are read only', T, async () => {
  const { context, page } = await newPage('desktop')
  try {
    await login(page, 'catfin')
    await page.getByTestId('menu-/catalogue').click()
    await page.waitForURL((u) => u.pathname === '/catalogue')
    await ready(page, 'service-list')
    const all = await backend.get(adminToken, '/services?page_size=1')
    await eventually(async () => (await page.getByTestId('list-total').innerText()).replace(/\D/g, '') === String(all.total), {
      what: `staff total ${all.total} (drafts included)`,
    })

    // The list tabs filter the list, kept in the URL.
    await page.getByTestId('catalogue-tabs').getByRole('tab', { name: '合规指导', exact: true }).click()
    await page.waitForURL((u) => u.searchParams.get('list') === 'guidance')
    await ready(page, 'service-list')
    const guidance = await backend.get(adminToken, '/services?list=guidance&page_size=1')
    await eventually(async () => (await page.getByTestId('list-total').innerText()).replace(/\D/g, '') === String(guidance.total), {
      what: 'guidance total',
    })
    for (const t of await page.locator('[data-testid="service-table"] .el-table__body [data-col="list"]').allInnerTexts()) assert.equal(t.trim(), '合规指导')

    // 新增: the department is its own and fixed; a 轻微免罚 item asks for its basis first.
    await page.getByTestId('service-add').click()
    const dialog = page.getByTestId('service-dialog')
    await dialog.waitFor()
    const department = page.getByTestId('service-form-department')
    assert.ok((await department.innerText()).includes('市财政局'))
    assert.ok(await department.evaluate((el) => el.classList.contains('is-disabled') || !!el.querySelector('.is-disabled')), 'department fixed')
    await page.getByTestId('service-form-title').fill('测试：财政惠企资金兑付咨询服务')
    await pick(page, 'service-form-list', 'jg-pop-service-list', '轻微免罚')
    await page.getByTestId('service-form-content').fill('第一行：咨询范围\n第二行：办理方式')
    let posted = 0
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/services') posted++
    })
    await page.getByTestId('service-save').click()
    await eventually(async () => (await dialog.innerText()).includes('轻微免罚事项须写明设定依据'), { what: 'basis asked for' })
    assert.equal(posted, 0, 'an invalid form is not sent')
    await pick(page, 'service-form-list', 'jg-pop-service-list', '服务发展')
    await pick(page, 'service-form-category', 'jg-pop-service-category', '资金')
    await page.getByTestId('service-form-time_limit').fill('5 个工作日')
    const resp = await withResponse(page, apiPath('/services', 'POST'), () => page.getByTestId('service-save').click())
    assert.equal(resp.status(), 201)
    const created = await resp.json()
    assert.deepEqual(JSON.parse(resp.request().postData()), {
      list: 'service',
      title: '测试：财政惠企资金兑付咨询服务',
      department: 1,
      category: 'funding',
      status: 'published',
      content: '第一行：咨询范围\n第二行：办理方式',
      time_limit: '5 个工作日',
    })
    await dialog.waitFor({ state: 'hidden' })

    // The new item opens in the drawer, with its creation in the history.
    const drawer = page.getByTestId('service-drawer')
    await drawer.getByTestId('service-detail').waitFor()
    assert.equal(await drawer.getByTestId('service-content').locator('p').innerText(), '第一行：咨询范围\n第二行：办理方式')
    await eventually(async () => (await drawer.getByTestId('service-history-item').allInnerTexts()).map((s) => s.trim()).join() === '新增服务事项', {
      what: 'creation in the history',
    })

    // 编辑: only the changed field is sent; the history shows from → to.
    await drawer.getByTestId('service-edit').click()
    await dialog.waitFor()
    await page.getByTestId('service-form-time_limit').fill('3 个工作日')
    const edit = await withResponse(page, apiPath(`/services/${created.id}`, 'PATCH'), () => page.getByTestId('service-save').click())
    assert.equal(edit.status(), 200)
    assert.deepEqual(JSON.parse(edit.request().postData()), { time_limit: '3 个工作日' })
    await dialog.waitFor({ state: 'hidden' })
    await eventually(async () => (await drawer.getByTestId('service-history-item').count()) === 2, { what: 'the change in the history' })
    const detail = await drawer.getByTestId('service-history').locator('[data-col="detail"]').first().innerText()
    assert.ok(detail.includes('办理时限：5 个工作日 → 3 个工作日'), detail)
    const stored = await backend.get(adminToken, `/services/${created.id}`)
    assert.equal(stored.time_limit, '3 个工作日')
    assert.equal(stored.department, 1)

    // The public finds it at once.
    const pub = await (await fetch(`${backend.base}/api/v1/services?q=${encodeURIComponent('惠企资金兑付咨询')}`)).json()
    assert.deepEqual(pub.items.map((i) => i.id), [created.id])

    // Another department's item: shown, not editable.
    await page.keyboard.press('Escape')
    await drawer.waitFor({ state: 'hidden' })
    await page.goto('/catalogue?department=8')
    await ready(page, 'service-list')
    await page.locator('[data-testid="service-table"] .el-table__body tr').first().click()
    await drawer.getByTestId('service-detail').waitFor()
    assert.equal((await drawer.getByTestId('service-department').innerText()).trim(), '市行政审批服务局')
    assert.equal(await drawer.getByTestId('service-edit').count(), 0)
  } finally {
    await context.close()
  }
})

test('staff phone 390×844: the catalogue page, its drawer and its form fit the screen; drafts are marked', T, async () => {
  const { context, page } = await newPage('phone')
  try {
    await login(page, 'catadmin')
    await page.goto('/catalogue?status=draft')
    await ready(page, 'service-list')
    await page.locator('[data-testid="service-table"] .el-table__body tr').first().waitFor()
    await noOverflow(page, '/catalogue')
    const tabs = page.getByTestId('catalogue-tabs').getByRole('tab')
    assert.equal(await tabs.count(), 5)
    for (const t of await tabs.all()) {
      const box = await t.boundingBox()
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `tab ${await t.innerText()} on screen (${JSON.stringify(box)})`)
    }
    await page.locator('[data-testid="service-table"] .el-table__body tr').first().click()
    const drawer = page.getByTestId('service-drawer')
    await drawer.getByTestId('service-draft-tag').waitFor()
    await noOverflow(page, '/catalogue with the drawer open')
    // Once it has slid in, the drawer takes the screen, no more.
    await page.locator('.service-drawer').evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished.catch(() => {})) /* a cancelled animation rejects: it is over too */))
    const box = await eventually(async () => {
      const b = await page.locator('.service-drawer').boundingBox()
      return b.x === 0 && b
    }, { what: 'drawer open' })
    assert.ok(box.width <= 390, `drawer ${JSON.stringify(box)} fits`)
    await drawer.getByTestId('service-edit').click()
    await page.getByTestId('service-dialog').waitFor()
    const dbox = await page.locator('[data-testid="service-dialog"]').boundingBox()
    assert.ok(dbox.x >= 0 && dbox.x + dbox.width <= 390, `dialog ${JSON.stringify(dbox)} fits`)
    await noOverflow(page, '/catalogue with the form open')
  } finally {
    await context.close()
  }
})

// Browser tests of the application shell: the menu of every role on a desktop (1440×900) and on
// a phone (390×844), each page reached through the menu, no horizontal overflow, the role's own
// labels on the home page; session expiry; the desktop sidebar and tabs; the month calendar;
// the time from 登录 to a home page with its number. Screenshots of every page go to
// build/web-shots/<role>-<size>-<page>.png.
//
// Run: JIANGUAN_BIN=$PWD/build/jianguan node --test tests/web/shell.test.mjs

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { Backend, PASSWORD, loginToHome, ROOT, launchBrowser, eventually, withResponse } from './harness.mjs'

const T = { timeout: 180_000 }
const PRODUCT = '聊城市市场监管服务平台'
const SHOTS = path.join(ROOT, 'build/web-shots')
const SIZES = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
}

// The menus, exactly as users must see them: [title, path].
const HOME = ['首页概览', '/']
const STAFF_MENU = [HOME, ['市场主体', '/entities'], ['服务清单', '/catalogue'], ['基础数据', '/reference']]
// 诉求通: the staff who handle demands (not inspectors), and the enterprise its own.
const DEMANDS = [['诉求收件箱', '/demands'], ['诉求统计', '/demands/stats']]
const DEMAND_STAFF_MENU = [...STAFF_MENU.slice(0, 3), ...DEMANDS, ...STAFF_MENU.slice(3)]
// 双随机、一公开: the bureau (and the administrator) plan tasks and keep the inspectors'
// certificates (执法人员), inspectors read tasks and record their own targets' results.
const INSPECTIONS = [['抽查任务', '/inspection-tasks'], ['执法人员', '/inspectors']]
// 检查执法: the bureau and inspectors; 特种设备: the bureau and inspectors read the register and
// the rate, an enterprise its reminders; 气瓶充装: the bureau supervises, a station works its desk.
const ENFORCEMENT = [['专项行动', '/enforcement/campaigns'], ['检查记录', '/enforcement/inspections'],
  ['案件', '/enforcement/cases'], ['检查覆盖率', '/enforcement/coverage']]
const EQUIPMENT = [['特种设备台账', '/equipment'], ['定检率', '/equipment/rate']]
const CYLINDERS = [['气瓶充装监管', '/cylinders']]
const BUREAU_MENU = [...DEMAND_STAFF_MENU.slice(0, 5), ...INSPECTIONS, ...ENFORCEMENT, ...EQUIPMENT, ...CYLINDERS,
  ...DEMAND_STAFF_MENU.slice(5)]
const INSPECTOR_MENU = [...STAFF_MENU.slice(0, 3), INSPECTIONS[0], ['我的检查任务', '/my-inspections'],
  ...ENFORCEMENT, ...EQUIPMENT, ...STAFF_MENU.slice(3)]
const OWNER_MENU = [HOME, ['我的企业', '/my-entity']]
const STATION_MENU = [...OWNER_MENU, ['充装站工作台', '/cylinders/desk']]
const ENTERPRISE_MENU = [...OWNER_MENU, ['我的诉求', '/my-demands'], ['设备检验提醒', '/my-equipment']]
const ADMIN_MENU = [
  HOME,
  ['市场主体', '/entities'],
  ['服务清单', '/catalogue'],
  ...DEMANDS,
  ...INSPECTIONS,
  ...ENFORCEMENT,
  ...EQUIPMENT,
  ...CYLINDERS,
  ['用户管理', '/system/users'],
  ['角色与数据范围', '/system/roles'],
  ['部门/区划/产业链', '/system/org'],
  ['节假日', '/system/calendar'],
  ['操作日志', '/system/audit'],
  ['登录日志', '/system/login-log'],
]
const CITY_STAT = '聊城市市场主体总数'

const backend = new Backend()
let browser
let adminToken
let entities // three demo entities, for the accounts bound to one
let department // department 1, from the API

// Every role to walk through; `user` is created in before().
const ROLES = [
  { key: 'admin', role: 'admin', display: '系统管理员', menu: ADMIN_MENU, stat: CITY_STAT },
  { key: 'bureau-city', role: 'bureau', display: '市局 王明', menu: BUREAU_MENU, stat: CITY_STAT },
  { key: 'bureau-county', role: 'bureau', display: '东昌府区局 李静', region: '371502', menu: BUREAU_MENU, stat: '东昌府区市场主体总数' },
  { key: 'officer', role: 'officer', display: '驻企服务员 刘洋', menu: DEMAND_STAFF_MENU, stat: '我服务的市场主体' },
  { key: 'inspector', role: 'inspector', display: '执法人员 赵强', menu: INSPECTOR_MENU, stat: CITY_STAT },
  { key: 'department', role: 'department', display: '财政局 孙丽', departmentId: 1, menu: DEMAND_STAFF_MENU, stat: CITY_STAT },
  { key: 'chain_office', role: 'chain_office', display: '链长办 陈刚', menu: DEMAND_STAFF_MENU, stat: CITY_STAT },
  { key: 'city_office', role: 'city_office', display: '市链长办 周涛', menu: DEMAND_STAFF_MENU, stat: CITY_STAT },
  { key: 'enterprise', role: 'enterprise', display: '企业联系人 张三', entity: 0, menu: ENTERPRISE_MENU },
  { key: 'station', role: 'station', display: '充装站 钱七', entity: 1, menu: STATION_MENU },
  { key: 'slaughterhouse', role: 'slaughterhouse', display: '屠宰场 孙八', entity: 2, menu: OWNER_MENU },
]

before(async () => {
  mkdirSync(SHOTS, { recursive: true })
  await backend.start()
  backend.addUser('sh_root', 'admin')
  adminToken = (await backend.login('sh_root')).token
  entities = (await backend.get(adminToken, '/entities?page_size=3')).items
  assert.equal(entities.length, 3, 'demo data has entities')
  department = (await backend.get(adminToken, '/departments')).items.find((d) => d.id === 1)
  assert.ok(department, 'department 1 exists')
  for (const r of ROLES) {
    r.user = `sh_${r.key.replace('-', '_')}`
    const extra = ['--display-name', r.display]
    if (r.region) extra.push('--region', r.region)
    if (r.departmentId) extra.push('--department', String(r.departmentId))
    if (r.entity !== undefined) extra.push('--entity', entities[r.entity].uscc)
    r.id = backend.addUser(r.user, r.role, extra)
  }
  // The officer serves one firm, so that its count means something.
  const officer = ROLES.find((r) => r.key === 'officer')
  const patched = await call(adminToken, 'PATCH', `/entities/${entities[0].uscc}`, { officer: officer.id })
  assert.equal(patched.status, 200, JSON.stringify(patched.body))
  browser = await launchBrowser()
})

after(async () => {
  if (browser) await browser.close()
  await backend.stop()
})

// ---- helpers ----

async function call(token, method, p, body) {
  const headers = { Authorization: `Bearer ${token}` }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const r = await fetch(`${backend.base}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await r.text()
  return { status: r.status, body: text ? JSON.parse(text) : null }
}

const apiPath = (p, method) => (u, r) => u.pathname === `/api/v1${p}` && (!method || r.request().method() === method)

async function newPage(size) {
  const viewport = SIZES[size]
  const phone = size === 'phone'
  const context = await browser.newContext({ baseURL: backend.base, locale: 'zh-CN', viewport, isMobile: phone, hasTouch: phone })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return { context, page }
}

async function fillLogin(page, username) {
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(PASSWORD)
}

// A logged-in page at `size`, through the login form.
async function login(username, size) {
  const { context, page } = await newPage(size)
  await page.goto('/login')
  await fillLogin(page, username)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('user-menu').waitFor()
  return { context, page }
}

// Waits until the page has stopped loading: no loading mask, skeleton or data-state="loading"
// in the main area, twice in a row.
async function settled(page) {
  let calm = 0
  await eventually(
    async () => {
      const busy = await page.evaluate(() => {
        const main = document.querySelector('.main')
        if (!main) return true
        const visible = (el) => el.offsetParent !== null
        return (
          [...main.querySelectorAll('.el-loading-mask, .el-skeleton')].some(visible) ||
          !!main.querySelector('[data-state="loading"]')
        )
      })
      calm = busy ? 0 : calm + 1
      return calm >= 2
    },
    { timeout: 15_000, interval: 100, what: 'page settled' },
  )
}

async function noOverflow(page, what) {
  const { doc, vw } = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, vw: window.innerWidth }))
  assert.ok(doc <= vw, `${what}: page ${doc}px wide in a ${vw}px viewport`)
}

async function shoot(page, role, size, name) {
  await page.screenshot({ path: path.join(SHOTS, `${role}-${size}-${name}.png`) })
}

const slug = (p) => (p === '/' ? 'home' : p.slice(1).replaceAll('/', '-'))

// The titles of the menu's pages, in order (the drawer's menu on a phone, opened first).
async function menuTitles(page) {
  const menu = page.getByTestId('menu')
  await menu.locator('.el-menu-item').first().waitFor({ state: 'attached' })
  return (await menu.locator('.el-menu-item').allTextContents()).map((s) => s.trim())
}

async function openDrawer(page) {
  await page.getByRole('button', { name: '菜单', exact: true }).click()
  await page.getByTestId('menu').waitFor()
  // Until it has slid in (taps and screenshots land where the drawer will be).
  await page.locator('.menu-drawer').evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished.catch(() => {})) /* a cancelled animation rejects: it is over too */))
  await eventually(async () => (await page.locator('.menu-drawer').boundingBox()).x === 0, { what: 'drawer open' })
}

// Clicks (taps) the menu item of `p`, opening its group first when it is folded.
async function clickMenu(page, p) {
  const item = page.getByTestId(`menu-${p}`)
  if (!(await item.isVisible())) {
    // The group that holds it (a group's path need not prefix its pages': 诉求通).
    const group = page.getByTestId('menu').locator('.el-sub-menu').filter({ has: item })
    await group.locator('.el-sub-menu__title').first().click()
    await item.waitFor({ state: 'visible' })
  }
  await item.click()
}

// Goes to the page `p` through the menu, as a user would on this size of screen.
async function navigate(page, size, p) {
  if (size === 'phone') {
    await openDrawer(page)
    await clickMenu(page, p)
    await page.getByTestId('menu').waitFor({ state: 'hidden' }) // the drawer closes
  } else {
    await clickMenu(page, p)
  }
}

// Where the menu entry `p` leads (我的企业: the account's own entity).
function expectedUrl(r, p) {
  if (p === '/my-entity') return `/entities/${entities[r.entity].uscc}`
  return p
}

// ---- every role, both sizes ----

for (const size of Object.keys(SIZES)) {
  for (const r of ROLES) {
    test(`${r.key} at ${size}: every menu page opens, fits the screen, and home speaks to the role`, T, async () => {
      const { context, page } = await login(r.user, size)
      try {
        await page.waitForURL((u) => u.pathname === '/')
        await settled(page)

        // The header: the product's name (shortened on a phone), the user once.
        const brand = (await page.getByTestId('brand').innerText()).trim()
        assert.equal(brand.replace(/^监\s*/, ''), size === 'phone' ? '聊城市场监管' : PRODUCT)
        assert.equal((await page.getByTestId('user-name').innerText()).trim(), r.display)
        const header = await page.locator('.header').innerText()
        const roleName = r.role === 'admin' ? '系统管理员' : null
        if (roleName) assert.equal(header.split(roleName).length - 1, 1, `role shown once in "${header}"`)
        const fits = await page.evaluate(() => {
          const h = document.querySelector('.header')
          const brand = document.querySelector('.brand-title')
          const name = document.querySelector('[data-testid="user-name"]').getBoundingClientRect()
          return { over: h.scrollWidth - h.clientWidth, brandCut: brand.scrollWidth - brand.clientWidth, nameHeight: name.height }
        })
        assert.ok(fits.over <= 0, `header overflows by ${fits.over}px`)
        assert.ok(fits.brandCut <= 0, `brand cut by ${fits.brandCut}px`)
        assert.ok(fits.nameHeight < 30, `user name on one line (${fits.nameHeight}px high)`)
        if (size === 'phone') {
          assert.equal(await page.getByTestId('sidebar').count(), 0, 'no sidebar on a phone')
          assert.equal(await page.getByTestId('page-tabs').count(), 0, 'no tabs on a phone')
          // The avatar opens the user menu with everything the header left out.
          await page.getByTestId('user-menu').click()
          const items = page.locator('.jg-user-menu .el-dropdown-menu__item:visible')
          await items.first().waitFor()
          assert.deepEqual((await items.allInnerTexts()).map((s) => s.trim()), ['个人信息', '修改密码', '退出登录'])
          await page.getByTestId('user-menu').click()
          await items.first().waitFor({ state: 'hidden' })
          await openDrawer(page)
        }

        // The menu, exactly.
        assert.deepEqual(await menuTitles(page), r.menu.map(([t]) => t))
        if (size === 'phone') {
          await shoot(page, r.key, size, 'menu')
          await page.keyboard.press('Escape')
          await page.getByTestId('menu').waitFor({ state: 'hidden' })
        }

        // Home: the role's own labels.
        await noOverflow(page, 'home')
        await shoot(page, r.key, size, 'home')
        const user = (await backend.login(r.user)).user
        assert.equal((await page.getByTestId('hello').innerText()).trim(), `您好，${r.display}`)
        if (r.stat) {
          const { total } = await backend.get((await backend.login(r.user)).token, '/entities?page_size=1')
          assert.equal((await page.getByTestId('stat-label').innerText()).trim(), r.stat)
          const shown = (await page.getByTestId('stat-value').innerText()).replace(/\s*户$/, '').trim()
          assert.equal(shown, total.toLocaleString('zh-CN'), 'count of the scope, with thousands separators')
        } else {
          assert.equal(await page.getByTestId('stat-entities').count(), 0, 'no staff statistics')
        }
        if (r.departmentId) {
          const d = (await page.getByTestId('home-department').innerText()).trim()
          assert.equal(d, department.name, 'the department by name')
          assert.equal(d, user.department_name)
        }
        if (r.entity !== undefined) {
          const e = entities[r.entity]
          const link = page.getByTestId('home-entity')
          await eventually(async () => (await link.innerText()).trim() === e.name, { what: `entity name ${e.name} shown` })
          assert.equal(await link.getAttribute('href'), `/entities/${e.uscc}`)
        }
        // 待办事项 has answered (its lines, or 暂无待办 when there is nothing to do).
        await page.locator('[data-testid="home-todo"][data-state="ready"]').waitFor()
        const shortcuts = await page.getByTestId('home-shortcuts').locator('.shortcut').allInnerTexts()
        assert.ok(shortcuts.length > 0, 'shortcuts for the role')
        for (const s of shortcuts) assert.ok(r.menu.some(([t]) => t === s.trim()), `shortcut ${s} is a page of the menu`)

        // Every page of the menu.
        for (const [title, p] of r.menu.slice(1)) {
          await navigate(page, size, p)
          const url = expectedUrl(r, p)
          await page.waitForURL((u) => u.pathname === url)
          await eventually(async () => (await page.title()) === `${title} - ${PRODUCT}`, { what: `title of ${p}` })
          const crumbs = await page.getByTestId('breadcrumb').innerText()
          assert.ok(p === '/my-entity' || crumbs.includes(title), `breadcrumb of ${p}: ${crumbs}`)
          await settled(page)
          await noOverflow(page, p)
          await shoot(page, r.key, size, slug(p))
        }
      } finally {
        await context.close()
      }
    })
  }
}

// ---- session expiry ----

test('session expiry: the next call says 登录已过期 and logging in returns to the page', T, async () => {
  const r = ROLES.find((x) => x.key === 'bureau-county')
  const { context, page } = await login(r.user, 'desktop')
  try {
    await page.waitForURL((u) => u.pathname === '/')
    await settled(page)
    const revoked = await call(adminToken, 'POST', `/users/${r.id}/revoke`)
    assert.equal(revoked.status, 200)

    await clickMenu(page, '/reference')
    await page.locator('.el-message', { hasText: '登录已过期，请重新登录' }).waitFor()
    await page.waitForURL((u) => u.pathname === '/login')
    assert.equal(new URL(page.url()).searchParams.get('redirect'), '/reference')

    await fillLogin(page, r.user)
    await page.getByTestId('login-submit').click()
    await page.waitForURL((u) => u.pathname === '/reference')
    await page.locator('[data-testid="reference"][data-state="ready"]').waitFor()
    assert.ok((await page.getByTestId('ref-regions').innerText()).includes('东昌府区'))
  } finally {
    await context.close()
  }
})

// ---- desktop: sidebar and tabs ----

test('desktop: the sidebar folds and stays folded; tabs follow the pages opened', T, async () => {
  const admin = ROLES.find((x) => x.key === 'admin')
  const { context, page } = await login(admin.user, 'desktop')
  try {
    const sidebar = page.getByTestId('sidebar')
    const width = async () => (await sidebar.boundingBox()).width
    assert.equal(await width(), 208)
    await page.getByTestId('sidebar-toggle').click()
    await eventually(async () => (await width()) === 64, { what: 'sidebar folded' })
    assert.equal(await page.getByTestId('sidebar-toggle').getAttribute('aria-label'), '展开侧边栏')
    await page.reload()
    await page.getByTestId('user-menu').waitFor()
    assert.equal(await width(), 64, 'folded after a reload')
    await page.getByTestId('sidebar-toggle').click()
    await eventually(async () => (await width()) === 208, { what: 'sidebar unfolded' })

    const tabs = page.getByTestId('page-tabs')
    const tabTitles = async () => (await tabs.locator('.el-tabs__item').allInnerTexts()).map((s) => s.trim())
    assert.deepEqual(await tabTitles(), ['首页概览'])
    assert.equal(await tabs.locator('.el-tabs__item').first().locator('.is-icon-close').count(), 0, 'home cannot be closed')

    await clickMenu(page, '/system/users')
    await page.waitForURL((u) => u.pathname === '/system/users')
    await clickMenu(page, '/system/calendar')
    await page.waitForURL((u) => u.pathname === '/system/calendar')
    await eventually(async () => (await tabTitles()).join() === '首页概览,用户管理,节假日', { what: 'a tab per page' })
    const tab = (title) => tabs.locator('.el-tabs__item', { hasText: title })
    assert.ok((await tab('节假日').getAttribute('class')).includes('is-active'))

    // A click on a tab shows its page.
    await tab('用户管理').click()
    await page.waitForURL((u) => u.pathname === '/system/users')
    // Closing another tab leaves the page; closing the current one shows its neighbour.
    await tab('节假日').hover()
    await tab('节假日').locator('.is-icon-close').click()
    await eventually(async () => (await tabTitles()).join() === '首页概览,用户管理', { what: '节假日 closed' })
    assert.equal(new URL(page.url()).pathname, '/system/users')
    await tab('用户管理').hover()
    await tab('用户管理').locator('.is-icon-close').click()
    await page.waitForURL((u) => u.pathname === '/')
    assert.deepEqual(await tabTitles(), ['首页概览'])

    // The administrator's reference data is in 系统管理.
    await page.goto('/reference')
    await page.waitForURL((u) => u.pathname === '/system/org')
    await page.locator('[data-testid="reference"][data-state="ready"]').waitFor()
  } finally {
    await context.close()
  }
})

// ---- the month calendar, on a phone ----

// Today in China Standard Time, YYYY-MM-DD.
function todayCst() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
}

test('calendar at 390 px: a click on a day marks it as a holiday, another clears it', T, async () => {
  const today = todayCst()
  const cal = await backend.get(adminToken, `/calendar?year=${today.slice(0, 4)}`)
  const taken = new Set(cal.items.map((d) => d.date))
  const [y, m] = today.split('-').map(Number)
  let date = ''
  for (let d = 1; d <= 28 && !date; d++) {
    const c = `${today.slice(0, 8)}${String(d).padStart(2, '0')}`
    const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay()
    if (wd >= 1 && wd <= 5 && !taken.has(c)) date = c
  }
  assert.ok(date, 'a free weekday this month')

  const admin = ROLES.find((x) => x.key === 'admin')
  const { context, page } = await login(admin.user, 'phone')
  try {
    await page.goto('/system/calendar')
    await page.locator('[data-testid="calendar-page"][data-state="ready"]').waitFor()
    await noOverflow(page, 'calendar')
    const cell = page.getByTestId(`cal-day-${date}`)
    assert.equal(await cell.getAttribute('data-kind'), '')

    await cell.click()
    const dlg = page.getByTestId('calendar-dialog')
    await dlg.waitFor()
    const box = await dlg.boundingBox()
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `dialog fits: ${JSON.stringify(box)}`)
    await page.getByTestId('calendar-kind').getByText('节假日', { exact: true }).click()
    await page.getByTestId('calendar-name').fill('测试休假')
    const put = await withResponse(page, apiPath(`/calendar/${date}`, 'PUT'), () => page.getByTestId('calendar-save').click())
    assert.equal(put.status(), 200)
    await dlg.waitFor({ state: 'hidden' })
    const stored = await backend.get(adminToken, `/calendar?year=${date.slice(0, 4)}`)
    assert.deepEqual(stored.items.find((d) => d.date === date), { date, kind: 'holiday', name: '测试休假' })
    await eventually(async () => (await cell.getAttribute('data-kind')) === 'holiday', { what: 'the day shows 休' })
    assert.ok((await cell.innerText()).includes('休'))
    await shoot(page, 'admin', 'phone', 'calendar-holiday')

    await cell.click()
    await dlg.waitFor()
    const del = await withResponse(page, apiPath(`/calendar/${date}`, 'DELETE'), () => page.getByTestId('calendar-clear').click())
    assert.equal(del.status(), 204)
    await dlg.waitFor({ state: 'hidden' })
    const gone = await backend.get(adminToken, `/calendar?year=${date.slice(0, 4)}`)
    assert.equal(gone.items.find((d) => d.date === date), undefined)
    assert.equal(gone.items.length, cal.items.length)
    await eventually(async () => (await cell.getAttribute('data-kind')) === '', { what: 'the day is plain again' })
  } finally {
    await context.close()
  }
})

// ---- speed ----

// Milliseconds from the click on 登录 until the home page shows its entity count, measured in
// the browser.
test('login → home: the home page shows its figure after 登录 (time logged; bench/login.mjs measures it)', T, async () => {
  const r = ROLES.find((x) => x.key === 'bureau-city')
  const ms = await loginToHome(browser, backend, r.user)
  console.log(`login→home: ${ms} ms`)
  assert.ok(ms > 0)
})

test('the login page does not load ECharts', T, async () => {
  const { context, page } = await newPage('desktop')
  try {
    const loaded = []
    page.on('request', (r) => loaded.push(new URL(r.url()).pathname))
    await page.goto('/login')
    await page.getByTestId('login-form').waitFor()
    assert.ok(loaded.some((p) => /\/assets\/element-plus-.*\.js$/.test(p)), 'Element Plus is a chunk of its own')
    assert.ok(!loaded.some((p) => /echarts/.test(p)), `no ECharts on the login page: ${loaded.join(' ')}`)
  } finally {
    await context.close()
  }
})

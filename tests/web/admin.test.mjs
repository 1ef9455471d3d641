// Browser tests of 系统管理 (users, login log, audit, calendar) and the user menu, against the
// real backend (see harness.mjs). Run: node --test tests/web/
//
// Each test checks the outcome where it lands — the API's state, a login that now fails — and
// not only what the page shows.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { Backend, PASSWORD, launchBrowser, loginPage, eventually, withResponse } from './harness.mjs'

const T = { timeout: 120_000 }

const backend = new Backend()
let browser
let adminToken
let meta

before(async () => {
  await backend.start()
  backend.addUser('sysadmin', 'admin', ['--display-name', '系统管理员甲'])
  backend.addUser('sysbureau', 'bureau', ['--region', '371502', '--display-name', '东昌府区 赵六'])
  adminToken = (await backend.login('sysadmin')).token
  meta = await backend.get(adminToken, '/meta')
  browser = await launchBrowser()
})

after(async () => {
  if (browser) await browser.close()
  await backend.stop()
})

// ---- helpers ----

// Any API call with a bearer token: {status, body}.
async function call(token, method, path, body) {
  const headers = { Authorization: `Bearer ${token}` }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const r = await fetch(`${backend.base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await r.text()
  return { status: r.status, body: text ? JSON.parse(text) : null }
}

async function loginStatus(username, password) {
  const r = await fetch(`${backend.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  return r.status
}

async function createUser(user) {
  const r = await call(adminToken, 'POST', '/users', { password: PASSWORD, ...user })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return r.body
}

const apiPath = (p, method) => (u, r) => u.pathname === `/api/v1${p}` && (!method || r.request().method() === method)
const exact = (s) => new RegExp(`^\\s*${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`)

async function ready(page, testid) {
  await page.locator(`[data-testid="${testid}"][data-state="ready"]`).waitFor()
}

// The users table's row of one username.
function userRow(page, username) {
  return page
    .locator('[data-testid="user-table"] .el-table__body tr')
    .filter({ has: page.locator('[data-col="username"]', { hasText: exact(username) }) })
}

async function colTexts(page, table, col) {
  return (await page.locator(`[data-testid="${table}"] .el-table__body [data-col="${col}"]`).allInnerTexts()).map((s) => s.trim())
}

// Opens the Element Plus select `testid` and picks the option `text` from its popper `popper`.
async function pick(page, testid, popper, text) {
  await page.getByTestId(testid).click()
  const item = page.locator(`.${popper} .el-select-dropdown__item`).filter({ hasText: exact(text) }).first()
  await item.waitFor({ state: 'visible' })
  await item.click()
}

// Clicks the primary button of the open confirmation box.
async function confirmBox(page) {
  const btn = page.locator('.el-message-box__btns .el-button--primary')
  await btn.waitFor({ state: 'visible' })
  await btn.click()
}

// Opens a users-table row's 更多 menu and picks an entry.
async function rowMore(page, username, entry) {
  await userRow(page, username).getByTestId('row-more').click()
  const item = page.locator('.jg-row-more .el-dropdown-menu__item:visible').filter({ hasText: entry })
  await item.waitFor({ state: 'visible' })
  await item.click()
}

// The native input of a component given a data-testid (Element Plus puts it on the input
// itself for el-input, on a wrapper for others).
async function inputOf(page, testid) {
  const el = page.getByTestId(testid)
  return (await el.evaluate((e) => e.tagName)) === 'INPUT' ? el : el.locator('input').first()
}

async function goUsers(page, query = '') {
  await page.goto(`/system/users${query}`)
  await ready(page, 'users-page')
}

// ---- 用户管理 ----

test('users: the admin creates a user through the dialog; it is listed and in the API', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'sysadmin')
  try {
    // The menu group leads to the page.
    await page.getByTestId('menu-/system').click()
    await page.getByTestId('menu-/system/users').click()
    await page.waitForURL((u) => u.pathname === '/system/users')
    await ready(page, 'users-page')
    const { total } = await backend.get(adminToken, '/users?page_size=1')
    await eventually(async () => (await page.getByTestId('list-total').innerText()).replace(/\D/g, '') === String(total), {
      what: `total ${total} shown`,
    })

    await page.getByTestId('user-add').click()
    const dialog = page.getByTestId('user-dialog')
    await dialog.waitFor()

    // Checked before sending, as the server checks.
    let posted = 0
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/users') posted++
    })
    await page.getByTestId('user-username').fill('Bad Name')
    await page.getByTestId('user-password').fill('short')
    await page.getByTestId('user-save').click()
    for (const msg of ['用户名须为 2–32 位小写字母、数字或 _ . -', '密码长度须为 8–128 个字符', '请选择角色']) {
      await eventually(async () => (await dialog.innerText()).includes(msg), { what: `"${msg}" shown` })
    }
    assert.equal(posted, 0, 'an invalid form is not sent')

    await page.getByTestId('user-username').fill('zhang.san')
    await page.getByTestId('user-display-name').fill('执法大队 张三')
    await page.getByTestId('user-password').fill('Init-pass-1')
    await pick(page, 'user-role-select', 'jg-pop-user-role', meta.roles.inspector)
    await pick(page, 'user-region-select', 'jg-pop-user-region', '东昌府区')
    const resp = await withResponse(page, apiPath('/users', 'POST'), () => page.getByTestId('user-save').click())
    assert.equal(resp.status(), 201)
    assert.deepEqual(JSON.parse(resp.request().postData()), {
      username: 'zhang.san',
      password: 'Init-pass-1',
      role: 'inspector',
      region: '371502',
      display_name: '执法大队 张三',
    })
    await dialog.waitFor({ state: 'hidden' })

    // Listed: the page shows the new user (searched by its name), with labels, not codes.
    await page.waitForURL((u) => u.searchParams.get('q') === 'zhang.san')
    await ready(page, 'users-page')
    assert.equal(await page.getByTestId('filter-q').inputValue(), 'zhang.san')
    const row = userRow(page, 'zhang.san')
    await row.waitFor()
    assert.equal(await page.locator('[data-testid="user-table"] .el-table__body tr').count(), 1)
    assert.equal((await row.locator('[data-col="display_name"]').innerText()).trim(), '执法大队 张三')
    assert.equal((await row.locator('[data-col="role"]').innerText()).trim(), '执法人员')
    assert.equal((await row.locator('[data-col="region"]').innerText()).trim(), '东昌府区')
    assert.equal((await row.locator('[data-col="status"]').innerText()).trim(), '正常')

    // In the API, and the password works.
    const found = await backend.get(adminToken, '/users?q=zhang.san')
    assert.equal(found.total, 1)
    assert.equal(found.items[0].role, 'inspector')
    assert.equal(found.items[0].region, '371502')
    assert.equal(found.items[0].disabled, false)
    assert.equal(await loginStatus('zhang.san', 'Init-pass-1'), 200)

    // The same name again: the server's refusal is shown under the field.
    await page.getByTestId('user-add').click()
    await page.getByTestId('user-username').fill('zhang.san')
    await page.getByTestId('user-password').fill('Init-pass-1')
    await pick(page, 'user-role-select', 'jg-pop-user-role', meta.roles.bureau)
    const dup = await withResponse(page, apiPath('/users', 'POST'), () => page.getByTestId('user-save').click())
    assert.equal(dup.status(), 409)
    await eventually(async () => (await dialog.innerText()).includes('用户名已存在'), { what: 'conflict shown' })
    assert.equal((await backend.get(adminToken, '/users?q=zhang.san')).total, 1)
  } finally {
    await context.close()
  }
})

test('users: filter the list by role, kept in the URL', T, async () => {
  await createUser({ username: 'filter.insp', role: 'inspector' })
  const expected = await backend.get(adminToken, '/users?role=inspector&page_size=1')
  assert.ok(expected.total >= 1)
  const { context, page } = await loginPage(browser, backend, 'sysadmin')
  try {
    await goUsers(page)
    await withResponse(page, (u) => u.pathname === '/api/v1/users' && u.searchParams.get('role') === 'inspector', () =>
      pick(page, 'filter-role', 'jg-pop-role', '执法人员'),
    )
    await ready(page, 'users-page')
    assert.equal(new URL(page.url()).searchParams.get('role'), 'inspector')
    const roles = await colTexts(page, 'user-table', 'role')
    assert.equal(roles.length, Math.min(expected.total, 20))
    for (const r of roles) assert.equal(r, '执法人员')
    assert.equal((await page.getByTestId('list-total').innerText()).replace(/\D/g, ''), String(expected.total))
    // The demo city has inspectors of its own: the new one is on the first page when it fits.
    if (expected.total <= 20) assert.ok((await colTexts(page, 'user-table', 'username')).includes('filter.insp'))

    // The export carries the filter.
    const [csv, req] = await Promise.all([
      page.waitForEvent('download'),
      page.waitForRequest((r) => new URL(r.url()).searchParams.get('format') === 'csv'),
      page.getByTestId('export-csv').click(),
    ])
    const url = new URL(req.url())
    assert.equal(url.pathname, '/api/v1/users')
    assert.equal(url.searchParams.get('role'), 'inspector')
    const lines = readFileSync(await csv.path(), 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean)
    assert.equal(lines.length - 1, expected.total, 'every matching user is exported')

    // Status filter: a disabled user shows only under 停用.
    const off = await createUser({ username: 'filter.off', role: 'inspector' })
    assert.equal((await call(adminToken, 'POST', `/users/${off.id}/disable`)).status, 200)
    await withResponse(page, (u) => u.pathname === '/api/v1/users' && u.searchParams.get('disabled') === 'true', () =>
      pick(page, 'filter-disabled', 'jg-pop-disabled', '停用'),
    )
    await ready(page, 'users-page')
    assert.deepEqual(await colTexts(page, 'user-table', 'username'), ['filter.off'])
    assert.deepEqual(await colTexts(page, 'user-table', 'status'), ['停用'])
  } finally {
    await context.close()
  }
})

test('users: disable (login refused), enable, reset a password, see and revoke sessions', T, async () => {
  const li = await createUser({ username: 'li.si', role: 'bureau', display_name: '李四' })
  const liSession = (await backend.login('li.si')).token
  const { context, page } = await loginPage(browser, backend, 'sysadmin')
  try {
    await goUsers(page, '?q=li.si')
    const row = userRow(page, 'li.si')
    await row.waitFor()

    // 停用: the account can no longer log in and its session is gone.
    await row.getByTestId('row-toggle').click()
    let resp = await withResponse(page, apiPath(`/users/${li.id}/disable`, 'POST'), () => confirmBox(page))
    assert.equal(resp.status(), 200)
    await eventually(async () => (await row.locator('[data-col="status"]').innerText()).trim() === '停用', { what: 'shown disabled' })
    assert.equal((await backend.get(adminToken, `/users/${li.id}`)).disabled, true)
    assert.equal(await loginStatus('li.si', PASSWORD), 401, 'a disabled user cannot log in')
    assert.equal((await call(liSession, 'GET', '/auth/me')).status, 401, 'its session ended')

    // 启用
    assert.equal((await row.getByTestId('row-toggle').innerText()).trim(), '启用')
    await row.getByTestId('row-toggle').click()
    resp = await withResponse(page, apiPath(`/users/${li.id}/enable`, 'POST'), () => confirmBox(page))
    assert.equal(resp.status(), 200)
    await eventually(async () => (await row.locator('[data-col="status"]').innerText()).trim() === '正常', { what: 'shown enabled' })
    assert.equal(await loginStatus('li.si', PASSWORD), 200)

    // 重置密码: a mismatch is caught before sending; then the new password is the only one.
    await rowMore(page, 'li.si', '重置密码')
    const dlg = page.getByTestId('reset-dialog')
    await dlg.waitFor()
    let sent = 0
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === `/api/v1/users/${li.id}/password`) sent++
    })
    await page.getByTestId('reset-password').fill('New-pass-22')
    await page.getByTestId('reset-confirm').fill('New-pass-23')
    await page.getByTestId('reset-save').click()
    await eventually(async () => (await dlg.innerText()).includes('两次输入的密码不一致'), { what: 'mismatch shown' })
    assert.equal(sent, 0, 'a mismatch is not sent')
    await page.getByTestId('reset-confirm').fill('New-pass-22')
    resp = await withResponse(page, apiPath(`/users/${li.id}/password`, 'POST'), () => page.getByTestId('reset-save').click())
    assert.equal(resp.status(), 200)
    assert.deepEqual(JSON.parse(resp.request().postData()), { password: 'New-pass-22' })
    await dlg.waitFor({ state: 'hidden' })
    assert.equal(await loginStatus('li.si', PASSWORD), 401, 'the old password no longer works')

    // li.si logs in in another browser; the admin sees the session and revokes it.
    const other = await loginPage(browser, backend, 'li.si', 'New-pass-22')
    try {
      const sessions = await backend.get(adminToken, `/users/${li.id}/sessions`)
      assert.ok(sessions.items.length >= 1)
      await rowMore(page, 'li.si', '查看会话')
      const sd = page.getByTestId('sessions-dialog')
      await sd.waitFor()
      await eventually(
        async () => (await sd.locator('.el-table__body tr').count()) === sessions.items.length,
        { what: `${sessions.items.length} sessions listed` },
      )
      assert.ok((await sd.innerText()).includes('登录会话'))
      await sd.locator('.el-dialog__headerbtn').click()
      await sd.waitFor({ state: 'hidden' })

      await rowMore(page, 'li.si', '注销会话')
      resp = await withResponse(page, apiPath(`/users/${li.id}/revoke`, 'POST'), () => confirmBox(page))
      assert.equal(resp.status(), 200)
      const { revoked } = await resp.json()
      assert.equal(revoked, sessions.items.length)
      await page.locator('.el-message', { hasText: `已注销 ${revoked} 个会话与令牌` }).waitFor()
      assert.deepEqual((await backend.get(adminToken, `/users/${li.id}/sessions`)).items, [])

      // li.si's next call answers 401: the login page, saying why.
      await other.page.getByTestId('menu-/entities').click()
      await other.page.waitForURL((u) => u.pathname === '/login')
      await other.page.locator('.el-message', { hasText: '登录已过期，请重新登录' }).waitFor()
      assert.equal(new URL(other.page.url()).searchParams.get('redirect'), '/entities')
    } finally {
      await other.context.close()
    }
  } finally {
    await context.close()
  }
})

// ---- 登录日志, 操作审计 ----

test('users: 签发 API 令牌 shows a token once, which then works as a bearer token', T, async () => {
  const u = await createUser({ username: 'scanner.1', role: 'bureau', display_name: '扫码枪一号' })
  const { context, page } = await loginPage(browser, backend, 'sysadmin')
  try {
    await goUsers(page, '?q=scanner.1')
    await rowMore(page, 'scanner.1', '签发 API 令牌')
    const resp = await withResponse(page, apiPath(`/users/${u.id}/tokens`, 'POST'), () => confirmBox(page))
    assert.equal(resp.status(), 201)
    const dialog = page.getByTestId('token-dialog')
    await dialog.waitFor()
    assert.ok((await dialog.innerText()).includes('只显示这一次'))
    const token = await page.getByTestId('token-value').inputValue()
    assert.equal(token, (await resp.json()).token)
    assert.match(token, /^[A-Za-z0-9_-]{43}$/)
    const me = await call(token, 'GET', '/auth/me')
    assert.equal(me.status, 200)
    assert.equal(me.body.user.username, 'scanner.1')
    await page.getByTestId('token-close').click()
    await dialog.waitFor({ state: 'hidden' })
    await eventually(async () => (await page.getByTestId('token-value').inputValue()) === '', { what: 'the token is gone once the dialog closes' })
  } finally {
    await context.close()
  }
})

test('login log: a lock is shown and 解除锁定 lifts it', T, async () => {
  await createUser({ username: 'locked.one', role: 'bureau', display_name: '锁定测试' })
  for (let i = 0; i < 5; i++) assert.equal(await loginStatus('locked.one', 'wrong-password-9'), 401)
  assert.equal(await loginStatus('locked.one', PASSWORD), 429)
  const { context, page } = await loginPage(browser, backend, 'sysadmin')
  try {
    await page.goto('/system/login-log')
    await ready(page, 'login-log-page')
    const lock = page.getByTestId('login-lock').filter({ hasText: 'locked.one' })
    await lock.waitFor()
    assert.ok((await lock.innerText()).includes('失败 5 次'))
    await withResponse(page, apiPath('/login-locks/locked.one', 'DELETE'), () => lock.getByTestId('login-unlock').click())
    await lock.waitFor({ state: 'detached' })
    assert.deepEqual((await call(adminToken, 'GET', '/login-locks')).body.items, [])
    assert.equal(await loginStatus('locked.one', PASSWORD), 200)
  } finally {
    await context.close()
  }
})

test('login log: shows logins and failed logins with Chinese labels', T, async () => {
  const bureau = (await backend.get(adminToken, '/users?q=sysbureau')).items[0]
  await backend.login('sysbureau')
  assert.equal(await loginStatus('sysbureau', 'wrong-password'), 401)
  const { context, page } = await loginPage(browser, backend, 'sysadmin')
  try {
    await page.goto('/system/login-log')
    await ready(page, 'login-log-page')

    // Filter by the user (picked by name), then by action.
    const picker = page.getByTestId('filter-actor')
    await picker.click()
    await picker.locator('input').fill('sysbureau')
    const option = page.locator('.jg-pop-actor .el-select-dropdown__item').filter({ hasText: 'sysbureau' }).first()
    await option.waitFor({ state: 'visible' })
    await withResponse(page, (u) => u.pathname === '/api/v1/login-log' && u.searchParams.get('actor') === String(bureau.id), () =>
      option.click(),
    )
    await ready(page, 'login-log-page')
    const expected = await backend.get(adminToken, `/login-log?actor=${bureau.id}`)
    assert.ok(expected.total >= 1)
    const users = await colTexts(page, 'login-log-table', 'user')
    assert.equal(users.length, expected.items.length)
    for (const u of users) assert.equal(u, '东昌府区 赵六')
    const actions = await colTexts(page, 'login-log-table', 'action')
    assert.equal(actions[0], meta.actions['auth.login'])
    assert.equal(actions[0], '登录')
    assert.equal((await colTexts(page, 'login-log-table', 'ip'))[0], '127.0.0.1')

    // The failed attempt has no actor: shown with the name that was tried.
    await page.goto('/system/login-log?action=auth.login_failed')
    await ready(page, 'login-log-page')
    const failed = await backend.get(adminToken, '/login-log?action=auth.login_failed')
    assert.ok(failed.total >= 1)
    assert.equal((await colTexts(page, 'login-log-table', 'action'))[0], '登录失败')
    assert.equal((await colTexts(page, 'login-log-table', 'user'))[0], failed.items[0].detail.username)
    assert.equal(failed.items[0].detail.username, 'sysbureau')
    assert.equal((await page.getByTestId('list-total').innerText()).replace(/\D/g, ''), String(failed.total))
  } finally {
    await context.close()
  }
})

// Runs SQL on the backend's database behind the server's back (python3's sqlite3 module);
// returns the first column of the rows.
function sql(query) {
  const py = 'import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\n' +
    'r=c.execute(sys.argv[2]).fetchall()\nc.commit()\nprint("\\n".join(str(x[0]) for x in r))'
  const r = spawnSync('/usr/bin/python3', ['-c', py, backend.db, query], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  return r.stdout.split('\n').filter(Boolean)
}

test('audit: 校验审计链 reports an intact chain, then names the row edited behind its back', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'sysadmin')
  const [id] = sql('SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 2')
  const [detail] = sql(`SELECT detail FROM audit_log WHERE id = ${id}`)
  try {
    await page.goto('/system/audit')
    await ready(page, 'audit-page')
    await withResponse(page, apiPath('/audit/verify'), () => page.getByTestId('audit-verify').click())
    const verdict = page.getByTestId('audit-verdict')
    await verdict.waitFor()
    const ok = await backend.get(adminToken, '/audit/verify')
    assert.equal(ok.intact, true)
    assert.ok((await verdict.innerText()).includes(`审计链完整，共校验 ${ok.rows} 条记录`))
    assert.match(await verdict.getAttribute('class'), /el-alert--success/)

    sql(`UPDATE audit_log SET detail = '{"tampered":true}' WHERE id = ${id}`)
    await withResponse(page, apiPath('/audit/verify'), () => page.getByTestId('audit-verify').click())
    await eventually(async () => /el-alert--error/.test(await verdict.getAttribute('class')), { what: 'the error verdict' })
    const text = await verdict.innerText()
    assert.ok(text.includes(`审计链在第 ${id} 条记录处断裂`), text)
    assert.ok(text.includes(`第 ${id} 条记录起的日志无法证明未被改动`), text)
  } finally {
    sql(`UPDATE audit_log SET detail = '${detail.replace(/'/g, "''")}' WHERE id = ${id}`)
    await context.close()
  }
  assert.equal((await backend.get(adminToken, '/audit/verify')).intact, true)
})

test('audit: an edit made in the dialog is listed with its Chinese label and from → to detail', T, async () => {
  const u = await createUser({ username: 'zhao.qi', role: 'officer', display_name: '赵七' })
  const { context, page } = await loginPage(browser, backend, 'sysadmin')
  try {
    // Edit the display name through the UI: only the changed field is sent.
    await goUsers(page, '?q=zhao.qi')
    await userRow(page, 'zhao.qi').getByTestId('row-edit').click()
    const dialog = page.getByTestId('user-dialog')
    await dialog.waitFor()
    assert.equal(await page.getByTestId('user-username').inputValue(), 'zhao.qi')
    assert.ok(await page.getByTestId('user-username').isDisabled(), 'the username is fixed')
    await page.getByTestId('user-display-name').fill('赵七（已调岗）')
    const resp = await withResponse(page, apiPath(`/users/${u.id}`, 'PATCH'), () => page.getByTestId('user-save').click())
    assert.equal(resp.status(), 200)
    assert.deepEqual(JSON.parse(resp.request().postData()), { display_name: '赵七（已调岗）' })
    await dialog.waitFor({ state: 'hidden' })
    assert.equal((await backend.get(adminToken, `/users/${u.id}`)).display_name, '赵七（已调岗）')

    // The audit page, filtered to that user.
    await page.goto(`/system/audit?object=user:${u.id}`)
    await ready(page, 'audit-page')
    const expected = await backend.get(adminToken, `/audit?object=user:${u.id}`)
    const actions = await colTexts(page, 'audit-table', 'action')
    assert.deepEqual(actions, expected.items.map((i) => meta.actions[i.action]))
    assert.equal(actions[0], '修改用户')
    assert.equal(actions[actions.length - 1], '新增用户')
    assert.equal((await colTexts(page, 'audit-table', 'actor'))[0], '系统管理员甲')

    // Opening the row shows the change, field by field.
    await page.locator('[data-testid="audit-table"] .el-table__body tr .el-table__expand-icon').first().click()
    const line = page.getByTestId('audit-detail-line').first()
    await line.waitFor()
    const text = (await line.innerText()).replace(/\s+/g, ' ')
    assert.ok(text.includes(meta.records.user.fields.display_name.label), text)
    assert.equal((await line.locator('[data-col="from"]').innerText()).trim(), '赵七')
    assert.equal((await line.locator('[data-col="to"]').innerText()).trim(), '赵七（已调岗）')

    // Filter by action through its Chinese label.
    await page.goto('/system/audit')
    await ready(page, 'audit-page')
    await withResponse(page, (x) => x.pathname === '/api/v1/audit' && x.searchParams.get('action') === 'user.create', () =>
      pick(page, 'filter-action', 'jg-pop-action', meta.actions['user.create']),
    )
    await ready(page, 'audit-page')
    const creates = await colTexts(page, 'audit-table', 'action')
    assert.ok(creates.length > 0)
    for (const a of creates) assert.equal(a, '新增用户')
  } finally {
    await context.close()
  }
})

test('list totals: thousands separators, and "超过 10,000" when the server stopped counting', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'sysadmin')
  try {
    // The server's count cap is only reached with a large database: stand in for its answer.
    const answer = (extra) => async (route) => {
      const response = await route.fetch()
      const json = { ...(await response.json()), ...extra }
      await route.fulfill({ response, json })
    }
    await page.route((u) => u.pathname === '/api/v1/audit', answer({ total: 10000, total_exact: false }))
    await page.goto('/system/audit')
    await ready(page, 'audit-page')
    assert.equal((await page.getByTestId('list-total').innerText()).trim(), '超过 10,000 条')

    await page.route((u) => u.pathname === '/api/v1/login-log', answer({ total: 12345 }))
    await page.goto('/system/login-log')
    await ready(page, 'login-log-page')
    assert.equal((await page.getByTestId('list-total').innerText()).trim(), '共 12,345 条')
  } finally {
    await context.close()
  }
})

// ---- 节假日设置 ----

test('calendar: add a holiday and delete it', T, async () => {
  const cal = await backend.get(adminToken, '/calendar')
  const taken = new Set(cal.items.map((d) => d.date))
  let date = ''
  for (let d = 1; d <= 28 && !date; d++) {
    const c = `${cal.year}-11-${String(d).padStart(2, '0')}`
    if (!taken.has(c)) date = c
  }
  assert.ok(date, 'a free day in November')

  const { context, page } = await loginPage(browser, backend, 'sysadmin')
  try {
    await page.goto('/system/calendar')
    await ready(page, 'calendar-page')
    assert.equal(
      (await page.getByTestId('calendar-total').innerText()).trim(),
      String(cal.items.length),
      'the year of the server is shown',
    )

    await page.getByTestId('calendar-add').click()
    const dlg = page.getByTestId('calendar-dialog')
    await dlg.waitFor()
    const input = await inputOf(page, 'calendar-date')
    await input.fill(date)
    await input.press('Enter')
    await page.getByTestId('calendar-name').fill('测试假日')
    const put = await withResponse(page, apiPath(`/calendar/${date}`, 'PUT'), () => page.getByTestId('calendar-save').click())
    assert.equal(put.status(), 200)
    assert.deepEqual(JSON.parse(put.request().postData()), { kind: 'holiday', name: '测试假日' })
    await dlg.waitFor({ state: 'hidden' })

    const row = page.locator('[data-testid="calendar-table"] .el-table__body tr').filter({ has: page.locator('[data-col="date"]', { hasText: date }) })
    await row.waitFor()
    assert.equal((await row.locator('[data-col="kind"]').innerText()).trim(), '节假日')
    assert.equal((await row.locator('[data-col="name"]').innerText()).trim(), '测试假日')
    const after = await backend.get(adminToken, `/calendar?year=${cal.year}`)
    assert.deepEqual(after.items.find((d) => d.date === date), { date, kind: 'holiday', name: '测试假日' })

    await row.getByTestId('row-delete').click()
    const del = await withResponse(page, apiPath(`/calendar/${date}`, 'DELETE'), () => confirmBox(page))
    assert.equal(del.status(), 204)
    await row.waitFor({ state: 'detached' })
    const gone = await backend.get(adminToken, `/calendar?year=${cal.year}`)
    assert.equal(gone.items.find((d) => d.date === date), undefined)
    assert.equal(gone.items.length, cal.items.length)
  } finally {
    await context.close()
  }
})

// ---- the user menu ----

test('user menu: profile, then a user changes their own password and logs in with it', T, async () => {
  await createUser({ username: 'wang.wu', role: 'bureau', display_name: '王五', region: '371502' })
  const { context, page } = await loginPage(browser, backend, 'wang.wu')
  try {
    // 个人信息
    await page.getByTestId('user-menu').click()
    await page.locator('.jg-user-menu .el-dropdown-menu__item', { hasText: '个人信息' }).click()
    const profile = page.getByTestId('profile-dialog')
    await profile.waitFor()
    await eventually(async () => (await profile.locator('[data-field="username"]').innerText()).trim() === 'wang.wu', { what: 'profile' })
    assert.equal((await profile.locator('[data-field="display_name"]').innerText()).trim(), '王五')
    assert.equal((await profile.locator('[data-field="role"]').innerText()).trim(), '市场监管人员')
    assert.ok((await profile.locator('[data-field="region_name"]').innerText()).includes('东昌府区'))
    await profile.locator('.el-dialog__headerbtn').click()
    await profile.waitFor({ state: 'hidden' })

    // 修改密码: the form checks length and match; the server checks the old password.
    await page.getByTestId('user-menu').click()
    await page.locator('.jg-user-menu .el-dropdown-menu__item', { hasText: '修改密码' }).click()
    const dlg = page.getByTestId('password-dialog')
    await dlg.waitFor()
    let sent = 0
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/auth/password') sent++
    })
    await page.getByTestId('password-old').fill(PASSWORD)
    await page.getByTestId('password-new').fill('short')
    await page.getByTestId('password-confirm').fill('other')
    await page.getByTestId('password-save').click()
    for (const msg of ['密码长度须为 8–128 个字符', '两次输入的密码不一致']) {
      await eventually(async () => (await dlg.innerText()).includes(msg), { what: `"${msg}" shown` })
    }
    assert.equal(sent, 0, 'a form that fails its checks is not sent')

    await page.getByTestId('password-old').fill('not-my-password')
    await page.getByTestId('password-new').fill('Wang-new-pass')
    await page.getByTestId('password-confirm').fill('Wang-new-pass')
    let resp = await withResponse(page, apiPath('/auth/password', 'POST'), () => page.getByTestId('password-save').click())
    assert.equal(resp.status(), 422)
    await eventually(async () => (await dlg.innerText()).includes('原密码错误'), { what: 'server refusal shown' })

    await page.getByTestId('password-old').fill(PASSWORD)
    resp = await withResponse(page, apiPath('/auth/password', 'POST'), () => page.getByTestId('password-save').click())
    assert.equal(resp.status(), 200)
    assert.deepEqual(JSON.parse(resp.request().postData()), { old_password: PASSWORD, new_password: 'Wang-new-pass' })
    await dlg.waitFor({ state: 'hidden' })
    assert.equal(await loginStatus('wang.wu', PASSWORD), 401, 'the old password is refused')
    assert.equal(await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status), 200, 'this session stays')

    // 退出登录 from the menu, then in again with the new password through the form.
    await page.getByTestId('user-menu').click()
    await withResponse(page, apiPath('/auth/logout', 'POST'), () =>
      page.locator('.jg-user-menu .el-dropdown-menu__item', { hasText: '退出登录' }).click(),
    )
    await page.waitForURL((u) => u.pathname === '/login')
    await page.getByTestId('login-username').fill('wang.wu')
    await page.getByTestId('login-password').fill('Wang-new-pass')
    const login = await withResponse(page, apiPath('/auth/login'), () => page.getByTestId('login-submit').click())
    assert.equal(login.status(), 200)
    assert.equal((await page.getByTestId('user-name').innerText()).trim(), '王五')
  } finally {
    await context.close()
  }
})

// ---- who sees 系统管理 ----

test('a non-admin has no 系统管理 menu and gets the not-found view at /system/users', T, async () => {
  const { context, page } = await loginPage(browser, backend, 'sysbureau')
  try {
    await page.getByTestId('menu').locator('.el-menu-item').first().waitFor()
    const menu = await page.getByTestId('menu').innerText()
    assert.ok(menu.includes('市场主体'), menu)
    assert.ok(!menu.includes('系统管理'), menu)
    assert.equal(await page.getByTestId('menu-/system').count(), 0)

    let asked = 0
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/v1/users')) asked++
    })
    for (const path of ['/system/users', '/system/audit']) {
      await page.goto(path)
      await page.getByTestId('not-found').waitFor()
      assert.equal(new URL(page.url()).pathname, path, 'the address stays')
      assert.ok((await page.getByTestId('not-found').innerText()).includes('页面不存在'))
      assert.equal(await page.getByTestId('users-page').count(), 0)
    }
    assert.equal(asked, 0, 'the page never asked for the user list')
    // And the server refuses anyway.
    const token = (await backend.login('sysbureau')).token
    assert.equal((await call(token, 'GET', '/users')).status, 403)

    // The admin sees the group.
    const admin = await loginPage(browser, backend, 'sysadmin')
    try {
      await admin.page.getByTestId('menu-/system').waitFor()
      assert.ok((await admin.page.getByTestId('menu').innerText()).includes('系统管理'))
    } finally {
      await admin.context.close()
    }
  } finally {
    await context.close()
  }
})

// ---- a phone ----

test('phone 390×844: the 系统管理 pages do not overflow horizontally; dialogs fit', T, async () => {
  const context = await browser.newContext({ baseURL: backend.base, locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  try {
    await page.goto('/login')
    await page.getByTestId('login-username').fill('sysadmin')
    await page.getByTestId('login-password').fill(PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('user-name').waitFor()

    const widths = () =>
      page.evaluate(() => {
        const main = document.querySelector('.main')
        return { doc: document.documentElement.scrollWidth, main: main.scrollWidth, mainClient: main.clientWidth }
      })

    await goUsers(page)
    await page.locator('[data-testid="user-table"] .el-table__body tr').first().waitFor()
    let w = await widths()
    assert.ok(w.doc <= 390, `users page scrollWidth ${w.doc} > 390`)
    assert.ok(w.main <= w.mainClient, `users page content ${w.main} wider than its area ${w.mainClient}`)
    // The table scrolls inside its card instead.
    const table = await page.evaluate(() => {
      const s = document.querySelector('[data-testid="user-table"] .el-table__body-wrapper .el-scrollbar__wrap')
      const t = document.querySelector('[data-testid="user-table"]')
      return { inner: s.scrollWidth, box: t.getBoundingClientRect().right }
    })
    assert.ok(table.inner > 390, 'the table is wider than the phone and scrolls')
    assert.ok(table.box <= 390, `the table box ends inside the screen (${table.box})`)

    // The search form is folded away until asked for; then it stacks, each field below the
    // previous one.
    assert.ok(!(await page.getByTestId('user-filters').isVisible()), 'the search form starts folded on a phone')
    await page.getByTestId('filters-toggle').click()
    await page.getByTestId('user-filters').waitFor()
    const tops = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="user-filters"] .el-form-item')].map((e) => Math.round(e.getBoundingClientRect().top)),
    )
    for (let i = 1; i < tops.length; i++) assert.ok(tops[i] > tops[i - 1], `form stacks vertically: ${tops}`)

    // The new-user dialog fits the screen width.
    await page.getByTestId('user-add').click()
    const box = await page.locator('[data-testid="user-dialog"]').boundingBox()
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `dialog ${JSON.stringify(box)} fits`)
    w = await widths()
    assert.ok(w.doc <= 390, `with the dialog open: ${w.doc}`)

    for (const [path, testid] of [
      ['/system/login-log', 'login-log-page'],
      ['/system/audit', 'audit-page'],
      ['/system/calendar', 'calendar-page'],
    ]) {
      await page.goto(path)
      await ready(page, testid)
      w = await widths()
      assert.ok(w.doc <= 390, `${path}: scrollWidth ${w.doc} > 390`)
      assert.ok(w.main <= w.mainClient, `${path}: content ${w.main} wider than ${w.mainClient}`)
    }
  } finally {
    await context.close()
  }
})

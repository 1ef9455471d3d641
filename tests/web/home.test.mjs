// Browser tests of the home page's 待办事项: the lines of each role (home.js, pure); as the demo
// bureau every line with something to do shows the API's total and one opens its filtered list
// with that total; as the demo enterprise on a phone (390×844) its lines show the API's totals
// and nothing scrolls sideways. Against the real backend on a fresh demo database.
//
// Run: JIANGUAN_BIN=$PWD/build/jianguan node --test tests/web/home.test.mjs

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Backend, launchBrowser } from './harness.mjs'
import { TODOS, todosFor, todoHref, todoQuery, shownTodos } from '../../web/src/home.js'

const T = { timeout: 60_000 }
const DESKTOP = { width: 1440, height: 900 }
const PHONE = { width: 390, height: 844 }

const backend = new Backend()
let browser
const creds = {}
const tokens = {}
const users = {}

before(async () => {
  await backend.start()
  await backend.demoLogins(['bureau', 'enterprise'], creds, tokens, users)
  browser = await launchBrowser()
})

after(async () => {
  if (browser) await browser.close()
  await backend.stop()
})

// ---- helpers ----

// The API's total of a line's list, as the page asks for it.
async function apiTotal(who, t) {
  const qs = new URLSearchParams(Object.entries(todoQuery(t)).map(([k, v]) => [k, String(v)]))
  return (await backend.get(tokens[who], `${t.api.path}?${qs}`)).total
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
  await page.waitForURL((u) => u.pathname === '/')
  return { context, page }
}

// Every line of `who` with its API total; checks the card shows exactly those above 0, each
// with its total and its link. Returns the lines shown.
async function checkTodos(page, who) {
  const lines = todosFor(users[who])
  assert.ok(lines.length > 0, `${who} has to-do lines`)
  for (const t of lines) t.count = await apiTotal(who, t)
  const expected = shownTodos(lines)
  await page.locator('[data-testid="home-todo"][data-state="ready"]').waitFor()
  const card = page.getByTestId('home-todo')
  const shown = await card.locator('[data-testid^="todo-"]').evaluateAll((els) => els.map((e) => e.dataset.testid))
  assert.deepEqual(shown, expected.map((t) => `todo-${t.key}`), 'the lines with something to do, in order')
  for (const t of expected) {
    const el = card.getByTestId(`todo-${t.key}`)
    assert.equal(Number(await el.getAttribute('data-count')), t.count, `${t.key}: the API's total`)
    assert.equal((await el.locator('[data-role="count"]').innerText()).trim(), t.count.toLocaleString('zh-CN'))
    assert.equal((await el.locator('[data-role="label"]').innerText()).trim(), t.label)
    assert.equal(await el.getAttribute('href'), todoHref(t))
  }
  if (!expected.length) await card.getByTestId('todo-empty').waitFor()
  return expected
}

async function noOverflow(page, what) {
  const { doc, vw } = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, vw: window.innerWidth }))
  assert.ok(doc <= vw, `${what}: page ${doc}px wide in a ${vw}px viewport`)
}

// ---- the pure part of home.js ----

test('home.js: the to-do lines of each role and their links', () => {
  const keys = (user) => todosFor(user).map((t) => t.key)
  assert.deepEqual(keys({ role: 'bureau', region: '371500' }), [
    'demand-overdue',
    'task-late',
    'equipment-overdue',
    'equipment-due',
    'cylinder-due',
    'station-expired',
  ])
  assert.deepEqual(keys({ role: 'admin' }), ['task-late', 'equipment-overdue', 'equipment-due', 'cylinder-due', 'station-expired'])
  assert.deepEqual(keys({ role: 'officer' }), ['demand-submitted', 'demand-assigned-small', 'demand-working-small', 'demand-overdue'])
  assert.deepEqual(keys({ role: 'chain_office' }), ['demand-submitted', 'demand-route-medium', 'demand-overdue'])
  assert.deepEqual(keys({ role: 'city_office' }), ['demand-route-large', 'demand-overdue'])
  assert.deepEqual(keys({ role: 'department', department: 1 }), ['demand-assigned', 'demand-working', 'demand-overdue'])
  assert.deepEqual(keys({ role: 'inspector' }), ['assignment-pending'])
  // The equipment reminders and the station's desk need the account bound to its entity.
  assert.deepEqual(keys({ role: 'enterprise' }), ['demand-returned', 'demand-resolved'])
  assert.deepEqual(keys({ role: 'enterprise', entity: '91371500MA3C000001' }), [
    'demand-returned',
    'demand-resolved',
    'my-equipment-overdue',
    'my-equipment-due',
  ])
  assert.deepEqual(keys({ role: 'station' }), [])
  assert.deepEqual(keys({ role: 'station', entity: '91371500MA3C000001' }), ['desk-cylinder-due'])
  assert.deepEqual(keys({ role: 'slaughterhouse', entity: '91371500MA3C000001' }), [])
  assert.deepEqual(todosFor(null), [])

  const byKey = Object.fromEntries(TODOS.map((t) => [t.key, t]))
  // List pages get the filter in their URL; pages that show the items on their own do not.
  assert.equal(todoHref(byKey['demand-overdue']), '/demands?overdue=1')
  assert.equal(todoHref(byKey['demand-route-medium']), '/demands?status=triaged&tier=medium')
  assert.equal(todoHref(byKey['demand-resolved']), '/my-demands?status=resolved')
  assert.equal(todoHref(byKey['task-late']), '/inspection-tasks?status=completed&late=1')
  assert.equal(todoHref(byKey['equipment-due']), '/equipment?due_within=30')
  assert.equal(todoHref(byKey['cylinder-due']), '/cylinders/all?due=1')
  assert.equal(todoHref(byKey['station-expired']), '/cylinders/stations?expired=1')
  assert.equal(todoHref(byKey['assignment-pending']), '/my-inspections')
  assert.equal(todoHref(byKey['my-equipment-overdue']), '/my-equipment')
  assert.equal(todoHref(byKey['desk-cylinder-due']), '/cylinders/desk')
  // Counted with one row per answer, under the line's filter.
  assert.deepEqual(todoQuery(byKey['equipment-overdue']), { overdue: '1', page: 1, page_size: 1 })
  assert.deepEqual(todoQuery(byKey['assignment-pending']), { pending: '1', page: 1, page_size: 1 })
  // Shown: counted and above 0 (null: not yet answered, or failed).
  const lines = [{ key: 'a', count: 3 }, { key: 'b', count: 0 }, { key: 'c', count: null }, { key: 'd', count: 1 }]
  assert.deepEqual(shownTodos(lines).map((t) => t.key), ['a', 'd'])
})

// ---- the bureau ----

test('bureau: the to-do lines show the API totals, one opens its filtered list with that total', T, async () => {
  const { context, page } = await login('bureau', DESKTOP)
  try {
    const shown = await checkTodos(page, 'bureau')
    const t = shown.find((x) => x.key === 'equipment-due') || shown.find((x) => Object.keys(x.to.query).length)
    assert.ok(t, 'the demo bureau has a line with a filtered list')
    await page.getByTestId('home-todo').getByTestId(`todo-${t.key}`).click()
    await page.waitForURL((u) => u.pathname + u.search === todoHref(t))
    await page.locator('.jg-list[data-state="ready"]').first().waitFor()
    const total = (await page.getByTestId('list-total').first().innerText()).replace(/[^\d]/g, '')
    assert.equal(Number(total), t.count, `${todoHref(t)} lists the ${t.count} items of the line`)
  } finally {
    await context.close()
  }
})

// ---- the enterprise on a phone ----

test('enterprise at 390 px: its to-do lines show the API totals and nothing scrolls sideways', T, async () => {
  assert.ok(users.enterprise.entity, 'the demo enterprise is bound to its entity')
  const { context, page } = await login('enterprise', PHONE)
  try {
    const shown = await checkTodos(page, 'enterprise')
    assert.ok(shown.some((t) => t.key.startsWith('my-equipment-')), 'the demo enterprise has equipment to have inspected')
    await noOverflow(page, 'home')
    const box = await page.getByTestId('home-todo').boundingBox()
    assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `the card fits: ${JSON.stringify(box)}`)
    await page.getByTestId(`todo-${shown[0].key}`).click()
    await page.waitForURL((u) => u.pathname === shown[0].to.path)
  } finally {
    await context.close()
  }
})

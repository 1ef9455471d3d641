// The home page's figures: the entity count, asked for as early as possible (when the router
// enters the home page, right after logging in, before the page's code has loaded and rendered,
// not when the page has rendered — the first render after logging in is the slow part), and the
// lines of 待办事项 (which for whom, their counts and links).
import api, { buildQuery } from './api.js'
import { menuFor, menuLeaves } from './menu.js'

let early = null // the count started by the router, not yet taken by the page

// The number of market entities the user may see matching `filters` (the list's total).
export async function countEntities(filters = {}) {
  const r = await api.entities({ ...filters, page: 1, page_size: 1 })
  return r.total
}

// Starts counting the user's entities (router guard of the home page).
export function prefetchEntityTotal() {
  early = countEntities()
  early.catch(() => {}) // the page reports a failure when it takes the answer
}

// The count for the page: the one started early if any (once), else a fresh one.
export function takeEntityTotal() {
  const p = early || countEntities()
  early = null
  return p
}

// ---- 待办事项: what awaits the user, each line a count of an API list under a filter ----
//
// A line is the API list it counts (path and filter; its `total` with page_size=1 is the count)
// and the page that shows exactly those items: with the same filter in its URL when the page
// reads its filters from the query (the list pages), else the page alone (pages that show them
// on their own: 我的检查任务's pending targets, 设备检验提醒, the station's desk). A line is for
// the roles listed, and only while the menu shows its page to the user (menu.js: an enterprise's
// 设备检验提醒 and a station's desk need the account bound to its entity).

// Days ahead that count as "due soon" (the API's reminders use the same 30).
export const TODO_DUE_DAYS = 30

function line(key, roles, menu, label, unit, apiPath, query, page, pageQuery = query) {
  return { key, roles, menu, label, unit, api: { path: apiPath, query }, to: { path: page, query: pageQuery } }
}

// In the order they are shown. Demands: who acts at each step (src/demands/demands.c): the
// officer and the chain office grade (submitted); the county chain office routes medium
// demands, the city office large ones (triaged); the officer works small ones, the lead
// department medium and large ones (assigned → in_progress); the enterprise supplies what was
// asked (returned) and confirms (resolved). The bureau takes no step: it watches the overdue.
export const TODOS = [
  line('demand-submitted', ['officer', 'chain_office'], '/demands', '待分级的诉求', '件', '/demands', { status: 'submitted' }, '/demands'),
  line('demand-route-medium', ['chain_office'], '/demands', '待交办的中问题诉求', '件', '/demands', { status: 'triaged', tier: 'medium' }, '/demands'),
  line('demand-route-large', ['city_office'], '/demands', '待交办的大问题诉求', '件', '/demands', { status: 'triaged', tier: 'large' }, '/demands'),
  line('demand-assigned-small', ['officer'], '/demands', '已交办待办理的诉求', '件', '/demands', { status: 'assigned', tier: 'small' }, '/demands'),
  line('demand-working-small', ['officer'], '/demands', '办理中的诉求', '件', '/demands', { status: 'in_progress', tier: 'small' }, '/demands'),
  line('demand-assigned', ['department'], '/demands', '已交办待办理的诉求', '件', '/demands', { status: 'assigned' }, '/demands'),
  line('demand-working', ['department'], '/demands', '办理中的诉求', '件', '/demands', { status: 'in_progress' }, '/demands'),
  line('demand-overdue', ['officer', 'chain_office', 'department', 'city_office', 'bureau'], '/demands', '超期未办结的诉求', '件', '/demands', { overdue: '1' }, '/demands'),
  line('demand-returned', ['enterprise'], '/my-demands', '待补充材料的诉求', '件', '/demands', { status: 'returned' }, '/my-demands'),
  line('demand-resolved', ['enterprise'], '/my-demands', '待确认办结的诉求', '件', '/demands', { status: 'resolved' }, '/my-demands'),
  // 双随机、一公开
  line('assignment-pending', ['inspector'], '/my-inspections', '待录入结果的检查对象', '户', '/inspection-assignments', { pending: '1' }, '/my-inspections', {}),
  // Completed, and past the 20 working days to publish its results (late=1 alone also counts
  // tasks already published late: nothing left to do).
  line('task-late', ['admin', 'bureau'], '/inspection-tasks', '逾期未公示的抽查任务', '项', '/inspection-tasks', { status: 'completed', late: '1' }, '/inspection-tasks'),
  // 特种设备
  line('equipment-overdue', ['admin', 'bureau'], '/equipment', '超期未检的特种设备', '台', '/equipment', { overdue: '1' }, '/equipment'),
  line('equipment-due', ['admin', 'bureau'], '/equipment', `${TODO_DUE_DAYS} 天内到期检验的特种设备`, '台', '/equipment', { due_within: String(TODO_DUE_DAYS) }, '/equipment'),
  line('my-equipment-overdue', ['enterprise'], '/my-equipment', '超期未检的特种设备', '台', '/equipment', { overdue: '1' }, '/my-equipment', {}),
  line('my-equipment-due', ['enterprise'], '/my-equipment', `${TODO_DUE_DAYS} 天内到期检验的特种设备`, '台', '/equipment', { due_within: String(TODO_DUE_DAYS) }, '/my-equipment', {}),
  // 气瓶充装
  line('cylinder-due', ['admin', 'bureau'], '/cylinders', '超期未检的气瓶', '只', '/cylinders', { due: '1' }, '/cylinders/all'),
  line('station-expired', ['admin', 'bureau'], '/cylinders', '许可证已过期的充装单位', '家', '/stations', { expired: '1' }, '/cylinders/stations'),
  line('desk-cylinder-due', ['station'], '/cylinders/desk', '超期未检的气瓶', '只', '/cylinders', { due: '1' }, '/cylinders/desk', {}),
]

// The lines of `user`'s to-dos: their role's, whose page their menu shows.
export function todosFor(user, todos = TODOS) {
  if (!user) return []
  const pages = new Set(menuLeaves(menuFor(user)).map((m) => m.path))
  return todos.filter((t) => t.roles.includes(user.role) && pages.has(t.menu))
}

// The address of a line's page ("/equipment?overdue=1").
export function todoHref(t) {
  return t.to.path + buildQuery(t.to.query)
}

// The query that counts a line (one row asked for: only the total is read).
export function todoQuery(t) {
  return { ...t.api.query, page: 1, page_size: 1 }
}

// The number of items of a line (the list's total).
export async function countTodo(t) {
  const r = await api.get(t.api.path, todoQuery(t))
  return Number(r.total) || 0
}

// What the card shows of lines with their counts ({...line, count}, count null while asked
// for or when asking failed): those with something to do, in order.
export function shownTodos(lines) {
  return lines.filter((t) => typeof t.count === 'number' && t.count > 0)
}

// 双随机、一公开 (M4): the API calls of inspection tasks and what the pages say about them — the
// life of a task (its statuses in order, the one step each allows), a target's results, the
// default ratios per credit grade, and the small formatting the pages share (percentages,
// names of departments, regions, chains and inspectors), and the inspectors' law-enforcement
// certificates (行政执法证).
import api, { apiUrl } from './api.js'
import { todayCst } from './format.js'
import { enumLabel, enumOptions, enumValues } from './labels.js'

// ---- who ----

// Staff who plan tasks (create, commit, draw, complete, publish); the API checks it again.
export const INSPECTION_PLAN_ROLES = ['admin', 'bureau']
// Staff who read tasks: the planners and the inspectors.
export const INSPECTION_READ_ROLES = ['admin', 'bureau', 'inspector']

// ---- the life of a task ----

// The statuses in the order of a task's life (the task page's steps, the list's tabs).
export const STATUS_ORDER = ['draft', 'committed', 'drawn', 'in_progress', 'completed', 'published']

// The one step each status allows (POST /inspection-tasks/{id}/<action>), with what its button
// says and what its confirmation asks.
export const TASK_STEPS = {
  draft: {
    action: 'commit',
    label: '承诺',
    type: 'primary',
    confirm: '承诺后，抽查名录、执法人员库和回避关系即被固定，并公布随机种子的哈希值；任务参数不能再修改。确定承诺？',
  },
  committed: {
    action: 'draw',
    label: '抽取',
    type: 'danger',
    confirm: '将用承诺时生成的种子抽取检查对象并随机匹配检查人员，同时公开种子。抽取结果不能撤销。确定抽取？',
  },
  drawn: { action: 'complete', label: '完成', type: 'success', confirm: '确认本任务的检查已全部完成？完成后不能再录入检查结果。' },
  in_progress: { action: 'complete', label: '完成', type: 'success', confirm: '确认本任务的检查已全部完成？完成后不能再录入检查结果。' },
  completed: { action: 'publish', label: '公示', type: 'primary', confirm: '将抽查计划、种子和检查结果向社会公示。确定公示？' },
}

export function taskStep(task) {
  return (task && TASK_STEPS[task.status]) || null
}

// Statuses in which results are recorded.
export const RECORDING = ['drawn', 'in_progress']

export function statusLabel(status) {
  return enumLabel('inspection_task', 'status', status)
}

// ---- results ----

export const OUTCOMES = ['pass', 'rectify', 'interview', 'case']

export function outcomeLabel(outcome) {
  return enumLabel('inspection_target', 'outcome', outcome)
}

export function outcomeOptions() {
  return enumOptions('inspection_target', 'outcome')
}

// ---- ratios ----

export const GRADES = ['A', 'B', 'C', 'D']
// The bureau's defaults, worse credit drawn more often (as the server's).
export const DEFAULT_RATIOS = { A: 0.03, B: 0.05, C: 0.1, D: 0.3 }
export const GRADE_COLORS = { A: '#67c23a', B: '#1d4f91', C: '#e6a23c', D: '#f56c6c' }

// 0.029999999999999999 → "3%"; 0.125 → "12.5%"; null → "—".
export function ratioText(r) {
  if (r === null || r === undefined || Number.isNaN(Number(r))) return '—'
  return `${Math.round(Number(r) * 1000) / 10}%`
}

// A credit grade's label ("A 级"), from /meta's entity fields or the fallback.
export function gradeLabel(g) {
  return enumValues('entity', 'credit')[g] || `${g} 级`
}

// ---- names ----

// "部门 #10" when the name is not known.
export function nameOf(map, id, prefix) {
  if (id === null || id === undefined) return ''
  return map.get(id) || map.get(Number(id)) || map.get(String(id)) || `${prefix} #${id}`
}

// The team of a target as names: the target's own names when the server gives them
// (inspector_names, or inspectors as objects), else from `names` (a Map of user id → name, see
// inspectorNames), "（我）" after the user's, else the ids.
export function teamNames(target, me, names = null) {
  const ids = (target && target.inspectors) || []
  const given = (target && target.inspector_names) || []
  return ids.map((x, i) => {
    if (x && typeof x === 'object') return x.name || x.display_name || `执法人员 #${x.id}`
    const known = given[i] || (names && (names.get(x) || names.get(Number(x)))) || ''
    if (me && x === me.id) return `${known || me.display_name || me.username}（我）`
    return known || `执法人员 #${x}`
  })
}

export function teamIds(target) {
  return ((target && target.inspectors) || []).map((x) => (x && typeof x === 'object' ? x.id : x))
}

// ---- API ----

const cache = {}
// A reference list asked for once per page load (null when the server refuses it).
function once(key, fetch) {
  if (!cache[key]) {
    cache[key] = fetch().catch((e) => {
      delete cache[key]
      throw e
    })
  }
  return cache[key]
}

// Every inspector (GET /inspectors, page after page), asked for once per page load until
// forgetInspectors(): the names of teams, the pickers and the 执法领域 offered.
async function fetchInspectors() {
  const out = []
  for (let page = 1; page <= 50; page++) {
    const r = await api.get('/inspectors', { page, page_size: 200 })
    const items = r.items || []
    out.push(...items)
    if (!items.length || out.length >= (r.total || 0)) break
  }
  return out
}

export const inspectionsApi = {
  tasks: (query) => api.get('/inspection-tasks', query),
  count: async (query) => (await api.get('/inspection-tasks', { ...query, page: 1, page_size: 1 })).total || 0,
  task: (id) => api.get(`/inspection-tasks/${encodeURIComponent(id)}`),
  create: (body) => api.post('/inspection-tasks', body),
  preview: (body) => api.post('/inspection-tasks/preview', body),
  step: (id, action) => api.post(`/inspection-tasks/${encodeURIComponent(id)}/${action}`, {}),
  verify: (id) => api.get(`/inspection-tasks/${encodeURIComponent(id)}/verify`),
  targets: (id) => api.get(`/inspection-tasks/${encodeURIComponent(id)}/targets`),
  record: (id, uscc, body) =>
    api.post(`/inspection-tasks/${encodeURIComponent(id)}/targets/${encodeURIComponent(uscc)}/result`, body),
  assignments: (query) => api.get('/inspection-assignments', query),
  items: () => once('items', async () => (await api.get('/inspection-items', { page_size: 200 })).items || []),
  departments: () => once('departments', async () => (await api.departments()).items || []),
  regions: () => once('regions', async () => (await api.regions()).items || []),
  chains: () => once('chains', async () => (await api.chains()).items || []),
  // 执法人员 and their certificates: a page of the list, every one, and recording one.
  inspectors: (query) => api.get('/inspectors', query),
  allInspectors: () => once('inspectors', fetchInspectors),
  setCredential: (id, body) => api.put(`/inspectors/${encodeURIComponent(id)}/credential`, body),

  // public, no login
  publicTasks: (query) => api.get('/public/inspection-tasks', query),
  publicTask: (id) => api.get(`/public/inspection-tasks/${encodeURIComponent(id)}`),
  publicVerify: (id, seed) => api.get(`/public/inspection-tasks/${encodeURIComponent(id)}/verify`, seed ? { seed } : {}),
}

// After a certificate is recorded: the next allInspectors() asks again.
export function forgetInspectors() {
  delete cache.inspectors
}

// ---- 执法人员 and their certificates (行政执法证) ----

// An inspector's name as pages show it.
export function inspectorName(x) {
  return (x && (x.display_name || x.username)) || ''
}

// The inspectors by user id (Map id → name); an empty Map when the list is refused.
export async function inspectorNames() {
  try {
    return new Map((await inspectionsApi.allInspectors()).map((x) => [x.inspector, inspectorName(x)]))
  } catch {
    return new Map()
  }
}

// The 执法领域 the inspectors' certificates name, most held first (ties by name).
export function certFields(inspectors) {
  const n = new Map()
  for (const x of inspectors || []) if (x.field) n.set(x.field, (n.get(x.field) || 0) + 1)
  return [...n].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], 'zh-CN')).map(([f]) => f)
}

// Days from `today` to `date` (YYYY-MM-DD both; negative: past), NaN when either is not a date.
export function daysUntil(date, today = todayCst()) {
  const day = (s) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '')
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86400000 : NaN
  }
  return day(date) - day(today)
}

// Certificates expiring within this many days are marked.
export const CERT_SOON_DAYS = 30

// Where an inspector's certificate stands: {key: none | expired | soon | valid, text, type}
// (type: an el-tag type). Valid through its expiry day, as the server counts it.
export function certState(x, today = todayCst(), soon = CERT_SOON_DAYS) {
  if (!x || !x.expires) return { key: 'none', text: '未登记', type: 'info' }
  const d = daysUntil(x.expires, today)
  if (!(d >= 0)) return { key: 'expired', text: '已过期', type: 'danger' }
  if (d <= soon) return { key: 'soon', text: d === 0 ? '今日到期' : `${d} 天后到期`, type: 'warning' }
  return { key: 'valid', text: '有效', type: 'success' }
}

// The open-data files (no login): [{key, label, url}].
export const OPEN_DATA = [
  { key: 'businesses', label: '市场主体名录', url: apiUrl('/public/open-data/businesses.csv') },
  { key: 'inspections', label: '抽查检查结果', url: apiUrl('/public/open-data/inspections.csv') },
  { key: 'violations', label: '违法失信记录', url: apiUrl('/public/open-data/violations.csv') },
]

// The reference lists a task's page names things with, as Maps (empty where refused).
export async function referenceMaps() {
  const [d, r, c, i] = await Promise.allSettled([
    inspectionsApi.departments(),
    inspectionsApi.regions(),
    inspectionsApi.chains(),
    inspectionsApi.items(),
  ])
  const list = (x) => (x.status === 'fulfilled' ? x.value : [])
  return {
    departments: new Map(list(d).map((x) => [x.id, x.name])),
    regions: new Map(list(r).map((x) => [x.code, x.name])),
    chains: new Map(list(c).map((x) => [x.id, x.name])),
    items: new Map(list(i).map((x) => [x.id, x.name])),
  }
}

// The maps of referenceMaps with the names a task carries (task.names: {departments, items,
// regions, chains}, each id → name) added, the task's own winning: the names are there for
// anyone who may read the task, the reference lists only for staff.
export function withTaskNames(maps, task) {
  const names = (task && task.names) || {}
  const out = {}
  for (const k of ['departments', 'items', 'regions', 'chains']) {
    const m = new Map((maps && maps[k]) || [])
    for (const [id, name] of Object.entries(names[k] || {})) {
      if (!name) continue
      m.set(id, name)
      if (k !== 'regions' && /^\d+$/.test(id)) m.set(Number(id), name)
    }
    out[k] = m
  }
  return out
}

// The task's own region by name ("东昌府区").
export function taskRegionName(task, maps) {
  if (!task) return ''
  return task.region_name || nameOf(maps.regions, task.region, '区划').replace(/^区划 #/, '')
}

// A task's scope as lines ["区划：东昌府区", "产业链：农副产品加工", …]; "全市全部市场主体" when
// nothing narrows it. maps: from referenceMaps (names given by the task win).
export function scopeLines(task, maps) {
  const s = (task && task.scope) || {}
  const out = []
  const names = (key, arr, map, prefix) => (task[key] && task[key].length === arr.length ? task[key] : arr.map((x) => nameOf(map, x, prefix)))
  if (s.regions && s.regions.length) out.push(`区划：${names('scope_region_names', s.regions, maps.regions, '区划').join('、')}`)
  if (s.chains && s.chains.length) out.push(`产业链：${names('scope_chain_names', s.chains, maps.chains, '产业链').join('、')}`)
  if (s.kinds && s.kinds.length) out.push(`主体类型：${s.kinds.map((k) => enumLabel('entity', 'kind', k)).join('、')}`)
  if (s.tiers && s.tiers.length) out.push(`企业层级：${s.tiers.map((k) => enumLabel('entity', 'tier', k)).join('、')}`)
  return out.length ? out : ['全部市场主体（存续）']
}

// The departments of a task by name (the task's department_names when the server gives them).
export function departmentNames(task, maps) {
  const ids = (task && task.departments) || []
  if (task && Array.isArray(task.department_names) && task.department_names.length === ids.length) return task.department_names
  return ids.map((id) => nameOf(maps.departments, id, '部门'))
}

export function itemNames(task, maps) {
  const ids = (task && task.items) || []
  if (task && Array.isArray(task.item_names) && task.item_names.length === ids.length) return task.item_names
  return ids.map((id) => nameOf(maps.items, id, '事项'))
}

// The pool as a line: "市市场监督管理局的执法人员（东昌府区），执法领域：市场监管综合执法" /
// "实施部门的执法人员".
export function poolText(task, maps) {
  const p = (task && task.inspector_pool) || {}
  const deps = (p.departments || []).map((id) => nameOf(maps.departments, id, '部门'))
  const regions = (p.regions || []).map((c) => nameOf(maps.regions, c, '区划'))
  const who = deps.length ? deps.join('、') : '实施部门'
  const line = regions.length ? `${who}的执法人员（${regions.join('、')}）` : `${who}的执法人员`
  return (p.fields || []).length ? `${line}，执法领域：${p.fields.join('、')}` : line
}

// "2026-01-01 至 2026-12-31".
export function periodText(task) {
  const p = (task && task.period) || {}
  return p.from || p.to ? `${p.from || '—'} 至 ${p.to || '—'}` : '—'
}

// The address of the verify page for a task (and a seed).
export function verifyPath(id, seed) {
  const q = new URLSearchParams()
  if (id) q.set('task', String(id))
  if (seed) q.set('seed', seed)
  const s = q.toString()
  return `/inspections/verify${s ? `?${s}` : ''}`
}

// 诉求通 (M2): the API calls of enterprise demands and what the pages say about them — the
// labels of statuses, tiers, categories and channels (from GET /meta "records.demand", with the
// fallback below until it has answered), tag colours, the steps a user may take (the demand's
// `actions`) with the fields each asks for, and an event's detail as readable lines.
import api from './api.js'
import { enumValues, options } from './labels.js'

// ---- who ----

// Staff who read demands (the API narrows each to its scope); inspectors do not.
export const DEMAND_STAFF_ROLES = ['admin', 'bureau', 'officer', 'chain_office', 'department', 'city_office']
// Staff who record a demand for an enterprise (a phone call, a visit, on its behalf).
export const DEMAND_FILE_ROLES = ['officer', 'chain_office', 'city_office', 'bureau']

// ---- labels ----

// Shaped like /meta records.demand.fields.<field>.values.
const FALLBACK = {
  status: {
    submitted: '待分级',
    triaged: '待交办',
    assigned: '已交办',
    in_progress: '办理中',
    returned: '待补充',
    resolved: '待确认',
    closed: '已办结',
    merged: '已合并',
  },
  tier: { small: '小问题', medium: '中问题', large: '大问题' },
  category: {
    funding: '资金奖励',
    land: '用地',
    energy: '用能',
    finance: '融资',
    talent: '人才',
    approval: '审批',
    policy: '政策咨询',
    other: '其他',
  },
  channel: { qr: '一企一码', web: '网上提交', phone: '电话', visit: '走访', officer: '服务员代办' },
}

// The statuses in the order of a demand's life (the inbox's tabs).
export const STATUS_ORDER = ['submitted', 'triaged', 'assigned', 'in_progress', 'returned', 'resolved', 'closed', 'merged']

export const STATUS_TAG_TYPES = {
  submitted: 'danger',
  triaged: 'warning',
  assigned: 'primary',
  in_progress: 'primary',
  returned: 'warning',
  resolved: 'success',
  closed: 'info',
  merged: 'info',
}
export const TIER_TAG_TYPES = { small: 'success', medium: 'warning', large: 'danger' }

// value → label of an enumerated field of a demand (status, tier, category, channel).
export function demandValues(field) {
  const v = enumValues('demand', field)
  return Object.keys(v).length ? v : FALLBACK[field] || {}
}

export function demandLabel(field, value) {
  if (value === null || value === undefined || value === '') return ''
  return demandValues(field)[value] || FALLBACK[field]?.[value] || String(value)
}

export function demandOptions(field) {
  return options(demandValues(field))
}

// ---- the steps (POST /demands/{id}/<action>) ----

// In the order the buttons show. fields: what the step's dialog asks for.
export const DEMAND_ACTIONS = {
  triage: { label: '分级', type: 'primary', fields: ['tier', 'note'] },
  assign: { label: '交办', type: 'primary', fields: ['assign', 'note'] },
  start: { label: '开始办理', type: 'primary', fields: ['note'] },
  resolve: { label: '办结', type: 'success', fields: ['resolution'] },
  supply: { label: '补充材料', type: 'primary', fields: ['info'] },
  confirm: { label: '确认办结', type: 'success', fields: ['rating', 'comment'] },
  reopen: { label: '重新办理', type: 'warning', fields: ['reason'] },
  return: { label: '退回补充', type: 'warning', fields: ['reason'] },
  reassign: { label: '转办', type: 'warning', fields: ['department', 'reason'] },
  escalate: { label: '升级', type: 'danger', fields: ['reason'] },
  merge: { label: '合并重复', type: 'info', fields: ['into'] },
}

// The demand's allowed steps, in button order, each {name, label, type, fields}.
export function demandActions(d) {
  const allowed = new Set((d && d.actions) || [])
  return Object.entries(DEMAND_ACTIONS)
    .filter(([name]) => allowed.has(name))
    .map(([name, a]) => ({ name, ...a }))
}

// ---- API ----

let departmentsCache = null

export const demandsApi = {
  list: (query) => api.get('/demands', query),
  get: (id) => api.get(`/demands/${encodeURIComponent(id)}`),
  file: (body) => api.post('/demands', body),
  act: (id, action, body) => api.post(`/demands/${encodeURIComponent(id)}/${action}`, body || {}),
  stats: (query) => api.get('/demands/stats', query),
  // The number of demands matching query (a list's total).
  count: async (query) => (await api.get('/demands', { ...query, page: 1, page_size: 1 })).total || 0,
  // The departments (GET /departments), asked once per page load.
  departments() {
    if (!departmentsCache) {
      departmentsCache = api
        .departments()
        .then((r) => r.items || [])
        .catch((e) => {
          departmentsCache = null
          throw e
        })
    }
    return departmentsCache
  },
}

// ---- events ----

// Who took a step: "驻企服务员 刘洋（驻企服务员）"; the demo's unnamed enterprise and the system
// otherwise.
export function eventActor(e) {
  if (e.actor_name) return e.actor_role && e.actor_role !== e.actor_name ? `${e.actor_name}（${e.actor_role}）` : e.actor_name
  return ['submit', 'confirm', 'reopen', 'supply'].includes(e.action) ? '企业' : '系统'
}

// An event's detail as lines ("分级：小问题", "原因：…"); depts: Map id → name.
export function eventLines(e, depts = new Map()) {
  const d = e.detail || {}
  const dept = (id) => depts.get(id) || `部门 #${id}`
  const out = []
  if (d.channel) out.push(`受理渠道：${demandLabel('channel', d.channel)}`)
  if (d.from_tier && d.to_tier) out.push(`分级：${demandLabel('tier', d.from_tier)} → ${demandLabel('tier', d.to_tier)}`)
  else if (d.tier) out.push(`分级：${demandLabel('tier', d.tier)}`)
  if (d.from_department && d.department) out.push(`转办：${dept(d.from_department)} → ${dept(d.department)}`)
  else if (d.department) out.push(`承办部门：${dept(d.department)}`)
  if (d.lead) out.push(`牵头部门：${dept(d.lead)}`)
  if (Array.isArray(d.assisting) && d.assisting.length) out.push(`协办部门：${d.assisting.map(dept).join('、')}`)
  if (d.reason) out.push(`原因：${d.reason}`)
  if (d.info) out.push(`补充内容：${d.info}`)
  if (d.resolution) out.push(`办理结果：${d.resolution}`)
  if (d.rating) out.push(`满意度：${d.rating} 分`)
  if (d.comment) out.push(`评价意见：${d.comment}`)
  if (d.note) out.push(`说明：${d.note}`)
  if (d.into) out.push(`合并至诉求 #${d.into}`)
  if (e.action === 'merged_in' && d.from) out.push(`并入诉求 #${d.from}`)
  return out
}

// ---- figures ----

// 0.9861 → "98.6%".
export function percent(rate) {
  if (rate === null || rate === undefined) return '—'
  return `${(Math.round(Number(rate) * 1000) / 10).toFixed(1)}%`
}

// 5.1000000000000005 → "5.1"; null → "—".
export function decimal(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—'
  return (Math.round(Number(v) * 10 ** digits) / 10 ** digits).toFixed(digits)
}

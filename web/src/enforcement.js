// 检查执法 (M5): the API calls of campaigns (专项行动), inspection records (检查记录) and cases
// (案件), and what their pages say about them — the labels of kinds, outcomes, rectification
// states, harms, decisions and statuses (from GET /meta "records.campaign|inspection|case",
// with the fallback below until it has answered), tag colours, who may do what, and the small
// formatting the pages share (coverage as a percentage, fines in 元, the 免罚轻罚 conditions).
import api from './api.js'
import { enumValues, options } from './labels.js'
import { demandsApi } from './demands.js'
import { inspectionsApi, inspectorName } from './inspections.js'

// ---- who (the API decides in the end) ----

// Staff who read campaigns, records, cases and coverage.
export const ENFORCEMENT_READ_ROLES = ['admin', 'bureau', 'inspector']
// Staff who record inspections and re-checks (an inspector only those they took part in).
export const ENFORCEMENT_RECORD_ROLES = ['admin', 'bureau', 'inspector']
// Staff who create and change campaigns, open and decide cases, and revisit them.
export const ENFORCEMENT_MANAGE_ROLES = ['admin', 'bureau']

export function canRecord(user) {
  return !!user && ENFORCEMENT_RECORD_ROLES.includes(user.role)
}

export function canManage(user) {
  return !!user && ENFORCEMENT_MANAGE_ROLES.includes(user.role)
}

export const CITY_REGION = '371500'

// Whether user works city-wide (the administrator, city staff): such a user picks a county in
// the filters and changes the city's campaigns; county staff keep to their county.
export function cityWide(user) {
  return !!user && (user.role === 'admin' || !user.region || user.region === CITY_REGION)
}

// ---- labels ----

// Shaped like /meta records.<record>.fields.<field>.values.
const FALLBACK = {
  campaign: { status: { active: '进行中', closed: '已结束' } },
  inspection: {
    kind: { routine: '日常检查', campaign: '专项检查', random: '双随机抽查' },
    outcome: { pass: '未发现问题', rectify: '责令整改', interview: '约谈', case: '立案查处' },
    rectification: { open: '整改中', done: '已整改' },
  },
  case: {
    harm: { slight: '轻微', ordinary: '一般', serious: '严重' },
    status: { open: '已立案', decided: '已决定', closed: '已结案' },
    decision: { no_penalty: '不予处罚', lighter: '从轻减轻处罚', penalty: '予以处罚', dismissed: '撤销立案' },
  },
}

// value → label of an enumerated field of record ('campaign', 'inspection', 'case').
export function enfValues(record, field) {
  const v = enumValues(record, field)
  return Object.keys(v).length ? v : (FALLBACK[record] && FALLBACK[record][field]) || {}
}

export function enfLabel(record, field, value) {
  if (value === null || value === undefined || value === '') return ''
  return enfValues(record, field)[value] || String(value)
}

export function enfOptions(record, field) {
  return options(enfValues(record, field))
}

// The outcomes in the order a form offers them.
export const OUTCOMES = ['pass', 'rectify', 'interview', 'case']
// The kinds a record is entered as here (random ones come from the random tasks, M4).
export const RECORD_KINDS = ['routine', 'campaign']

export const CAMPAIGN_STATUS_TAG_TYPES = { active: 'success', closed: 'info' }
export const CASE_STATUS_TAG_TYPES = { open: 'warning', decided: 'primary', closed: 'success' }
export const DECISION_TAG_TYPES = { no_penalty: 'success', lighter: 'primary', penalty: 'danger', dismissed: 'info' }
export const HARM_TAG_TYPES = { slight: 'success', ordinary: 'warning', serious: 'danger' }
// The outcomes' colours in charts (as OUTCOME_TAG_TYPES colours their tags).
export const OUTCOME_COLORS = { pass: '#67c23a', rectify: '#e6a23c', interview: '#1d4f91', case: '#f56c6c' }

// A rectification order's state as the lists filter it: open, overdue (open and past its
// deadline) or done; '' when the record ordered none.
export function rectifyState(r) {
  if (!r || !r.rectification) return ''
  if (r.rectification === 'open' && r.overdue) return 'overdue'
  return r.rectification
}

export const RECTIFY_STATES = { open: '整改中', overdue: '逾期未整改', done: '已整改' }
export const RECTIFY_TAG_TYPES = { open: 'warning', overdue: 'danger', done: 'success' }

export function rectifyLabel(r) {
  const s = rectifyState(r)
  return s ? RECTIFY_STATES[s] : ''
}

// ---- figures ----

// A coverage (0–1, four decimals from the API) as a percentage with two decimals, whole ones
// without: 0.6712 → "67.12%", 0.183 → "18.30%", 1 → "100%"; null → "—".
export function coverageText(c) {
  if (c === null || c === undefined || c === '' || Number.isNaN(Number(c))) return '—'
  const p = (Number(c) * 100).toFixed(2)
  return `${p.endsWith('.00') ? p.slice(0, -3) : p}%`
}

// A fine in fen as 元: 500000 → "5,000.00 元"; null → "—".
export function fineText(fen) {
  if (fen === null || fen === undefined) return '—'
  const yuan = Number(fen) / 100
  return `${yuan.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} 元`
}

// 元 typed in a form → fen for the API (0 when empty).
export function yuanToFen(yuan) {
  const n = Number(yuan)
  return Number.isFinite(n) && n > 0 ? Math.round(n * 100) : 0
}

// For a date picker's disabled-date: whether the calendar day d (a Date at local midnight)
// falls before from or after to (YYYY-MM-DD, either may be empty).
export function dateOutside(d, from, to) {
  const at = (s) => {
    const [y, m, day] = s.split('-').map(Number)
    return new Date(y, m - 1, day).getTime()
  }
  const t = d.getTime()
  return (!!from && t < at(from)) || (!!to && t > at(to))
}

// "2026-02-20 至 2026-06-30".
export function campaignPeriod(c) {
  return c ? `${c.period_from || '—'} 至 ${c.period_to || '—'}` : '—'
}

// The campaign's outcomes as counted by the API: [{key, label, value}] for pass, rectify,
// interview, case (pass = the inspections with none of the others).
export function campaignOutcomes(c) {
  const n = (k) => Number((c && c[k]) || 0)
  const pass = Math.max(0, n('inspections') - n('rectifications') - n('interviews') - n('cases'))
  const values = { pass, rectify: n('rectifications'), interview: n('interviews'), case: n('cases') }
  return OUTCOMES.map((k) => ({ key: k, label: enfLabel('inspection', 'outcome', k), value: values[k] }))
}

// ---- the 免罚轻罚 check (GET /cases/{id} minor_check) ----

// The three conditions of the check, each with the reason codes that fail it.
export const MINOR_CONDITIONS = [
  { key: 'first', label: '首次违法', hint: '两年内无作出处罚、从轻或不予处罚决定的案件', codes: ['not_first'] },
  { key: 'slight', label: '危害后果轻微', hint: '危害后果为“轻微”', codes: ['harm_not_slight'] },
  { key: 'corrected', label: '及时改正', hint: '确认及时改正，或责令整改在期限内复查合格', codes: ['not_corrected', 'correction_unknown'] },
]

// The conditions with their state: [{key, label, hint, met, reasons: [message]}]; reasons the
// API gives under a code not listed above are added as their own lines.
export function minorConditions(check) {
  const reasons = (check && check.reasons) || []
  const rows = MINOR_CONDITIONS.map((c) => {
    const mine = reasons.filter((r) => c.codes.includes(r.code)).map((r) => r.message)
    return { key: c.key, label: c.label, hint: c.hint, met: mine.length === 0, reasons: mine }
  })
  const known = new Set(MINOR_CONDITIONS.flatMap((c) => c.codes))
  for (const r of reasons) {
    if (!known.has(r.code)) rows.push({ key: r.code, label: r.message, hint: '', met: false, reasons: [r.message] })
  }
  return rows
}

// ---- API ----

const id = (x) => encodeURIComponent(x)

export const enforcementApi = {
  campaigns: (query) => api.get('/campaigns', query),
  campaign: (cid) => api.get(`/campaigns/${id(cid)}`),
  createCampaign: (body) => api.post('/campaigns', body),
  updateCampaign: (cid, changes) => api.patch(`/campaigns/${id(cid)}`, changes),

  inspections: (query) => api.get('/inspections', query),
  inspection: (iid) => api.get(`/inspections/${id(iid)}`),
  createInspection: (body) => api.post('/inspections', body),
  recheck: (iid, body) => api.post(`/inspections/${id(iid)}/rectification`, body),
  coverage: (query) => api.get('/inspections/coverage', query),

  cases: (query) => api.get('/cases', query),
  case: (kid) => api.get(`/cases/${id(kid)}`),
  createCase: (body) => api.post('/cases', body),
  updateCase: (kid, changes) => api.patch(`/cases/${id(kid)}`, changes),
  decide: (kid, body) => api.post(`/cases/${id(kid)}/decision`, body),
  revisit: (kid, body) => api.post(`/cases/${id(kid)}/revisits`, body),

  // The departments (asked once per page load, shared with 诉求通) and the regions.
  departments: () => demandsApi.departments(),
  regions: async () => (await api.regions()).items || [],
  // Entities by a fragment of their name or their code (GET /entities?q=).
  entities: async (q) => (await api.entities({ q, page_size: 20 })).items || [],
}

// The department a new record or campaign defaults to: the user's own, else the market
// regulation bureau's.
export function defaultDepartment(user, departments) {
  if (user && user.department) return user.department
  const d = (departments || []).find((x) => /市场监督管理局/.test(x.name))
  return d ? d.id : null
}

// The inspectors a team is picked from: [{id, name}], the user first when an inspector.
//
// GET /inspectors lists every inspector to the administrator, the bureau and inspectors alike
// (the enforcement API decides who may be on a team); accounts stopped are left out.
export async function inspectorChoices(user) {
  const out = new Map()
  if (user && user.role === 'inspector') out.set(user.id, user.display_name || user.username)
  try {
    for (const x of await inspectionsApi.allInspectors()) if (!x.disabled) out.set(x.inspector, inspectorName(x))
  } catch {
    // the user alone (an inspector) or nothing: the form says so
  }
  return [...out].map(([uid, name]) => ({ id: uid, name }))
}

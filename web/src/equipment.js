// 特种设备 (M6, 应检尽检): the API calls of the register, a unit's inspections, the reminders and
// the 定检率, and what the pages say about them — the labels of statuses and conclusions (from
// GET /meta "records.equipment", with the fallback below until it has answered), who may do
// what, a unit's due mark, the next due date an inspection will set, and the period presets of
// the rate page. The rules are the server's (src/equipment/equipment.h); these only show them.
import api from './api.js'
import { enumValues, options } from './labels.js'
import { coverageText } from './enforcement.js'
import { todayCst } from './format.js'

// ---- who (the API decides in the end) ----

// Staff who read the register, a unit's history and the rate (the administrator passes too).
export const EQUIPMENT_READ_ROLES = ['admin', 'bureau', 'inspector']
// Staff who register units, change them and record inspections.
export const EQUIPMENT_MANAGE_ROLES = ['admin', 'bureau']

export function canManageEquipment(user) {
  return !!user && EQUIPMENT_MANAGE_ROLES.includes(user.role)
}

// ---- labels ----

// Shaped like /meta records.<record>.fields.<field>.values.
const FALLBACK = {
  status: { in_use: '在用', idle: '停用', scrapped: '报废' },
  last_conclusion: { qualified: '合格', basically_qualified: '基本合格', unqualified: '不合格' },
}

// value → label of an enumerated field of a unit (status, last_conclusion).
export function eqValues(field) {
  const v = enumValues('equipment', field)
  return Object.keys(v).length ? v : FALLBACK[field] || {}
}

export function eqLabel(field, value) {
  if (value === null || value === undefined || value === '') return ''
  return eqValues(field)[value] || String(value)
}

export function eqOptions(field) {
  return options(eqValues(field))
}

// An inspection's conclusion (the same values as a unit's last_conclusion).
export const conclusionLabel = (c) => eqLabel('last_conclusion', c)
export const CONCLUSIONS = ['qualified', 'basically_qualified', 'unqualified']

export const STATUS_TAG_TYPES = { in_use: 'success', idle: 'warning', scrapped: 'info' }
export const CONCLUSION_TAG_TYPES = { qualified: 'success', basically_qualified: 'primary', unqualified: 'danger' }
// How an inspection answered the due date it was recorded against (GET .../inspections
// "timeliness"): early counts as on time in the rate.
export const TIMELINESS = { on_time: ['按期', 'success'], early: ['提前', 'primary'], late: ['超期检验', 'danger'] }

export function timelinessLabel(t) {
  return (TIMELINESS[t] || [''])[0]
}

// The choices of 即将到期 (days), the reminders' own horizon among them.
export const REMIND_DAYS = 30
export const DUE_WITHIN_CHOICES = [7, 15, 30, 60, 90, 180]

// ---- dates (calendar days) ----

function ymd(date) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || '')
  return m ? [+m[1], +m[2], +m[3]] : null
}

const pad = (n, w = 2) => String(n).padStart(w, '0')

// date + months calendar months, the day clamped to the end of a shorter month, as the server
// computes a next due date (2024-02-29 + 12 → 2025-02-28; 2026-01-31 + 1 → 2026-02-28); '' for
// a malformed date.
export function addMonths(date, months) {
  const d = ymd(date)
  if (!d) return ''
  const total = d[0] * 12 + (d[1] - 1) + months
  const y = Math.floor(total / 12)
  const m = total - y * 12 + 1
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return `${pad(y, 4)}-${pad(m)}-${pad(Math.min(d[2], last))}`
}

// The next due date an inspection on `on` with `conclusion` will give unit (its cycle_months
// and next_due), unless the form gives one: the inspection date plus the cycle, or, when
// 不合格, the unit's due date unchanged (it stays due until a re-inspection passes).
export function nextDueAfter(unit, on, conclusion) {
  if (!unit) return ''
  if (conclusion === 'unqualified') return unit.next_due || ''
  return on && unit.cycle_months ? addMonths(on, unit.cycle_months) : ''
}

// A unit's mark for lists and its page: {text, type, key} or null, from the API's "overdue" and
// "days_left" (null unless in use): 超期 N 天, 今天到期, N 天后到期 within `soon` days; idle and
// scrapped units say so.
export function dueMark(unit, soon = REMIND_DAYS) {
  if (!unit) return null
  if (unit.status === 'scrapped') return { key: 'scrapped', text: '已报废', type: 'info' }
  if (unit.status === 'idle') return { key: 'idle', text: '停用', type: 'info' }
  const d = unit.days_left
  if (unit.overdue) return { key: 'overdue', text: typeof d === 'number' ? `超期 ${-d} 天` : '已超期', type: 'danger' }
  if (typeof d !== 'number') return null
  if (d === 0) return { key: 'soon', text: '今天到期', type: 'warning' }
  if (d <= soon) return { key: 'soon', text: `${d} 天后到期`, type: 'warning' }
  return null
}

// ---- the rate ----

// A rate (0–1, four decimals from the API) as a percentage: 0.992 → "99.20%", 1 → "100%",
// null (nothing was due) → "—".
export const rateText = coverageText

// The inspected dues of a rate row: on time and early (what the rate counts as done).
export function fulfilled(r) {
  return Number((r && r.on_time) || 0) + Number((r && r.early) || 0)
}

function dayShift(date, days) {
  const d = ymd(date)
  return new Date(Date.UTC(d[0], d[1] - 1, d[2] + days)).toISOString().slice(0, 10)
}

// The periods of the rate page, as of today: {key, label, from, to} ('' to: today).
export function ratePeriods(today = todayCst()) {
  const y = Number(today.slice(0, 4))
  const q = Math.floor((Number(today.slice(5, 7)) - 1) / 3)
  return [
    { key: 'year', label: '本年', from: `${y}-01-01`, to: '' },
    { key: 'quarter', label: '本季度', from: `${y}-${pad(q * 3 + 1)}-01`, to: '' },
    { key: '12m', label: '近12个月', from: dayShift(addMonths(today, -12), 1), to: '' },
    { key: 'last_year', label: '上年', from: `${y - 1}-01-01`, to: `${y - 1}-12-31` },
  ]
}

// ---- a unit's form ----

// The fields a unit's form edits, in order; the first two are given on registration only.
export const UNIT_FORM_FIELDS = [
  'registration_no',
  'category',
  'model',
  'product_no',
  'owner',
  'user_uscc',
  'address',
  'installed_on',
  'interval_months',
  'next_due',
  'status',
  'last_inspected',
  'last_conclusion',
]
// Set on registration only (an inspection moves them afterwards).
const CREATE_ONLY = new Set(['last_inspected', 'last_conclusion'])
// May be cleared (null) in a change.
const NULLABLE = new Set(['interval_months', 'installed_on', 'next_due', 'user_uscc'])

function blank(v) {
  return v === '' || v === null || v === undefined
}

// The body of POST /equipment (unit: null) or PATCH /equipment/{id} (only what changed) from
// the form's values. Empty optional fields are left out of a registration; in a change, a
// cleared next_due asks the server to compute it again, a cleared user_uscc makes the owner the
// user, a cleared interval_months falls back to the category's.
export function unitBody(form, unit = null) {
  const out = {}
  for (const k of UNIT_FORM_FIELDS) {
    let v = form[k]
    if (typeof v === 'string') v = v.trim()
    if ((k === 'owner' || k === 'user_uscc') && typeof v === 'string') v = v.toUpperCase()
    if (k === 'interval_months' && !blank(v)) v = Number(v)
    if (!unit) {
      if (!blank(v)) out[k] = v
      continue
    }
    if (CREATE_ONLY.has(k)) continue
    let was = unit[k]
    if (k === 'user_uscc' && was === unit.owner && blank(v)) continue
    if (blank(v) && blank(was)) continue
    if (blank(v)) {
      if (NULLABLE.has(k)) out[k] = null
      else if (k === 'model' || k === 'product_no' || k === 'address') out[k] = ''
      continue
    }
    if (v !== was) out[k] = v
  }
  return out
}

// ---- API ----

const enc = (x) => encodeURIComponent(x)

let categoriesOnce = null

export const equipmentApi = {
  units: (query) => api.get('/equipment', query),
  unit: (id) => api.get(`/equipment/${enc(id)}`),
  create: (body) => api.post('/equipment', body),
  update: (id, changes) => api.patch(`/equipment/${enc(id)}`, changes),
  inspections: async (id) => (await api.get(`/equipment/${enc(id)}/inspections`)).items || [],
  inspect: (id, body) => api.post(`/equipment/${enc(id)}/inspections`, body),
  reminders: (query) => api.get('/equipment/reminders', query),
  rate: (query) => api.get('/equipment/inspection-rate', query),
  // The categories with their intervals, asked once per page load.
  categories: () => {
    if (!categoriesOnce) {
      categoriesOnce = api.get('/equipment/categories').then(
        (r) => r.items || [],
        (e) => {
          categoriesOnce = null
          throw e
        },
      )
    }
    return categoriesOnce
  },
  regions: async () => ((await api.regions()).items || []).filter((r) => r.level !== 'city'),
}

// 气瓶充装 (M7, 扫码限充、阳光充装): the API calls of the pages, the labels of the check's
// reasons and media, and the small pure rules the pages show (dates, weights, this week).
import api from './api.js'
import { todayCst } from './format.js'

// The check's reasons, in the order the API lists them, with short labels for charts and the
// check log (whose rows carry codes only; a live answer carries its own full message).
export const REASONS = [
  ['unknown_cylinder', '未登记气瓶'],
  ['scrapped', '已报废'],
  ['service_life_exceeded', '超过使用年限'],
  ['inspection_overdue', '定期检验超期'],
  ['not_station_cylinder', '非本单位气瓶'],
  ['licence_expired', '充装许可证过期'],
  ['medium_not_permitted', '未获准充装该介质'],
  ['filler_not_certified', '充装人员无有效资格'],
  ['wrong_medium', '介质与气瓶不符'],
  ['filled_too_recently', '充装间隔过短'],
]
const REASON_LABELS = Object.fromEntries(REASONS)
export function reasonLabel(code) {
  return REASON_LABELS[code] || code
}

export const MEDIA = [
  ['LPG', '液化石油气'],
  ['O2', '氧气'],
  ['N2', '氮气'],
  ['Ar', '氩气'],
  ['CO2', '二氧化碳'],
  ['CNG', '压缩天然气'],
  ['C2H2', '乙炔'],
]
const MEDIUM_LABELS = Object.fromEntries(MEDIA)
export function mediumLabel(code) {
  return MEDIUM_LABELS[code] || code || ''
}

export const STATUS_LABELS = { in_service: '在用', due: '待检', scrapped: '报废' }
export const OWNERSHIP_LABELS = { owned: '自有产权', custody: '托管' }

// ---- dates (calendar days, China's) ----

function dayNumber(date) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date || '')
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86400000 : NaN
}
function dayText(n) {
  return new Date(n * 86400000).toISOString().slice(0, 10)
}
// date + days (YYYY-MM-DD).
export function addDays(date, days) {
  return dayText(dayNumber(date) + days)
}
// The Monday of the week of date (YYYY-MM-DD).
export function weekStart(date = todayCst()) {
  const n = dayNumber(date)
  const dow = new Date(n * 86400000).getUTCDay() // 0 Sunday
  return dayText(n - ((dow + 6) % 7))
}
// Days from today to date (negative: past).
export function daysFrom(date, today = todayCst()) {
  return dayNumber(date) - dayNumber(today)
}

// A cylinder's mark for lists: {text, type} or null. Overdue and life exceeded from the API's
// flags; "due soon" when the inspection falls within `soon` days.
export function cylinderMark(c, today = todayCst(), soon = 30) {
  if (!c) return null
  if (c.status === 'scrapped') return { text: '已报废', type: 'info' }
  if (c.service_life_exceeded) return { text: '超过使用年限', type: 'danger' }
  if (c.inspection_overdue) return { text: '检验超期', type: 'danger' }
  const d = daysFrom(c.next_inspection, today)
  if (d >= 0 && d <= soon) return { text: `${d} 天内到期检验`, type: 'warning' }
  return null
}

// A station's licence: {text, type} — expired, or expiring within `soon` days, or null.
export function licenceMark(s, today = todayCst(), soon = 60) {
  if (!s || !s.licence_expires) return null
  const d = daysFrom(s.licence_expires, today)
  if (s.licence_expired || d < 0) return { text: '已过期', type: 'danger' }
  if (d <= soon) return { text: `${d} 天后到期`, type: 'warning' }
  return null
}

// Weights are shown to 0.1 kg (the API's floats carry binary noise, 57.2999992370605).
export function kg(v) {
  const n = Number(v)
  return Number.isFinite(n) ? `${(Math.round(n * 10) / 10).toFixed(1)} kg` : ''
}

// The net weight of a filling and whether it overfills a type (capacity_kg): as the server
// judges it (after − before > rated fill mass).
export function netWeight(before, after) {
  const b = Number(before)
  const a = Number(after)
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null
  return Math.round((a - b) * 10) / 10
}
export function overfills(type, before, after) {
  const net = netWeight(before, after)
  return !!type && net !== null && net > Number(type.capacity_kg)
}

// ---- API ----

const enc = encodeURIComponent
export const cylApi = {
  types: () => api.get('/cylinder-types', { page_size: 200 }),
  stations: (query) => api.get('/stations', query),
  station: (uscc) => api.get(`/stations/${enc(uscc)}`),
  fillers: (query) => api.get('/fillers', query),
  cylinders: (query) => api.get('/cylinders', query),
  checkStats: (query) => api.get('/filling-checks/stats', query),
  cylinder: (code) => api.get(`/cylinders/${enc(code)}`),
  check: (body) => api.post('/fillings/check', body),
  fill: (body) => api.post('/fillings', body),
  fillings: (query) => api.get('/fillings', query),
  checks: (query) => api.get('/filling-checks', query),
  publicCylinder: (code) => api.get(`/public/cylinders/${enc(code)}`),
}

// The total of a list query (page_size 1).
export async function countOf(path, query = {}) {
  const r = await api.get(path, { ...query, page: 1, page_size: 1 })
  return r.total || 0
}

// The check or filling's refusal from an ApiError of POST /fillings (409: {allowed:false,
// reasons, error}); null when the error is not a refusal.
export function refusalOf(e) {
  const body = e && e.body
  if (body && Array.isArray(body.reasons)) return body.reasons
  return null
}

// Reading audit rows: which record an object names, and an audit detail as readable lines.
//
// A detail is what the server stored with the action: for an edit {field: {from, to}}, for a
// creation the new values {field: value}, for others a few counts ({revoked: 2}). Field names
// and enumeration values are labelled from /meta (labels.js); references (region codes,
// department and chain ids) through the lookup maps the page passes in.
import { enumValues, fieldLabel, roleLabel, CALENDAR_KIND_LABELS } from './labels.js'

// Keys of details that are not fields of a record.
const DETAIL_LABELS = {
  revoked: '注销的会话与令牌数',
  known: '用户名存在',
  inserted: '新增',
  updated: '更新',
  flagged: '校验位存疑',
  scale: '规模',
  seed: '随机种子',
  entities: '市场主体数',
  kind: '类型',
  name: '名称',
  username: '用户名',
}

// The record an audit object belongs to: "user:12" → "user", "entity:9137…" → "entity".
export function objectRecord(object) {
  const m = /^([a-z_]+):/.exec(object || '')
  return m ? m[1] : ''
}

function keyLabel(record, key) {
  const l = record ? fieldLabel(record, key) : key
  return l !== key ? l : DETAIL_LABELS[key] || key
}

// refs: optional {region: Map|object code→name, department: id→name, chain: id→name}.
function valueText(record, key, v, refs) {
  if (v === null || v === undefined || v === '') return '空'
  if (typeof v === 'boolean') return v ? '是' : '否'
  if (key === 'role') return roleLabel(v)
  if (record === 'calendar' && key === 'kind') return CALENDAR_KIND_LABELS[v] || String(v)
  const values = record ? enumValues(record, key) : {}
  if (values[v]) return values[v]
  const ref = refs && refs[key]
  const name = ref && (ref instanceof Map ? ref.get(v) ?? ref.get(String(v)) : ref[v])
  if (name) return `${name}（${v}）`
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

function isChange(v) {
  return v && typeof v === 'object' && !Array.isArray(v) && ('from' in v || 'to' in v)
}

// The detail of an audit row as lines: [{key, label, from, to, changed}] where an edit has
// from and to, other values only to.
export function detailEntries(detail, object, refs) {
  if (detail === null || detail === undefined || detail === '') return []
  if (typeof detail !== 'object' || Array.isArray(detail)) return [{ key: '', label: '详情', to: String(JSON.stringify(detail)), changed: false }]
  const record = objectRecord(object)
  return Object.entries(detail).map(([k, v]) =>
    isChange(v)
      ? { key: k, label: keyLabel(record, k), from: valueText(record, k, v.from, refs), to: valueText(record, k, v.to, refs), changed: true }
      : { key: k, label: keyLabel(record, k), to: valueText(record, k, v, refs), changed: false },
  )
}

// The same as text lines: "名称：甲 → 乙", "角色：系统管理员".
export function detailLines(detail, object, refs) {
  return detailEntries(detail, object, refs).map((e) => (e.changed ? `${e.label}：${e.from} → ${e.to}` : `${e.label}：${e.to}`))
}

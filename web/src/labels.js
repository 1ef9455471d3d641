// Chinese labels for the API's codes, from GET /api/v1/meta.
//
// The server describes its records (field labels, enumeration values), roles and audit actions
// once; this module loads that description once after login (loadMeta) and answers lookups from
// it. Before it has arrived (or if it fails) the small FALLBACK below answers, so the first
// screen after login never shows raw codes. Everything here is reactive: a page rendered with
// the fallback re-renders when /meta arrives.
import { reactive } from 'vue'
import api from './api.js'

// Shaped like /meta; only what the first screens need before /meta has answered.
const FALLBACK = {
  roles: {
    admin: '系统管理员',
    bureau: '市场监管人员',
    inspector: '执法人员',
    officer: '驻企服务员',
    chain_office: '链长办',
    department: '要素保障部门',
    city_office: '市链长办',
    enterprise: '企业',
    station: '充装站',
    slaughterhouse: '屠宰企业',
  },
  records: {
    entity: {
      label: '市场主体',
      fields: {
        kind: { label: '主体类型', values: { enterprise: '企业', individual: '个体工商户', cooperative: '农民专业合作社', other: '其他' } },
        tier: {
          label: '企业层级',
          values: {
            none: '无',
            above_scale: '规上企业',
            specialized: '专精特新',
            little_giant: '专精特新“小巨人”',
            champion: '单项冠军',
            unicorn: '独角兽',
          },
        },
        credit: { label: '信用等级', values: { A: 'A 级', B: 'B 级', C: 'C 级', D: 'D 级' } },
        status: { label: '登记状态', values: { active: '存续', deregistered: '注销', revoked: '吊销' } },
      },
    },
    // The public catalogue pages (/services) are read without logging in, so without /meta:
    // what they show is labelled here.
    service: {
      label: '服务事项',
      fields: {
        title: { label: '事项名称' },
        department_name: { label: '责任部门' },
        content: { label: '服务内容' },
        process: { label: '办理流程' },
        channel: { label: '办理渠道' },
        materials: { label: '申请材料' },
        time_limit: { label: '办理时限' },
        legal_basis: { label: '设定依据' },
        fee: { label: '收费标准' },
        contact: { label: '咨询电话' },
        updated: { label: '更新日期' },
        list: { label: '清单', values: { guidance: '合规指导', policy: '政策集成', service: '服务发展', lenient: '轻微免罚' } },
        category: {
          label: '服务类别',
          values: {
            funding: '资金',
            land: '用地',
            energy: '用能',
            finance: '融资',
            talent: '人才',
            approval: '审批',
            environment: '环保',
            policy: '政策咨询',
            other: '其他',
          },
        },
        status: { label: '发布状态', values: { published: '已发布', draft: '草稿' } },
      },
    },
    // 双随机、一公开 (M4): the public pages (/inspections) read tasks without logging in.
    inspection_task: {
      label: '双随机抽查任务',
      fields: {
        status: {
          label: '状态',
          values: { draft: '草稿', committed: '已承诺', drawn: '已抽取', in_progress: '检查中', completed: '已完成', published: '已公示' },
        },
      },
    },
    // A drawn target's result (POST /inspection-tasks/{id}/targets/{uscc}/result): not a record
    // of /meta, so labelled here only.
    inspection_target: {
      label: '抽查对象',
      fields: {
        outcome: { label: '检查结果', values: { pass: '未发现问题', rectify: '责令整改', interview: '约谈', case: '立案查处' } },
      },
    },
  },
  actions: {},
  lists: {},
}

const state = reactive({ loaded: false, meta: FALLBACK })
let pending = null

// Loads /meta once (later calls share the first answer); never throws — on failure the
// fallback stays and the next call tries again.
export function loadMeta() {
  if (state.loaded) return Promise.resolve(state.meta)
  if (!pending) {
    pending = api
      .meta()
      .then((m) => {
        state.meta = {
          roles: m.roles || FALLBACK.roles,
          records: m.records || FALLBACK.records,
          actions: m.actions || {},
          modules: m.modules || [],
          lists: m.lists || {},
        }
        state.loaded = true
        return state.meta
      })
      .catch(() => state.meta)
      .finally(() => {
        pending = null
      })
  }
  return pending
}

export const metaState = state

// ---- roles: who may see what (authorisation, not labels; the server decides in the end) ----

export const ALL_ROLES = Object.keys(FALLBACK.roles)
// Roles of government staff (everyone who is not an enterprise, station or slaughterhouse).
export const STAFF_ROLES = ['admin', 'bureau', 'inspector', 'officer', 'chain_office', 'city_office', 'department']
// Accounts bound to one market entity; the server requires the binding.
export const ENTITY_OWNER_ROLES = ['enterprise', 'station', 'slaughterhouse']
// Roles allowed to edit market entities.
export const ENTITY_WRITE_ROLES = ['admin', 'bureau']
// Roles allowed to add and edit service items (a department only its own department's).
export const CATALOGUE_WRITE_ROLES = ['admin', 'department']

// ---- lookups ----

export function roleLabel(role) {
  if (!role) return ''
  return state.meta.roles[role] || FALLBACK.roles[role] || String(role)
}

export function roleOptions() {
  return options(state.meta.roles)
}

function fieldDef(record, field) {
  const r = state.meta.records[record]
  return (r && r.fields && r.fields[field]) || null
}

// Chinese name of a record's field ("entity", "tier" → 企业层级); the field itself if unknown.
export function fieldLabel(record, field) {
  const f = fieldDef(record, field)
  return (f && f.label) || field
}

// The value → label map of an enumerated field ({} when the field is not an enumeration).
export function enumValues(record, field) {
  const f = fieldDef(record, field) || (FALLBACK.records[record] && FALLBACK.records[record].fields[field])
  return (f && f.values) || {}
}

// Label of an enumeration value; unknown values are shown as they are.
export function enumLabel(record, field, value) {
  if (value === null || value === undefined || value === '') return ''
  return enumValues(record, field)[value] || String(value)
}

export function enumOptions(record, field) {
  return options(enumValues(record, field))
}

// Label of an entity enumeration value (kind, tier, credit, status) or of a role.
export function label(kind, value) {
  return kind === 'role' ? roleLabel(value) : enumLabel('entity', kind, value)
}

// What the server says of one of its lists (GET /meta "lists", keyed by the list's API path
// "/api/v1/entities"): {record, filters, sorts, export}; null when it says nothing.
export function listInfo(path) {
  const lists = state.meta.lists || {}
  return lists[path] || lists[`/api/v1${path}`] || null
}

// The fields of a record, by name ({} when the record is unknown).
export function recordFields(record) {
  const r = state.meta.records[record] || FALLBACK.records[record]
  return (r && r.fields) || {}
}

// Chinese name of a record ("entity" → 市场主体).
export function recordLabel(record) {
  const r = state.meta.records[record] || FALLBACK.records[record]
  return (r && r.label) || record
}

// Chinese label of an audit action ("user.create" → 新增用户); the code if unknown.
export function actionLabel(action) {
  if (!action) return ''
  return state.meta.actions[action] || action
}

export function actionOptions(filter = () => true) {
  return options(state.meta.actions).filter((o) => filter(o.value))
}

export function options(map) {
  return Object.entries(map || {}).map(([value, text]) => ({ value, label: text }))
}

// ---- labels the server does not describe in /meta ----

export const REGION_LEVEL_LABELS = {
  province: '省级',
  city: '市级',
  county: '县级',
  zone: '功能区',
  town: '乡镇（街道）',
}

// Kinds of a working-day calendar entry (PUT /calendar/{date}).
export const CALENDAR_KIND_LABELS = {
  holiday: '节假日',
  workday: '调休工作日',
}

// Kinds of a user's credentials (GET /users/{id}/sessions).
export const TOKEN_KIND_LABELS = {
  session: '登录会话',
  api: 'API 令牌',
}

export const CREDIT_TAG_TYPES = { A: 'success', B: 'primary', C: 'warning', D: 'danger' }
export const STATUS_TAG_TYPES = { active: 'success', deregistered: 'info', revoked: 'danger' }
// How each of the four lists of the service catalogue is coloured wherever an item shows it.
export const SERVICE_LIST_TAG_TYPES = { guidance: 'primary', policy: 'success', service: 'primary', lenient: 'warning' }
// 双随机、一公开 (M4): a task's status and a target's result, coloured wherever they are shown.
export const INSPECTION_STATUS_TAG_TYPES = {
  draft: 'info',
  committed: 'warning',
  drawn: 'primary',
  in_progress: 'primary',
  completed: 'success',
  published: 'success',
}
export const OUTCOME_TAG_TYPES = { pass: 'success', rectify: 'warning', interview: 'warning', case: 'danger' }

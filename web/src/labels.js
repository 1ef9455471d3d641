// Chinese labels for the API's enum values.

export const ROLE_LABELS = {
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
}

// Roles of government staff (everyone who is not an enterprise, station or slaughterhouse).
export const STAFF_ROLES = ['admin', 'bureau', 'inspector', 'officer', 'chain_office', 'city_office', 'department']
export const ALL_ROLES = Object.keys(ROLE_LABELS)
// Roles allowed to edit market entities.
export const ENTITY_WRITE_ROLES = ['admin', 'bureau']

export const KIND_LABELS = {
  enterprise: '企业',
  individual: '个体工商户',
  cooperative: '农民专业合作社',
  other: '其他',
}

export const TIER_LABELS = {
  none: '无',
  above_scale: '规上企业',
  specialized: '专精特新',
  little_giant: '专精特新"小巨人"',
  champion: '单项冠军',
  unicorn: '独角兽',
}

export const CREDIT_LABELS = {
  A: 'A 级',
  B: 'B 级',
  C: 'C 级',
  D: 'D 级',
}

export const STATUS_LABELS = {
  active: '存续',
  deregistered: '注销',
  revoked: '吊销',
}

export const REGION_LEVEL_LABELS = {
  province: '省级',
  city: '市级',
  county: '县级',
  zone: '功能区',
  town: '乡镇（街道）',
}

export const ACTION_LABELS = {
  'entity.create': '新增',
  'entity.update': '修改',
  'entity.import': '导入',
  'entity.delete': '删除',
  'entity.officer': '指派服务员',
}

// Chinese names of entity fields (descriptions, history, validation messages).
export const ENTITY_FIELD_LABELS = {
  uscc: '统一社会信用代码',
  name: '名称',
  kind: '类型',
  region: '区划',
  region_name: '区划',
  legal_rep: '法定代表人',
  address: '住所',
  industry: '行业代码',
  chain: '产业链',
  chain_name: '产业链',
  tier: '企业层级',
  credit: '信用等级',
  status: '状态',
  established: '成立日期',
  annual_report_year: '年报年度',
  officer: '驻企服务员',
  officer_name: '驻企服务员',
  key: '重点企业',
  uscc_flagged: '校验位存疑',
}

const ENUMS = {
  kind: KIND_LABELS,
  tier: TIER_LABELS,
  credit: CREDIT_LABELS,
  status: STATUS_LABELS,
  role: ROLE_LABELS,
}

// Label of an enum value; unknown values are shown as they are.
export function label(kind, value) {
  if (value === null || value === undefined || value === '') return ''
  const map = ENUMS[kind]
  return (map && map[value]) || String(value)
}

export function options(map) {
  return Object.entries(map).map(([value, text]) => ({ value, label: text }))
}

export const CREDIT_TAG_TYPES = { A: 'success', B: 'primary', C: 'warning', D: 'danger' }
export const STATUS_TAG_TYPES = { active: 'success', deregistered: 'info', revoked: 'danger' }

// The left menu, as data: the one place page names are written (the router's titles and the
// home page's shortcuts look them up here). An item is shown when the user's role is in `roles`
// and, if it has one, `when(user)` holds; a group (an item with `children`) when at least one of
// its children is shown.
import {
  HomeFilled,
  OfficeBuilding,
  Shop,
  Collection,
  Setting,
  User,
  Key,
  Tickets,
  Document,
  Calendar,
  Notebook,
  ChatDotRound,
  Message,
  DataAnalysis,
  ChatLineSquare,
  Aim,
  List,
  Postcard,
  DocumentChecked,
  Checked,
  Flag,
  Memo,
  Stamp,
  PieChart,
  Odometer,
  Histogram,
  Van,
  SetUp,
  Files,
  TrendCharts,
  AlarmClock,
} from '@element-plus/icons-vue'
import { ALL_ROLES, STAFF_ROLES, ENTITY_OWNER_ROLES } from './labels.js'

// Staff who read reference data under 基础数据; the administrator has it in 系统管理.
const REFERENCE_READERS = STAFF_ROLES.filter((r) => r !== 'admin')
const ADMIN = ['admin']
// 诉求通: staff who read demands (inspectors do not), and the enterprise its own.
const DEMAND_STAFF = ['admin', 'bureau', 'officer', 'chain_office', 'department', 'city_office']
// 双随机、一公开: the bureau plans tasks, inspectors read them and record their own results.
const INSPECTION_STAFF = ['admin', 'bureau', 'inspector']
// 检查执法: the bureau and inspectors (the API decides who may write what).
const ENFORCEMENT_STAFF = ['admin', 'bureau', 'inspector']
// 气瓶充装 (M7): the bureau supervises; a station account (its scanner) works its own desk.
const CYLINDER_STAFF = ['admin', 'bureau']
// 特种设备 (M6): the bureau manages the register, inspectors read it; an enterprise account bound
// to its entity has the reminders of its own units.
const EQUIPMENT_STAFF = ['admin', 'bureau', 'inspector']

export const MENU = [
  { path: '/', title: '首页概览', icon: HomeFilled, roles: ALL_ROLES },
  { path: '/entities', title: '市场主体', icon: OfficeBuilding, roles: STAFF_ROLES },
  { path: '/catalogue', title: '服务清单', icon: Notebook, roles: STAFF_ROLES },
  {
    path: '/my-entity',
    title: '我的企业',
    icon: Shop,
    roles: ENTITY_OWNER_ROLES,
    // An enterprise account always has the entry (it explains a missing link); a station or a
    // slaughterhouse only when its account is bound to its entity.
    when: (user) => user.role === 'enterprise' || !!user.entity,
  },
  {
    // A group, not a page: its path only names it (the pages are /demands, /demands/stats and
    // /my-demands).
    path: '/demand-center',
    title: '诉求通',
    icon: ChatDotRound,
    children: [
      { path: '/demands', title: '诉求收件箱', icon: Message, roles: DEMAND_STAFF },
      { path: '/demands/stats', title: '诉求统计', icon: DataAnalysis, roles: DEMAND_STAFF },
      { path: '/my-demands', title: '我的诉求', icon: ChatLineSquare, roles: ['enterprise'] },
    ],
  },
  {
    // A group, not a page (the pages are /inspection-tasks, /inspectors and /my-inspections).
    path: '/inspection-center',
    title: '双随机、一公开',
    icon: Aim,
    children: [
      { path: '/inspection-tasks', title: '抽查任务', icon: List, roles: INSPECTION_STAFF },
      // 执法人员 and their 行政执法证: the planners keep them (a pool draws the certified only).
      { path: '/inspectors', title: '执法人员', icon: Postcard, roles: ['admin', 'bureau'] },
      { path: '/my-inspections', title: '我的检查任务', icon: DocumentChecked, roles: ['inspector'] },
    ],
  },
  {
    // A group, not a page (the pages are under /enforcement/).
    path: '/enforcement-center',
    title: '检查执法',
    icon: Checked,
    children: [
      { path: '/enforcement/campaigns', title: '专项行动', icon: Flag, roles: ENFORCEMENT_STAFF },
      { path: '/enforcement/inspections', title: '检查记录', icon: Memo, roles: ENFORCEMENT_STAFF },
      { path: '/enforcement/cases', title: '案件', icon: Stamp, roles: ENFORCEMENT_STAFF },
      { path: '/enforcement/coverage', title: '检查覆盖率', icon: PieChart, roles: ENFORCEMENT_STAFF },
    ],
  },
  {
    // A group, not a page (the pages are /equipment, /equipment/rate and /my-equipment).
    path: '/equipment-center',
    title: '特种设备',
    icon: SetUp,
    children: [
      { path: '/equipment', title: '特种设备台账', icon: Files, roles: EQUIPMENT_STAFF },
      { path: '/equipment/rate', title: '定检率', icon: TrendCharts, roles: EQUIPMENT_STAFF },
      { path: '/my-equipment', title: '设备检验提醒', icon: AlarmClock, roles: ['enterprise'], when: (user) => !!user.entity },
    ],
  },
  {
    // A group, not a page (the pages are under /cylinders).
    path: '/cylinder-center',
    title: '气瓶充装',
    icon: Van,
    children: [
      { path: '/cylinders', title: '气瓶充装监管', icon: Histogram, roles: CYLINDER_STAFF },
      { path: '/cylinders/desk', title: '充装站工作台', icon: Odometer, roles: ['station'], when: (user) => !!user.entity },
    ],
  },
  { path: '/reference', title: '基础数据', icon: Collection, roles: REFERENCE_READERS },
  {
    path: '/system',
    title: '系统管理',
    icon: Setting,
    children: [
      { path: '/system/users', title: '用户管理', icon: User, roles: ADMIN },
      { path: '/system/roles', title: '角色与数据范围', icon: Key, roles: ADMIN },
      { path: '/system/org', title: '部门/区划/产业链', icon: Collection, roles: ADMIN },
      { path: '/system/calendar', title: '节假日', icon: Calendar, roles: ADMIN },
      { path: '/system/audit', title: '操作日志', icon: Document, roles: ADMIN },
      { path: '/system/login-log', title: '登录日志', icon: Tickets, roles: ADMIN },
    ],
  },
]

function shown(item, user) {
  return item.roles.includes(user.role) && (!item.when || item.when(user))
}

function visible(items, user) {
  const out = []
  for (const m of items) {
    if (m.children) {
      const children = visible(m.children, user)
      if (children.length) out.push({ ...m, children })
    } else if (shown(m, user)) {
      out.push(m)
    }
  }
  return out
}

// The menu tree the user sees ([] when logged out).
export function menuFor(user) {
  if (!user) return []
  return visible(MENU, user)
}

// The leaves of a menu tree, in order.
export function menuLeaves(items = MENU) {
  return items.flatMap((m) => (m.children ? menuLeaves(m.children) : [m]))
}

// The name of the page at `path`, as the menu calls it; throws on a path the menu does not
// have, so that a router entry cannot silently drift from the menu.
export function menuTitle(path) {
  const m = menuLeaves().find((x) => x.path === path)
  if (!m) throw new Error(`menu has no page ${path}`)
  return m.title
}

// The group that holds `path` ('系统管理' for '/system/users'), or null at the top level.
export function menuGroup(path) {
  const g = MENU.find((m) => m.children && m.children.some((c) => c.path === path))
  return g ? g.title : null
}

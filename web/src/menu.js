// The left menu, as data. An item is shown when the user's role is in `roles`; a group (an item
// with `children`) when at least one of its children is.
import { ALL_ROLES, STAFF_ROLES } from './labels.js'

export const MENU = [
  { path: '/', title: '首页概览', icon: 'HomeFilled', roles: ALL_ROLES },
  { path: '/entities', title: '市场主体', icon: 'OfficeBuilding', roles: STAFF_ROLES },
  { path: '/my-entity', title: '我的企业', icon: 'Shop', roles: ['enterprise'] },
  { path: '/reference', title: '基础数据', icon: 'Collection', roles: STAFF_ROLES },
  {
    path: '/system',
    title: '系统管理',
    icon: 'Setting',
    children: [
      { path: '/system/users', title: '用户管理', icon: 'User', roles: ['admin'] },
      { path: '/system/login-log', title: '登录日志', icon: 'Tickets', roles: ['admin'] },
      { path: '/system/audit', title: '操作审计', icon: 'Document', roles: ['admin'] },
      { path: '/system/calendar', title: '节假日设置', icon: 'Calendar', roles: ['admin'] },
    ],
  },
]

function visible(items, role) {
  const out = []
  for (const m of items) {
    if (m.children) {
      const children = visible(m.children, role)
      if (children.length) out.push({ ...m, children })
    } else if (m.roles.includes(role)) {
      out.push(m)
    }
  }
  return out
}

export function menuFor(user) {
  if (!user) return []
  return visible(MENU, user.role)
}

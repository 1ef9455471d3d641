// The left menu, as data. An item is shown when the user's role is in `roles`.
import { ALL_ROLES, STAFF_ROLES } from './labels.js'

export const MENU = [
  { path: '/', title: '首页概览', icon: 'HomeFilled', roles: ALL_ROLES },
  { path: '/entities', title: '市场主体', icon: 'OfficeBuilding', roles: STAFF_ROLES },
  { path: '/my-entity', title: '我的企业', icon: 'Shop', roles: ['enterprise'] },
  { path: '/reference', title: '基础数据', icon: 'Collection', roles: STAFF_ROLES },
]

export function menuFor(user) {
  if (!user) return []
  return MENU.filter((m) => m.roles.includes(user.role))
}

import { createRouter, createWebHistory } from 'vue-router'
import { auth, loadMe } from './auth.js'
import { STAFF_ROLES, ALL_ROLES, ENTITY_OWNER_ROLES } from './labels.js'
import { menuTitle, menuGroup } from './menu.js'
import { prefetchEntityTotal } from './home.js'
import { ui, PRODUCT_NAME } from './ui.js'
import MainLayout from './layouts/MainLayout.vue'

// A page of the menu: its title (and breadcrumb) come from menu.js, so the two cannot differ.
function page(path, name, component, meta = {}, extra = {}) {
  const menu = `/${path}`
  const title = menuTitle(menu)
  const group = menuGroup(menu)
  return {
    path,
    name,
    component,
    meta: { title, menu, crumbs: group ? [{ title: group }, { title }] : [{ title }], ...meta },
    ...extra,
  }
}

// The 系统管理 pages: administrators only. To anyone else they do not exist (the not-found
// view, at the address asked for), so their addresses reveal nothing.
function systemPage(path, component) {
  return page(`system/${path}`, `system-${path}`, component, { roles: ['admin'], hidden: true })
}

// 我的企业 leads to the account's own entity; without one, the view explains.
function toOwnEntity() {
  const uscc = auth.user && auth.user.entity
  return uscc ? { name: 'entity', params: { uscc }, replace: true } : true
}

// The home page's count starts while its code loads (see home.js).
function startHome() {
  if (auth.user && STAFF_ROLES.includes(auth.user.role)) prefetchEntityTotal()
  return true
}

const routes = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./views/LoginView.vue'),
    meta: { public: true, title: '登录' },
  },
  {
    path: '/',
    component: MainLayout,
    children: [
      page('', 'home', () => import('./views/HomeView.vue'), { roles: ALL_ROLES }, { beforeEnter: startHome }),
      page('entities', 'entities', () => import('./views/EntityListView.vue'), { roles: STAFF_ROLES }),
      {
        path: 'entities/:uscc',
        name: 'entity',
        component: () => import('./views/EntityView.vue'),
        meta: { title: '市场主体详情', roles: [...STAFF_ROLES, ...ENTITY_OWNER_ROLES], menu: '/entities' },
      },
      page('my-entity', 'my-entity', () => import('./views/NoEntityView.vue'), { roles: ENTITY_OWNER_ROLES }, { beforeEnter: toOwnEntity }),
      // The administrator reads reference data in 系统管理 (部门/区划/产业链).
      page('reference', 'reference', () => import('./views/ReferenceView.vue'), { roles: STAFF_ROLES }, {
        beforeEnter: () => (auth.user && auth.user.role === 'admin' ? { name: 'system-org', replace: true } : true),
      }),
      systemPage('users', () => import('./views/system/UsersView.vue')),
      systemPage('roles', () => import('./views/system/RolesView.vue')),
      systemPage('org', () => import('./views/system/OrgView.vue')),
      systemPage('calendar', () => import('./views/system/CalendarView.vue')),
      systemPage('audit', () => import('./views/system/AuditView.vue')),
      systemPage('login-log', () => import('./views/system/LoginLogView.vue')),
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('./views/NotFoundView.vue'),
        meta: { title: '页面不存在', roles: ALL_ROLES, crumbs: [{ title: '页面不存在' }] },
      },
    ],
  },
]

const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

// Where ?redirect= may send a user after logging in: a path of this site, else home.
export function safeRedirect(r) {
  return typeof r === 'string' && r.startsWith('/') && !r.startsWith('//') ? r : '/'
}

router.beforeEach(async (to) => {
  if (!auth.loaded) {
    try {
      await loadMe()
    } catch {
      // server unreachable or failing: treat as logged out, the login page shows errors
    }
  }
  if (to.meta.public) {
    if (to.name === 'login' && auth.user) return safeRedirect(to.query.redirect)
    return true
  }
  if (!auth.user) {
    const query = to.fullPath && to.fullPath !== '/' ? { redirect: to.fullPath } : {}
    return { name: 'login', query }
  }
  const roles = to.meta.roles
  if (roles && !roles.includes(auth.user.role)) {
    if (to.meta.hidden) {
      return { name: 'not-found', params: { pathMatch: to.path.slice(1).split('/') }, query: to.query, hash: to.hash, replace: true }
    }
    return { name: 'home', replace: true }
  }
  return true
})

router.afterEach((to) => {
  ui.crumbTail = ''
  // An entity's own account reads its record as 我的企业.
  const own = to.name === 'entity' && auth.user && auth.user.entity === to.params.uscc
  const title = own ? menuTitle('/my-entity') : to.meta.title
  document.title = title ? `${title} - ${PRODUCT_NAME}` : PRODUCT_NAME
})

export default router

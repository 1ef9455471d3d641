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

// A demand's page sits under the menu entry the user has: the inbox (staff) or 我的诉求.
const DEMAND_STAFF = ['admin', 'bureau', 'officer', 'chain_office', 'department', 'city_office']
function demandPlace(to) {
  const own = !!auth.user && auth.user.role === 'enterprise'
  const list = own ? '/my-demands' : '/demands'
  to.meta.menu = list
  to.meta.crumbs = [{ title: menuGroup(list) }, { title: menuTitle(list), path: list }]
  return true
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
  // The service catalogue for everyone, without logging in (M3): its list and its items.
  {
    path: '/services',
    name: 'services',
    component: () => import('./views/PublicServicesView.vue'),
    meta: { public: true, title: '企业服务清单' },
  },
  {
    path: '/services/:id',
    name: 'service',
    component: () => import('./views/PublicServiceView.vue'),
    meta: { public: true, title: '服务事项' },
  },
  // The enterprise's QR page (一企一码 → {public_url}/m/entities/{uscc}/demand): phone-sized,
  // without the shell; it asks for the login itself and stays on the page.
  {
    path: '/m/entities/:uscc/demand',
    name: 'm-demand',
    component: () => import('./views/demands/MobileDemandView.vue'),
    meta: { public: true, title: '一企一码 · 提交诉求' },
  },
  {
    path: '/',
    component: MainLayout,
    children: [
      page('', 'home', () => import('./views/HomeView.vue'), { roles: ALL_ROLES }, { beforeEnter: startHome }),
      page('entities', 'entities', () => import('./views/EntityListView.vue'), { roles: STAFF_ROLES }),
      page('catalogue', 'catalogue', () => import('./views/CatalogueView.vue'), { roles: STAFF_ROLES }),
      {
        path: 'entities/:uscc',
        name: 'entity',
        component: () => import('./views/EntityView.vue'),
        meta: { title: '市场主体详情', roles: [...STAFF_ROLES, ...ENTITY_OWNER_ROLES], menu: '/entities' },
      },
      page('my-entity', 'my-entity', () => import('./views/NoEntityView.vue'), { roles: ENTITY_OWNER_ROLES }, { beforeEnter: toOwnEntity }),
      // 诉求通 (M2): the inbox, the statistics, the enterprise's own demands and a demand.
      page('demands', 'demands', () => import('./views/demands/DemandInboxView.vue'), { roles: DEMAND_STAFF }),
      page('demands/stats', 'demand-stats', () => import('./views/demands/DemandStatsView.vue'), { roles: DEMAND_STAFF }),
      page('my-demands', 'my-demands', () => import('./views/demands/DemandInboxView.vue'), { roles: ['enterprise'] }),
      {
        path: 'demands/:id(\\d+)',
        name: 'demand',
        component: () => import('./views/demands/DemandView.vue'),
        meta: { title: '诉求详情', roles: [...DEMAND_STAFF, 'enterprise'], menu: '/demands' },
      },
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

// (after the guard above, so the user is known; on every navigation, one demand to another too)
router.beforeEach((to) => (to.name === 'demand' ? demandPlace(to) : true))

router.afterEach((to) => {
  ui.crumbTail = ''
  // An entity's own account reads its record as 我的企业.
  const own = to.name === 'entity' && auth.user && auth.user.entity === to.params.uscc
  const title = own ? menuTitle('/my-entity') : to.meta.title
  document.title = title ? `${title} - ${PRODUCT_NAME}` : PRODUCT_NAME
})

export default router

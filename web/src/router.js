import { createRouter, createWebHistory } from 'vue-router'
import { auth, loadMe } from './auth.js'
import { STAFF_ROLES, ALL_ROLES } from './labels.js'
import { ui } from './ui.js'
import MainLayout from './layouts/MainLayout.vue'

// The 系统管理 pages: administrators only. To anyone else they do not exist (the not-found
// view, at the address asked for), so their addresses reveal nothing.
function systemRoutes(pages) {
  return pages.map((p) => ({
    path: `system/${p.path}`,
    name: p.name,
    component: p.view,
    meta: {
      title: p.title,
      roles: ['admin'],
      hidden: true,
      menu: `/system/${p.path}`,
      crumbs: [{ title: '系统管理' }, { title: p.title }],
    },
  }))
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
      {
        path: '',
        name: 'home',
        component: () => import('./views/HomeView.vue'),
        meta: { title: '首页概览', roles: ALL_ROLES, menu: '/' },
      },
      {
        path: 'entities',
        name: 'entities',
        component: () => import('./views/EntityListView.vue'),
        meta: { title: '市场主体', roles: STAFF_ROLES, menu: '/entities', crumbs: [{ title: '市场主体' }] },
      },
      {
        path: 'entities/:uscc',
        name: 'entity',
        component: () => import('./views/EntityView.vue'),
        meta: { title: '市场主体详情', roles: [...STAFF_ROLES, 'enterprise'], menu: '/entities' },
      },
      {
        path: 'my-entity',
        name: 'my-entity',
        component: () => import('./views/NoEntityView.vue'),
        meta: { title: '我的企业', roles: ['enterprise'], menu: '/my-entity', crumbs: [{ title: '我的企业' }] },
        beforeEnter: () => {
          const uscc = auth.user && auth.user.entity
          if (uscc) return { name: 'entity', params: { uscc }, replace: true }
          return true // the view explains that no entity is linked
        },
      },
      {
        path: 'reference',
        name: 'reference',
        component: () => import('./views/ReferenceView.vue'),
        meta: { title: '基础数据', roles: STAFF_ROLES, menu: '/reference', crumbs: [{ title: '基础数据' }] },
      },
      ...systemRoutes([
        { path: 'users', name: 'system-users', title: '用户管理', view: () => import('./views/system/UsersView.vue') },
        { path: 'login-log', name: 'system-login-log', title: '登录日志', view: () => import('./views/system/LoginLogView.vue') },
        { path: 'audit', name: 'system-audit', title: '操作审计', view: () => import('./views/system/AuditView.vue') },
        { path: 'calendar', name: 'system-calendar', title: '节假日设置', view: () => import('./views/system/CalendarView.vue') },
      ]),
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

router.beforeEach(async (to) => {
  if (!auth.loaded) {
    try {
      await loadMe()
    } catch {
      // server unreachable or failing: treat as logged out, the login page shows errors
    }
  }
  if (to.meta.public) {
    if (to.name === 'login' && auth.user) {
      const r = typeof to.query.redirect === 'string' && to.query.redirect.startsWith('/') ? to.query.redirect : '/'
      return r
    }
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
  document.title = to.meta.title ? `${to.meta.title} - 聊城市市场监管服务平台` : '聊城市市场监管服务平台'
})

export default router

import { createRouter, createWebHistory } from 'vue-router'
import { auth, loadMe } from './auth.js'
import { STAFF_ROLES, ALL_ROLES } from './labels.js'
import { ui } from './ui.js'
import MainLayout from './layouts/MainLayout.vue'

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
    return { name: 'home', replace: true }
  }
  return true
})

router.afterEach((to) => {
  ui.crumbTail = ''
  document.title = to.meta.title ? `${to.meta.title} - 聊城市市场监管服务平台` : '聊城市市场监管服务平台'
})

export default router

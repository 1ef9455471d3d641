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

// 双随机、一公开: the bureau plans, inspectors read (the API decides in the end).
const INSPECTION_STAFF = ['admin', 'bureau', 'inspector']
const INSPECTION_PLAN = ['admin', 'bureau']
// The breadcrumb of a page under 抽查任务 (a task's page adds its title as the tail).
function inspectionCrumbs(title) {
  const list = '/inspection-tasks'
  const crumbs = [{ title: menuGroup(list) }, { title: menuTitle(list), path: list }]
  return title ? [...crumbs, { title }] : crumbs
}

// 检查执法 (M5): the bureau and inspectors read; the API decides who writes what.
const ENFORCEMENT_STAFF = ['admin', 'bureau', 'inspector']
// A page under one of 检查执法's lists (list: its menu path): the breadcrumb leads back to it and
// ends with the page's title when `titled` (a record's page adds its own name instead).
function enforcementPage(path, name, list, title, component, titled = false) {
  const crumbs = [{ title: menuGroup(list) }, { title: menuTitle(list), path: list }]
  if (titled) crumbs.push({ title })
  return { path, name, component, meta: { title, roles: ENFORCEMENT_STAFF, menu: list, crumbs } }
}

// 气瓶充装 (M7): the bureau supervises (the station account has its desk). A list of the
// overview (kind: the view's list; the address cylinders/<segment>) sits under it in the menu.
const CYLINDER_STAFF = ['admin', 'bureau']
function cylinderList(kind, name, title, segment = kind) {
  const list = '/cylinders'
  const crumbs = [{ title: menuGroup(list) }, { title: menuTitle(list), path: list }, { title }]
  return {
    path: `cylinders/${segment}`,
    name,
    component: () => import('./views/cylinders/CylinderRecordsView.vue'),
    props: { kind },
    meta: { title, roles: CYLINDER_STAFF, menu: list, crumbs },
  }
}

// 特种设备 (M6): staff read the register and the rate (the bureau writes); an enterprise reads its
// own units. A unit's page sits under the menu entry the user has: the register or the
// enterprise's reminders.
const EQUIPMENT_STAFF = ['admin', 'bureau', 'inspector']
function equipmentPlace(to) {
  const own = !!auth.user && auth.user.role === 'enterprise'
  const list = own ? '/my-equipment' : '/equipment'
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
  // 双随机、一公开 for everyone (M4): the published tasks, one task's plan, commitment, seed and
  // results, the citizens' check of a draw, and the open-data files.
  {
    path: '/inspections',
    name: 'public-inspections',
    component: () => import('./views/inspections/PublicInspectionsView.vue'),
    meta: { public: true, title: '双随机抽查结果公示' },
  },
  {
    path: '/inspections/verify',
    name: 'public-verify',
    component: () => import('./views/inspections/PublicVerifyView.vue'),
    meta: { public: true, title: '抽取结果核验' },
  },
  {
    path: '/inspections/:id(\\d+)',
    name: 'public-inspection',
    component: () => import('./views/inspections/PublicInspectionView.vue'),
    meta: { public: true, title: '抽查结果公示' },
  },
  // The enterprise's QR page (一企一码 → {public_url}/m/entities/{uscc}/demand): phone-sized,
  // without the shell; it asks for the login itself and stays on the page.
  {
    path: '/m/entities/:uscc/demand',
    name: 'm-demand',
    component: () => import('./views/demands/MobileDemandView.vue'),
    meta: { public: true, title: '一企一码 · 提交诉求' },
  },
  // 扫码查瓶 (M7): a cylinder's QR label ({public_url}/m/cylinders/{code}), phone-sized, no login.
  {
    path: '/m/cylinders/:code',
    name: 'm-cylinder',
    component: () => import('./views/cylinders/PublicCylinderView.vue'),
    meta: { public: true, title: '扫码查瓶' },
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
      // 双随机、一公开 (M4): the tasks, the wizard of a new one, a task (its draw), and the
      // inspector's own targets.
      page('inspection-tasks', 'inspection-tasks', () => import('./views/inspections/TaskListView.vue'), { roles: INSPECTION_STAFF }),
      {
        path: 'inspection-tasks/new',
        name: 'inspection-task-new',
        component: () => import('./views/inspections/TaskWizardView.vue'),
        meta: { title: '新建抽查任务', roles: INSPECTION_PLAN, menu: '/inspection-tasks', crumbs: inspectionCrumbs('新建抽查任务') },
      },
      {
        path: 'inspection-tasks/:id(\\d+)',
        name: 'inspection-task',
        component: () => import('./views/inspections/TaskView.vue'),
        meta: { title: '抽查任务详情', roles: INSPECTION_STAFF, menu: '/inspection-tasks', crumbs: inspectionCrumbs() },
      },
      page('my-inspections', 'my-inspections', () => import('./views/inspections/MyInspectionsView.vue'), { roles: ['inspector'] }),
      // 执法人员 and their 行政执法证 (the planners record them).
      page('inspectors', 'inspectors', () => import('./views/inspections/InspectorsView.vue'), { roles: INSPECTION_PLAN }),
      // 检查执法 (M5): campaigns, inspection records (a new one), cases, coverage.
      page('enforcement/campaigns', 'enforcement-campaigns', () => import('./views/enforcement/CampaignListView.vue'), { roles: ENFORCEMENT_STAFF }),
      enforcementPage('enforcement/campaigns/:id(\\d+)', 'enforcement-campaign', '/enforcement/campaigns', '专项行动详情', () =>
        import('./views/enforcement/CampaignView.vue'),
      ),
      page('enforcement/inspections', 'enforcement-inspections', () => import('./views/enforcement/InspectionListView.vue'), {
        roles: ENFORCEMENT_STAFF,
      }),
      enforcementPage(
        'enforcement/inspections/new',
        'enforcement-inspection-new',
        '/enforcement/inspections',
        '新增检查记录',
        () => import('./views/enforcement/InspectionNewView.vue'),
        true,
      ),
      enforcementPage('enforcement/inspections/:id(\\d+)', 'enforcement-inspection', '/enforcement/inspections', '检查记录详情', () =>
        import('./views/enforcement/InspectionView.vue'),
      ),
      page('enforcement/cases', 'enforcement-cases', () => import('./views/enforcement/CaseListView.vue'), { roles: ENFORCEMENT_STAFF }),
      enforcementPage('enforcement/cases/:id(\\d+)', 'enforcement-case', '/enforcement/cases', '案件详情', () =>
        import('./views/enforcement/CaseView.vue'),
      ),
      page('enforcement/coverage', 'enforcement-coverage', () => import('./views/enforcement/CoverageView.vue'), { roles: ENFORCEMENT_STAFF }),
      // 特种设备 (M6): the register, a unit, the 定检率, the enterprise's reminders.
      page('equipment', 'equipment', () => import('./views/equipment/EquipmentListView.vue'), { roles: EQUIPMENT_STAFF }),
      page('equipment/rate', 'equipment-rate', () => import('./views/equipment/EquipmentRateView.vue'), { roles: EQUIPMENT_STAFF }),
      {
        path: 'equipment/:id(\\d+)',
        name: 'equipment-unit',
        component: () => import('./views/equipment/EquipmentView.vue'),
        meta: { title: '特种设备详情', roles: [...EQUIPMENT_STAFF, 'enterprise'], menu: '/equipment' },
      },
      page('my-equipment', 'my-equipment', () => import('./views/equipment/MyEquipmentView.vue'), { roles: ['enterprise'] }),
      // 气瓶充装 (M7): the bureau's overview and its lists, the station's desk.
      page('cylinders', 'cylinders', () => import('./views/cylinders/CylinderOverviewView.vue'), { roles: CYLINDER_STAFF }),
      page('cylinders/desk', 'cylinder-desk', () => import('./views/cylinders/StationDeskView.vue'), { roles: ['station'] }),
      cylinderList('stations', 'cylinder-stations', '充装单位'),
      cylinderList('fillers', 'cylinder-fillers', '充装人员'),
      cylinderList('cylinders', 'cylinder-list', '气瓶档案', 'all'),
      cylinderList('fillings', 'cylinder-fillings', '充装记录'),
      cylinderList('checks', 'cylinder-checks', '充装查验记录'),
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
router.beforeEach((to) => (to.name === 'demand' ? demandPlace(to) : to.name === 'equipment-unit' ? equipmentPlace(to) : true))

router.afterEach((to) => {
  ui.crumbTail = ''
  // An entity's own account reads its record as 我的企业.
  const own = to.name === 'entity' && auth.user && auth.user.entity === to.params.uscc
  const title = own ? menuTitle('/my-entity') : to.meta.title
  document.title = title ? `${title} - ${PRODUCT_NAME}` : PRODUCT_NAME
})

export default router

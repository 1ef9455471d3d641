// State of a list page over one of the API's lists ({items,total,page,page_size}, optional
// "total_exact": false): filters, paging, loading, errors, exports.
//
// The URL query is the source of truth, so a reload or a shared link keeps the filters and the
// page; search(), goPage() and the others push a new query and the watcher loads it.
import { reactive, ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { apiUrl } from './api.js'

function str(v) {
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : ''
}

function positiveInt(v, dflt) {
  const n = Number.parseInt(str(v), 10)
  return Number.isFinite(n) && n > 0 ? n : dflt
}

// opts: {path: API list path ('/users'), filters: ['q', 'role', ...], fetch: (query) => Promise,
//        pageSize: default page size, fixed: extra query always sent (e.g. a sort)}
export function useListPage(opts) {
  const route = useRoute()
  const router = useRouter()
  const routeName = route.name
  const defaultSize = opts.pageSize || 20
  const keys = opts.filters

  const filters = reactive(Object.fromEntries(keys.map((k) => [k, ''])))
  const page = ref(1)
  const pageSize = ref(defaultSize)
  const items = ref([])
  const total = ref(0)
  const totalExact = ref(true)
  const loading = ref(false)
  const error = ref('')

  function readQuery(q) {
    for (const k of keys) filters[k] = str(q[k])
    page.value = positiveInt(q.page, 1)
    pageSize.value = Math.min(positiveInt(q.page_size, defaultSize), 200)
  }

  function activeFilters() {
    const out = {}
    for (const k of keys) if (filters[k] !== '' && filters[k] !== null && filters[k] !== undefined) out[k] = String(filters[k])
    return out
  }

  function push(p, size) {
    const query = activeFilters()
    if (p > 1) query.page = String(p)
    if (size !== defaultSize) query.page_size = String(size)
    return router.push({ query })
  }

  let seq = 0
  async function load() {
    const my = ++seq
    loading.value = true
    error.value = ''
    try {
      const r = await opts.fetch({ ...(opts.fixed || {}), ...activeFilters(), page: page.value, page_size: pageSize.value })
      if (my !== seq) return
      items.value = r.items || []
      total.value = r.total || 0
      totalExact.value = r.total_exact !== false
    } catch (e) {
      if (my !== seq) return
      items.value = []
      total.value = 0
      totalExact.value = true
      if (e.status !== 401) error.value = e.message
    } finally {
      if (my === seq) loading.value = false
    }
  }

  watch(
    () => route.query,
    (q) => {
      if (route.name !== routeName) return // leaving the page
      readQuery(q)
      load()
    },
    { immediate: true },
  )

  return {
    filters,
    page,
    pageSize,
    items,
    total,
    totalExact,
    loading,
    error,
    activeFilters,
    // Run the filters from the first page.
    search: () => push(1, pageSize.value),
    reset: () => {
      for (const k of keys) filters[k] = ''
      return push(1, pageSize.value)
    },
    goPage: (p) => push(p, pageSize.value),
    changeSize: (size) => push(1, size),
    // Load the same query again (after a change made on this page).
    reload: load,
    // The whole filtered list as a file (every matching row, not just this page).
    exportUrl: (format) => apiUrl(opts.path, { ...(opts.fixed || {}), ...activeFilters(), format }),
  }
}

// The machinery of list pages over the API's lists ({items,total,page,page_size}, optional
// "total_exact": false): filters, sort, paging, loading and errors (useListPage), and the
// files a list gives and takes — exports (direct or as a background job), the CSV of selected
// rows, the import template and the CSV import. DataList.vue is the one component that shows
// it; pages only declare their filters, columns and row actions.
//
// The URL query is the source of truth, so a reload or a shared link keeps the filters, the
// sort and the page; search(), goPage(), setSort() and the others push a new query and the
// watcher loads it. A list embedded in a record's page (local: true) keeps the same state in
// the component instead.
import { reactive, ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import api, { ApiError, apiUrl, request } from './api.js'
import { dateStamp } from './format.js'
import { enumLabel, listInfo, recordFields, recordLabel } from './labels.js'

function str(v) {
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : ''
}

function positiveInt(v, dflt) {
  const n = Number.parseInt(str(v), 10)
  return Number.isFinite(n) && n > 0 ? n : dflt
}

// ---- sort: the API's ?sort=key,-key ----

// "-name,region" → {key: 'name', order: 'descending'} (the first key, which a table shows).
export function parseSort(sort) {
  const first = (sort || '').split(',')[0]
  if (!first) return { key: '', order: null }
  return first.startsWith('-') ? { key: first.slice(1), order: 'descending' } : { key: first, order: 'ascending' }
}

// A table's sort-change (key, 'ascending' | 'descending' | null) as ?sort=.
export function sortParam(key, order) {
  if (!key || !order) return ''
  return order === 'descending' ? `-${key}` : key
}

// opts: {path: the API list path ('/users'), filters: ['q', 'role', ...],
//        fetch: (query) => Promise (default: GET path), pageSize: default page size,
//        fixed: extra query always sent, local: keep the state out of the URL}
export function useListPage(opts) {
  const local = !!opts.local
  const route = local ? null : useRoute()
  const router = local ? null : useRouter()
  const routeName = route && route.name
  const defaultSize = opts.pageSize || 20
  const keys = opts.filters || []
  const fetchList = opts.fetch || ((query) => api.get(opts.path, query))

  const filters = reactive(Object.fromEntries(keys.map((k) => [k, ''])))
  const page = ref(1)
  const pageSize = ref(defaultSize)
  const sort = ref('')
  const items = ref([])
  const total = ref(0)
  const totalExact = ref(true)
  const loading = ref(false)
  const error = ref('')
  // Bumped by every load that answers, so a view can react (scroll to the top, clear a selection).
  const loads = ref(0)

  // The filters and sort of the list shown (the URL's, or the last search's when local), as
  // opposed to `filters`, which the form edits before the next search.
  const applied = ref({})

  function readQuery(q) {
    for (const k of keys) filters[k] = str(q[k])
    page.value = positiveInt(q.page, 1)
    pageSize.value = Math.min(positiveInt(q.page_size, defaultSize), 200)
    sort.value = str(q.sort)
    applied.value = activeFilters()
  }

  function activeFilters() {
    const out = {}
    for (const k of keys) if (filters[k] !== '' && filters[k] !== null && filters[k] !== undefined) out[k] = String(filters[k])
    return out
  }

  // The query of the whole list shown, without paging: what a reload, an export or a
  // background job runs.
  function listQuery() {
    const q = { ...(opts.fixed || {}), ...applied.value }
    if (sort.value) q.sort = sort.value
    return q
  }

  function push(p, size, newSort = sort.value) {
    const query = activeFilters()
    if (newSort) query.sort = newSort
    if (p > 1) query.page = String(p)
    if (size !== defaultSize) query.page_size = String(size)
    if (local) {
      readQuery(query)
      return load()
    }
    return router.push({ query })
  }

  let seq = 0
  async function load() {
    const my = ++seq
    loading.value = true
    error.value = ''
    try {
      const r = await fetchList({ ...listQuery(), page: page.value, page_size: pageSize.value })
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
      if (my === seq) {
        loading.value = false
        loads.value++
      }
    }
  }

  if (local) {
    readQuery({})
    load()
  } else {
    watch(
      () => route.query,
      (q) => {
        if (route.name !== routeName) return // leaving the page
        readQuery(q)
        load()
      },
      { immediate: true },
    )
  }

  return {
    path: opts.path,
    local,
    filters,
    page,
    pageSize,
    sort,
    items,
    total,
    totalExact,
    loading,
    error,
    loads,
    activeFilters,
    applied,
    listQuery,
    // Run the filters from the first page.
    search: () => push(1, pageSize.value),
    reset: () => {
      for (const k of keys) filters[k] = ''
      return push(1, pageSize.value)
    },
    goPage: (p) => push(p, pageSize.value),
    changeSize: (size) => push(1, size),
    // A new order (?sort=key or -key; '' for the server's default), from the first page.
    setSort: (s) => (s === sort.value ? Promise.resolve() : push(1, pageSize.value, s)),
    // Load the same query again (after a change made on this page, or the refresh button).
    reload: load,
    // The whole filtered list as a file URL (every matching row, not just this page).
    exportUrl: (format) => apiUrl(opts.path, { ...listQuery(), format }),
  }
}

// ---- what the server declares of a list (GET /meta "lists"), with the page's fallbacks ----

// {record, sorts: [...], exportable} for the list at path: the server's declaration wins, the
// page's props (fallback: {record, sorts, exportable}) stand in until /meta carries it.
export function listTraits(path, fallback = {}) {
  const info = listInfo(path)
  return {
    record: (info && info.record) || fallback.record || '',
    sorts: info && Array.isArray(info.sorts) ? info.sorts : fallback.sorts || [],
    exportable: info && typeof info.export === 'boolean' ? info.export : !!fallback.exportable,
  }
}

// Names of the fields an import of record takes: every field /meta lists that is neither
// computed (readonly) nor set by rules only (internal); secret fields are not listed at all.
export function importableFields(record) {
  return Object.entries(recordFields(record))
    .filter(([, f]) => !f.readonly && !f.internal)
    .map(([name]) => name)
}

// ---- files: saving, CSV ----

// Hands bytes to the browser as a download called name.
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

// The file name of a Content-Disposition header (RFC 6266: filename* wins), or ''.
export function dispositionName(header) {
  if (!header) return ''
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[2].trim().replace(/^"|"$/g, ''))
    } catch {
      // a malformed encoding: try the plain name
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header)
  return plain ? (plain[2] ?? plain[1]).trim() : ''
}

// A cell as CSV text: quoted when needed; text a spreadsheet would run as a formula is
// prefixed with an apostrophe, as the server's exports do (core/formula.c).
function csvCell(v) {
  let s = v === null || v === undefined ? '' : String(v)
  if (/^[=+\-@]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

// CSV text (UTF-8 with BOM, CRLF, as Excel opens it) of a header row and rows of cells.
export function csvText(header, rows) {
  return '\uFEFF' + [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'
}

export function csvBlob(header, rows) {
  return new Blob([csvText(header, rows)], { type: 'text/csv;charset=utf-8' })
}

// The import template of record: the header row of the fields an import takes.
export function saveImportTemplate(record) {
  saveBlob(csvBlob(importableFields(record), []), `${recordLabel(record)}_导入模板.csv`)
}

// The selected rows as a CSV file, with the columns as the table shows them: Chinese headers,
// enumeration labels. columns: [{key, label, text?: (row) => string}].
export function saveRowsCsv(record, columns, rows, name = `${recordLabel(record)}_所选_${dateStamp()}.csv`) {
  const header = columns.map((c) => c.label)
  const body = rows.map((row) => columns.map((c) => cellText(record, c, row)))
  saveBlob(csvBlob(header, body), name)
}

// What a cell shows as plain text: the column's own text, an enumeration label, or the value.
export function cellText(record, column, row) {
  if (column.text) return column.text(row)
  const v = row[column.key]
  if (typeof v === 'boolean') return v ? '是' : '否'
  return record ? enumLabel(record, column.key, v) : v === null || v === undefined ? '' : String(v)
}

// ---- raw HTTP: files in and out (api.js speaks JSON) ----

// After a 401 on a call made here, one call through api.js lets the app's session handler
// send the user to the login page, as every other call does.
function sessionEnded() {
  api.meta().catch(() => {})
}

async function errorOf(res) {
  let e = {}
  try {
    e = (await res.json()).error || {}
  } catch {
    // not JSON: the status's own message
  }
  if (res.status === 401) sessionEnded()
  return new ApiError({ status: res.status, code: e.code || `http_${res.status}`, message: e.message, field: e.field || null })
}

async function send(url, init) {
  try {
    return await fetch(url, { credentials: 'same-origin', ...init })
  } catch {
    throw new ApiError({ status: 0, code: 'network_error' })
  }
}

// Downloads the file at url (an API address) and saves it under the name the server gives
// (Content-Disposition) or name. Throws ApiError with the server's message.
export async function downloadFile(url, name) {
  const res = await send(url, { headers: { Accept: '*/*' } })
  if (!res.ok) throw await errorOf(res)
  const blob = await res.blob()
  const saved = name || dispositionName(res.headers.get('Content-Disposition')) || url.split('/').pop()
  saveBlob(blob, saved)
  return saved
}

// The CSRF token of this session, for writes that api.js cannot send (a raw CSV body).
async function csrfToken() {
  const me = await api.me()
  return me.csrf_token || ''
}

// POST path/import with the CSV file as it is (bytes, so the server judges the encoding).
// Answers {inserted, updated, flagged}; throws ApiError, whose `lines` holds the rejected
// file's problems [{line, field, message}] (422 import_rejected).
export async function importCsv(path, file) {
  const token = await csrfToken()
  const res = await send(apiUrl(`${path}/import`), {
    method: 'POST',
    headers: { 'Content-Type': 'text/csv', Accept: 'application/json', 'X-CSRF-Token': token },
    body: file,
  })
  if (res.ok) return res.json()
  let body = null
  try {
    body = await res.json()
  } catch {
    body = null
  }
  const e = (body && body.error) || {}
  if (res.status === 401) sessionEnded()
  const err = new ApiError({ status: res.status, code: e.code || `http_${res.status}`, message: e.message, field: e.field || null })
  err.lines = Array.isArray(e.lines) ? e.lines : []
  err.count = e.count || err.lines.length
  throw err
}

// ---- exports ----

export const EXPORT_DIRECT_MAX = 100_000 // the server's limit on a file answered at once
export const EXPORT_POLL_MS = 700

export const FORMAT_EXT = { xlsx: 'xlsx', csv: 'csv' }

// Whether a list of total rows (exact or a lower bound) goes to a background job.
export function exportNeedsJob(total, exact) {
  return exact === false || total > EXPORT_DIRECT_MAX
}

// The list at path with query, as a file, at once. Throws ApiError (code export_too_large when
// the server wants a background job instead).
export function exportDirect(path, query, format) {
  return downloadFile(apiUrl(path, { ...query, format }))
}

// Starts a background export: {id, status, rows, total, filename}.
export function startExportJob(path, query, format) {
  return request('POST', '/exports', { body: { path: `/api/v1${path}`, query, format } })
}

export function exportJob(id) {
  return request('GET', `/exports/${encodeURIComponent(id)}`)
}

// The finished job's file, saved under the job's (Chinese) file name.
export function downloadJobFile(job) {
  return downloadFile(apiUrl(`/exports/${encodeURIComponent(job.id)}/file`), job.filename)
}

// Polls a job until it is done or failed; onProgress(job) after each answer. Resolves with the
// last state; stop() makes it resolve early with null.
export function watchExportJob(job, onProgress, interval = EXPORT_POLL_MS) {
  let stopped = false
  let timer = null
  let wake = null
  const done = (async () => {
    let j = job
    while (!stopped && j.status === 'running') {
      await new Promise((resolve) => {
        wake = resolve
        timer = setTimeout(resolve, interval)
      })
      if (stopped) break
      j = await exportJob(j.id)
      onProgress(j)
    }
    return stopped ? null : j
  })()
  return {
    done,
    stop() {
      stopped = true
      clearTimeout(timer)
      if (wake) wake()
    },
  }
}

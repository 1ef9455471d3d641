// All HTTP access to the jianguan API goes through this module.
//
// - cookie auth (credentials: 'same-origin'); the session cookie is HttpOnly,
//   so the browser never sees the token itself
// - every non-GET request carries X-CSRF-Token (from login / auth/me)
// - errors are thrown as ApiError with status, code, message (Chinese), field
// - a 401 on any call except login/me/logout triggers the unauthorized handler
//   (the app sends the user to /login and says why)

export const API_BASE = '/api/v1'

let csrfToken = ''
let unauthorizedHandler = null

export function setCsrfToken(token) {
  csrfToken = token || ''
}

export function onUnauthorized(fn) {
  unauthorizedHandler = fn
}

export class ApiError extends Error {
  constructor({ status = 0, code = 'error', message, field = null, reasons = null }) {
    super(message || fallbackMessage(status))
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
    // Every reason of a refusal that has several ([{code, message}]: a filling refused, a
    // decision the 免罚轻罚 check does not allow), or null.
    this.reasons = reasons
  }
}

const STATUS_MESSAGES = {
  0: '网络错误，无法连接服务器',
  400: '请求格式错误',
  401: '未登录或登录已过期，请重新登录',
  403: '没有权限执行此操作',
  404: '请求的资源不存在',
  405: '不支持的请求方法',
  409: '数据状态冲突，请刷新后重试',
  413: '提交的数据过大',
  415: '不支持的数据格式',
  422: '提交的数据未通过校验',
  429: '操作过于频繁，请稍后再试',
  500: '服务器内部错误',
  502: '服务暂不可用',
  503: '服务暂不可用',
  504: '服务响应超时',
}

function fallbackMessage(status) {
  return STATUS_MESSAGES[status] || `请求失败（${status}）`
}

// Build a query string, leaving out empty values.
export function buildQuery(params = {}) {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    qs.append(k, String(v))
  }
  const s = qs.toString()
  return s ? `?${s}` : ''
}

// URL of an API resource, for <a href> downloads and <img src>.
export function apiUrl(path, params) {
  return API_BASE + path + buildQuery(params)
}

const NO_REDIRECT_PATHS = new Set(['/auth/login', '/auth/me', '/auth/logout'])

export async function request(method, path, { query, body, signal } = {}) {
  const headers = { Accept: 'application/json' }
  const init = { method, headers, credentials: 'same-origin', signal }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) {
    headers['X-CSRF-Token'] = csrfToken
  }

  let res
  try {
    res = await fetch(apiUrl(path, query), init)
  } catch (e) {
    if (e && e.name === 'AbortError') throw e
    throw new ApiError({ status: 0, code: 'network_error' })
  }

  let data = null
  if (res.status !== 204) {
    const text = await res.text()
    if (text) {
      try {
        data = JSON.parse(text)
      } catch {
        data = null
      }
    }
  }

  if (!res.ok) {
    const e = (data && data.error) || {}
    const err = new ApiError({
      status: res.status,
      code: e.code || `http_${res.status}`,
      message: e.message,
      field: e.field || null,
      reasons: Array.isArray(e.reasons) ? e.reasons : null,
    })
    if (res.status === 401 && !NO_REDIRECT_PATHS.has(path) && unauthorizedHandler) {
      unauthorizedHandler(err)
    }
    throw err
  }
  return data
}

export const api = {
  get: (path, query, opts) => request('GET', path, { ...opts, query }),
  post: (path, body, opts) => request('POST', path, { ...opts, body }),
  patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
  put: (path, body, opts) => request('PUT', path, { ...opts, body }),
  del: (path, opts) => request('DELETE', path, opts),

  // auth
  login: (username, password) => request('POST', '/auth/login', { body: { username, password } }),
  me: () => request('GET', '/auth/me'),
  logout: () => request('POST', '/auth/logout'),
  changePassword: (oldPassword, newPassword) =>
    request('POST', '/auth/password', { body: { old_password: oldPassword, new_password: newPassword } }),

  // labels of records, roles and audit actions
  meta: () => request('GET', '/meta'),

  // reference data
  regions: () => request('GET', '/regions'),
  chains: () => request('GET', '/chains'),
  departments: () => request('GET', '/departments'),

  // market entities (M1)
  entities: (query) => request('GET', '/entities', { query }),
  entity: (uscc) => request('GET', `/entities/${encodeURIComponent(uscc)}`),
  updateEntity: (uscc, changes) => request('PATCH', `/entities/${encodeURIComponent(uscc)}`, { body: changes }),
  entityHistory: (uscc) => request('GET', `/entities/${encodeURIComponent(uscc)}/history`),
  entityQrUrl: (uscc) => apiUrl(`/entities/${encodeURIComponent(uscc)}/qr.svg`),

  // service catalogue (M3): reading is public, drafts only for staff
  services: (query) => request('GET', '/services', { query }),
  service: (id) => request('GET', `/services/${encodeURIComponent(id)}`),
  createService: (item) => request('POST', '/services', { body: item }),
  updateService: (id, changes) => request('PATCH', `/services/${encodeURIComponent(id)}`, { body: changes }),

  // system administration (admin)
  users: (query) => request('GET', '/users', { query }),
  user: (id) => request('GET', `/users/${id}`),
  createUser: (user) => request('POST', '/users', { body: user }),
  updateUser: (id, changes) => request('PATCH', `/users/${id}`, { body: changes }),
  disableUser: (id) => request('POST', `/users/${id}/disable`),
  enableUser: (id) => request('POST', `/users/${id}/enable`),
  resetPassword: (id, password) => request('POST', `/users/${id}/password`, { body: { password } }),
  revokeUser: (id) => request('POST', `/users/${id}/revoke`),
  userSessions: (id) => request('GET', `/users/${id}/sessions`),
  issueToken: (id) => request('POST', `/users/${id}/tokens`),
  loginLocks: () => request('GET', '/login-locks'),
  unlockLogin: (username) => request('DELETE', `/login-locks/${encodeURIComponent(username)}`),
  loginLog: (query) => request('GET', '/login-log', { query }),
  audit: (query) => request('GET', '/audit', { query }),
  verifyAudit: () => request('GET', '/audit/verify'),

  // working-day calendar
  calendar: (year) => request('GET', '/calendar', { query: { year } }),
  setCalendarDay: (date, kind, name) => request('PUT', `/calendar/${date}`, { body: { kind, name } }),
  deleteCalendarDay: (date) => request('DELETE', `/calendar/${date}`),
  addWorkdays: (from, days) => request('GET', '/workdays/add', { query: { from, days } }),
}

export default api

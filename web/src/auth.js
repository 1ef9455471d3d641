// Small reactive auth store (no Pinia needed).
import { reactive, readonly } from 'vue'
import api, { setCsrfToken } from './api.js'
import { loadMeta } from './labels.js'

const state = reactive({
  user: null, // user object from the API, or null
  loaded: false, // true once /auth/me has answered (either way)
})

export const auth = readonly(state)

function setSession(user, csrf) {
  state.user = user || null
  setCsrfToken(csrf)
  // Labels for records, roles and actions: once per page load, as soon as someone is logged in.
  if (state.user) loadMeta()
}

// Ask the server who we are; a 401 simply means "not logged in".
export async function loadMe() {
  try {
    const data = await api.me()
    setSession(data.user, data.csrf_token)
  } catch (e) {
    if (e.status !== 401) {
      state.loaded = true
      throw e
    }
    setSession(null, '')
  }
  state.loaded = true
  return state.user
}

export async function login(username, password) {
  const data = await api.login(username, password)
  setSession(data.user, data.csrf_token)
  state.loaded = true
  return state.user
}

export async function logout() {
  try {
    await api.logout()
  } finally {
    clearSession()
  }
}

// Forget the session locally (after a 401 or logout).
export function clearSession() {
  setSession(null, '')
  state.loaded = true
}

export function hasRole(...roles) {
  return !!state.user && roles.includes(state.user.role)
}

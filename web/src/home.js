// The home page's entity count, asked for as early as possible: when the router enters the home
// page (right after logging in, before the page's code has loaded and rendered), not when the
// page has rendered — the first render after logging in is the slow part.
import api from './api.js'

let early = null // the count started by the router, not yet taken by the page

// The number of market entities the user may see matching `filters` (the list's total).
export async function countEntities(filters = {}) {
  const r = await api.entities({ ...filters, page: 1, page_size: 1 })
  return r.total
}

// Starts counting the user's entities (router guard of the home page).
export function prefetchEntityTotal() {
  early = countEntities()
  early.catch(() => {}) // the page reports a failure when it takes the answer
}

// The count for the page: the one started early if any (once), else a fresh one.
export function takeEntityTotal() {
  const p = early || countEntities()
  early = null
  return p
}

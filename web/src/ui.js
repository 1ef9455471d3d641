// Small reactive UI state shared between the layout and the pages.
import { reactive } from 'vue'

export const PRODUCT_NAME = '聊城市市场监管服务平台'

export const ui = reactive({
  // A page may set `crumbTail` to show a dynamic last breadcrumb item (e.g. an entity name).
  crumbTail: '',
  // The tabs of open pages under the header (desktop): {key, path, title}, home first.
  tabs: [],
  // Whose tabs these are (user id): another user starts afresh.
  tabsOwner: null,
})

export const HOME_TAB = { key: '/', path: '/', title: '首页概览' }
const MAX_TABS = 12

// Starts the tab bar afresh for `owner` unless it is already theirs.
export function tabsFor(owner) {
  if (ui.tabsOwner === owner && ui.tabs.length) return
  ui.tabsOwner = owner
  ui.tabs = [{ ...HOME_TAB }]
}

// Adds the page `key` (its path) or brings its tab up to date: `path` is where the tab leads
// back to (with the query, so a list keeps its filters), `title` what it says. Past MAX_TABS
// the oldest tab other than home and this one closes.
export function openTab(key, path, title) {
  const t = ui.tabs.find((x) => x.key === key)
  if (t) {
    t.path = path
    t.title = title
    return
  }
  ui.tabs.push({ key, path, title })
  if (ui.tabs.length > MAX_TABS) ui.tabs.splice(1, 1)
}

// Closes the tab `key` (home stays). Returns the path to show next when the closed tab was
// the current page `current` — its right neighbour, else its left one — or null.
export function closeTab(key, current) {
  const i = ui.tabs.findIndex((x) => x.key === key)
  if (i <= 0) return null
  ui.tabs.splice(i, 1)
  if (key !== current) return null
  const next = ui.tabs[i] || ui.tabs[i - 1]
  return next.path
}

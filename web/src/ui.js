// Small reactive UI state shared between the layout and the pages.
import { reactive } from 'vue'

// A page may set `crumbTail` to show a dynamic last breadcrumb item (e.g. an entity name).
export const ui = reactive({ crumbTail: '' })

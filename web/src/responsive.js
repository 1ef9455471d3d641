// The viewport class, for pages that lay out differently on a phone (dialogs, forms, pagers).
import { ref } from 'vue'

const PHONE = '(max-width: 767px)'

const mq = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(PHONE) : null

// true on a phone-sized viewport; follows resizes and rotations.
export const isPhone = ref(mq ? mq.matches : false)

if (mq) mq.addEventListener('change', (e) => (isPhone.value = e.matches))

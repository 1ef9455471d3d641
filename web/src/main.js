import { createApp } from 'vue'
import ElementPlus, { ElMessage } from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import 'element-plus/dist/index.css'
import './style.css'

import App from './App.vue'
import router from './router.js'
import { onUnauthorized } from './api.js'
import { auth, clearSession } from './auth.js'

// Any API call answered 401 while logged in (session expired, revoked, logged out elsewhere)
// leads to the login page, saying why, and back to the page the user was on after logging in;
// several calls failing at once show one message.
onUnauthorized(() => {
  if (!auth.user) return // another failing call got here first
  clearSession()
  const current = router.currentRoute.value
  if (current.name === 'login') return
  ElMessage({ type: 'warning', message: '登录已过期，请重新登录', grouping: true, customClass: 'jg-msg-expired' })
  router.replace({ name: 'login', query: current.fullPath !== '/' ? { redirect: current.fullPath } : {} })
})

const app = createApp(App)
app.use(ElementPlus, { locale: zhCn })
app.use(router)
app.mount('#app')

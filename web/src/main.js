import { createApp } from 'vue'
import ElementPlus, { ElMessage } from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import 'element-plus/dist/index.css'
import './style.css'

import App from './App.vue'
import router from './router.js'
import { onUnauthorized } from './api.js'
import { clearSession } from './auth.js'

// Any API call answered 401 (session expired, revoked, logged out elsewhere) leads to the login
// page, saying why; several calls failing at once show one message.
onUnauthorized(() => {
  clearSession()
  const current = router.currentRoute.value
  if (current.name !== 'login') {
    ElMessage({ type: 'warning', message: '登录已失效，请重新登录', grouping: true, customClass: 'jg-msg-expired' })
    router.replace({ name: 'login', query: current.fullPath !== '/' ? { redirect: current.fullPath } : {} })
  }
})

const app = createApp(App)
app.use(ElementPlus, { locale: zhCn })
app.use(router)
app.mount('#app')

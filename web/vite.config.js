import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// During `npm run dev`, API calls go to a running `jianguan serve`
// (override with JIANGUAN_API=http://host:port).
const api = process.env.JIANGUAN_API || 'http://127.0.0.1:8080'

export default defineConfig({
  base: '/',
  plugins: [vue()],
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/healthz': { target: api },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // Vendor chunks, long-cached: Vue, Element Plus (imported whole) and ECharts apart, so that
    // the login page loads no ECharts (checked by tests/web/shell.test.mjs). `codeSplitting`
    // is Rolldown's successor of Rollup's `manualChunks`, which Vite 8 ignores beside it.
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'vue', test: /[\\/]node_modules[\\/](@vue|vue|vue-router)[\\/]/, priority: 30 },
            { name: 'element-plus', test: /[\\/]node_modules[\\/](element-plus|@element-plus)[\\/]/, priority: 20 },
            { name: 'echarts', test: /[\\/]node_modules[\\/](echarts|zrender)[\\/]/, priority: 20 },
            { name: 'vendor', test: /[\\/]node_modules[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
})

// The life of an ECharts chart in a component, once for every chart: made on mount from
// option(), redrawn when the watched sources change, resized with the window, disposed on
// unmount. Each chart component registers the ECharts parts it needs (echarts.use) and hands
// its element ref, its option function and what to watch.
import { onBeforeUnmount, onMounted, watch } from 'vue'
import * as echarts from 'echarts/core'

export function useChart(el, option, sources) {
  let chart = null
  const resize = () => chart && chart.resize()
  onMounted(() => {
    chart = echarts.init(el.value)
    chart.setOption(option())
    window.addEventListener('resize', resize)
  })
  watch(sources, () => chart && chart.setOption(option(), true), { deep: true })
  onBeforeUnmount(() => {
    window.removeEventListener('resize', resize)
    if (chart) chart.dispose()
    chart = null
  })
}

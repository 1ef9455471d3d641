// Formatting of numbers, times and list totals for display (zh-CN, China Standard Time).

const NUM = new Intl.NumberFormat('zh-CN')

// 12345 → "12,345".
export function thousands(n) {
  return NUM.format(Number(n) || 0)
}

// A list's total as the API answered it: past the server's count cap ("total_exact": false)
// the total is only a lower bound, shown as "超过 10,000".
export function formatTotal(total, exact = true) {
  return exact === false ? `超过 ${thousands(total)}` : thousands(total)
}

// RFC 3339 time from the API → "2026-12-02 23:35:44" in China Standard Time.
export function formatTime(at) {
  if (!at) return ''
  const d = new Date(at)
  if (Number.isNaN(d.getTime())) return String(at)
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('zh-CN', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  )
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`
}

const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六']

// "2026-10-01" → "星期四" (the date is a calendar day, not a moment: no time zone involved).
export function weekday(date) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || '')
  if (!m) return ''
  return WEEKDAYS[new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDay()]
}

// Today in China Standard Time as YYYY-MM-DD.
export function todayCst() {
  return formatTime(new Date().toISOString()).slice(0, 10)
}

// Number of characters as users count them (code points, as the server does).
export function charCount(s) {
  return Array.from(s || '').length
}

// Today in China Standard Time as YYYYMMDD, as the server stamps its file names.
export function dateStamp() {
  return todayCst().replaceAll('-', '')
}

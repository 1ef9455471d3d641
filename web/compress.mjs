// Writes a brotli (.br) and a gzip (.gz) copy beside each compressible file of dist/, which the
// server sends to browsers that accept them (src/http/static.c). Run after `vite build`.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const DIST = path.join(path.dirname(new URL(import.meta.url).pathname), 'dist')
const TEXT = /\.(js|css|html|svg|json|txt|map)$/
const MIN_BYTES = 1024 // below this the headers cost more than compression saves

let before = 0
let after = 0
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name)
    if (statSync(file).isDirectory()) {
      walk(file)
      continue
    }
    if (!TEXT.test(name)) continue
    const data = readFileSync(file)
    if (data.length < MIN_BYTES) continue
    const br = brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    })
    const gz = gzipSync(data, { level: 9 })
    writeFileSync(`${file}.br`, br)
    writeFileSync(`${file}.gz`, gz)
    before += data.length
    after += br.length
  }
}

walk(DIST)
console.log(`compressed: ${(before / 1024).toFixed(0)} KiB -> ${(after / 1024).toFixed(0)} KiB (brotli)`)

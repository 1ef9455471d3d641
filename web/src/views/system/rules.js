// Form rules that mirror the server's checks on accounts (src/accounts/accounts.c), so that a
// form says what is wrong before it is sent; the server's answer is still shown when it refuses.
import { charCount } from '../../format.js'

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 128
export const PASSWORD_MESSAGE = `密码长度须为 ${PASSWORD_MIN}–${PASSWORD_MAX} 个字符`
export const USERNAME_RE = /^[a-z0-9_.-]{2,32}$/
export const USERNAME_MESSAGE = '用户名须为 2–32 位小写字母、数字或 _ . -'

export function passwordOk(p) {
  const n = charCount(p)
  return n >= PASSWORD_MIN && n <= PASSWORD_MAX
}

// Rules for a new password and its confirmation held in form[pwKey] and form[confirmKey].
export function passwordRules(form, pwKey, confirmKey, required = '请输入新密码') {
  return {
    [pwKey]: [
      { required: true, message: required, trigger: 'blur' },
      {
        validator: (_r, v, cb) => (passwordOk(v) ? cb() : cb(new Error(PASSWORD_MESSAGE))),
        trigger: 'blur',
      },
    ],
    [confirmKey]: [
      { required: true, message: '请再次输入新密码', trigger: 'blur' },
      {
        validator: (_r, v, cb) => (v === form[pwKey] ? cb() : cb(new Error('两次输入的密码不一致'))),
        trigger: 'blur',
      },
    ],
  }
}

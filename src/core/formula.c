/* SPDX-License-Identifier: MIT */
/* Formula-safe cells (see formula.h). */
#include "core/formula.h"

#include <string.h>

int formula_needs_escape(const char *s)
{
    static const char *const wide[] = {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D",
                                       "\xEF\xBC\xA0"}; /* ＝ ＋ － ＠ */
    if (s[0] && strchr("=+-@\t\r|'", s[0]))
        return 1;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (!strncmp(s, wide[i], 3))
            return 1;
    return 0;
}

const char *formula_unescape(const char *s)
{
    return s[0] == '\'' && formula_needs_escape(s + 1) ? s + 1 : s;
}

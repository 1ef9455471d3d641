/* SPDX-License-Identifier: MIT */
/* Formula-safe cells (see formula.h). */
#include "core/formula.h"

int formula_needs_escape(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
}

const char *formula_unescape(const char *s)
{
    return s[0] == '\'' && formula_needs_escape(s + 1) ? s + 1 : s;
}

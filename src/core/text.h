/* SPDX-License-Identifier: MIT */
/*
 * Text a person typed into one field, as the platform accepts it: without white space at
 * either end, without control characters (a newline only where the field is long text), and
 * without the bidirectional overrides and isolates that make a name display differently from
 * what it is ("U+202E" turns "abc.exe" around). Pure functions on UTF-8.
 */
#ifndef JG_TEXT_H
#define JG_TEXT_H

#include <stddef.h>

enum text_problem {
    TEXT_OK = 0,
    TEXT_CONTROL, /* a C0 or C1 control, DEL, or a newline in a one-line field */
    TEXT_BIDI,    /* U+202A..U+202E or U+2066..U+2069 */
    TEXT_UTF8     /* not well-formed UTF-8 (a NUL byte included) */
};

/* What is wrong with s[0..len): TEXT_OK or the first problem. Tab and newline (LF, and CR
 * before LF) are allowed only when multiline. */
int text_check(const char *s, size_t len, int multiline);
/* Narrows s[0..len) to its text without white space at either end (ASCII space, tab, CR, LF,
 * U+00A0, U+3000). */
void text_trim(const char **s, size_t *len);
/* A Chinese sentence naming a problem of text_check ("含有控制字符"). */
const char *text_problem_message(int problem);

#endif

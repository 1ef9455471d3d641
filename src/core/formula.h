/* SPDX-License-Identifier: MIT */
/*
 * Spreadsheet formula injection. Spreadsheets run a cell that starts with = + - or @ as a
 * formula, so a name imported from elsewhere ("=HYPERLINK(...)") could act when staff open an
 * export. Exports write such text with a leading apostrophe, which Excel shows as plain text;
 * imports take it off again, so an export still re-imports unchanged.
 */
#ifndef JG_FORMULA_H
#define JG_FORMULA_H

/* Returns 1 when text s would be read as a formula. */
int formula_needs_escape(const char *s);
/* Returns s without the apostrophe an export added, if any. */
const char *formula_unescape(const char *s);

#endif

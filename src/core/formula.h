/* SPDX-License-Identifier: MIT */
/*
 * Spreadsheet formula injection. Spreadsheets run a cell that starts with = + - @ (or their
 * full-width forms ＝ ＋ － ＠, which some convert), a tab, a carriage return or | (DDE) as a
 * formula, so a name imported from elsewhere ("=HYPERLINK(...)") could act when staff open an
 * export. Exports write such text with a leading apostrophe, which Excel shows as plain text,
 * and also text that already starts with an apostrophe; imports take one apostrophe off such
 * text, so every value — the literal "'=1+1" included — re-imports unchanged.
 */
#ifndef JG_FORMULA_H
#define JG_FORMULA_H

/* Returns 1 when text s must be written with a leading apostrophe: it would be read as a
 * formula, or it starts with an apostrophe itself. */
int formula_needs_escape(const char *s);
/* Returns s without the apostrophe an export added, if any. */
const char *formula_unescape(const char *s);

#endif

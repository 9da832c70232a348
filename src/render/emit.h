/*
 * emit.h — the output toolkit every renderer shares (internal): numbers as
 * JSON, names made safe for a terminal, Markdown and CSV cells, verdict
 * words. One definition each, so the formats cannot drift apart.
 */
#ifndef PARITY_EMIT_H
#define PARITY_EMIT_H

#include "internal.h"

/* ---- JSON ---------------------------------------------------------------
 * Every number at full precision (%.17g, which round-trips a double).
 * Keyed values are written with a leading comma (the object's first key is
 * the caller's). JSON has no NaN or Infinity: a non-finite keyed number is
 * "key":null plus "key_nonfinite":"nan" | "inf" | "-inf"; inside arrays NaN
 * (unknown) is null and the infinities are the strings "inf" and "-inf",
 * so a clamp's two missing bounds stay apart. */

void parity__json_num(parity_buf *b, const char *key, double x);
/* One array element, after a comma when comma. */
void parity__json_elem(parity_buf *b, int comma, double x);
/* ,"key":[v0,v1,...] */
void parity__json_array(parity_buf *b, const char *key, const double *v, int64_t n);
void parity__json_ints(parity_buf *b, const char *key, const int64_t *v, size_t n);
void parity__json_u64(parity_buf *b, const char *key, uint64_t x);
void parity__json_bool(parity_buf *b, const char *key, int x);
/* ,"key":"s" escaped, or null when s is NULL. */
void parity__json_str(parity_buf *b, const char *key, const char *s);
/* ,"key":[1,80,200]: the shape of t. */
void parity__json_shape(parity_buf *b, const char *key, const parity_tensor *t);
/* ,"key":[0,3,17]: the multi-index of flat index flat in view t. */
void parity__json_index(parity_buf *b, const char *key, const parity_tensor *t,
                        uint64_t flat);

/* ---- text --------------------------------------------------------------- */

/* s with every control character shown as an escape (\n, \t, \r, \x1b,
 * \u0085 for the C1 range), so a tensor name or a label can neither break
 * a line nor drive the terminal. */
void parity__emit_text(parity_buf *b, const char *s);
/* How many bytes parity__emit_text writes for s (a column's width). */
int parity__text_cols(const char *s);
/* parity__emit_text, then spaces up to width bytes (a left-aligned cell). */
void parity__emit_text_pad(parity_buf *b, const char *s, int width);

/* A Markdown table cell: " text |", '|' as "\|", control characters as in
 * parity__emit_text. */
void parity__emit_md_cell(parity_buf *b, const char *s);
/* Markdown text without the cell's frame (inside a cell the caller opens,
 * headings, bullets): the same escapes; backticks are the caller's. */
void parity__emit_md_text(parity_buf *b, const char *s);

/* A CSV field (RFC 4180) after a comma unless first: quoted when it holds
 * a comma, quote or control character, quotes doubled, control characters
 * escaped as in parity__emit_text. NULL is an empty field. */
void parity__emit_csv_field(parity_buf *b, const char *s, int first);

/* ---- verdicts ----------------------------------------------------------- */

/* "MATCH", "SMALL DIFF", "LARGE DIFF", with the glyph (✅ ⚠️ ❌) first when
 * unicode and in ANSI colour when color. */
void parity__emit_verdict(parity_buf *b, parity_verdict v, int unicode, int color);

#endif /* PARITY_EMIT_H */

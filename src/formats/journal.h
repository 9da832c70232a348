/*
 * journal.h — the trace journal (internal): what a single-file trace is
 * while its tracer runs, so that a crash (SIGKILL included) loses no stage
 * already recorded. Written by the C tracer (journal_write.c) and the
 * Python tracer (python/parity_trace/_journal.py), read by parity
 * (journal.c) and by parity_trace.read_trace. docs/tracing.md describes
 * it for users.
 *
 * Byte layout (integers little-endian):
 *
 *   offset 0      16 bytes   "PARITY-JOURNAL/1", the magic
 *   offset 16     records, each at an offset that is a multiple of 8:
 *     u64 L                  the length of what follows, without padding
 *     L bytes                a complete safetensors file: 8-byte header
 *                            length, JSON header, the data of its tensors
 *     0..7 zero bytes        padding to the next multiple of 8
 *
 * Each record is appended whole, with one write, after the stage it holds
 * was recorded. A record says what it adds to the trace: its tensors are
 * stages (in header order), and its "__metadata__" holds changes to the
 * trace's metadata, under the keys the finished file uses:
 *   "parity.order"    a JSON array: the stages the record adds to the
 *                     order; absent: the names of its tensors
 *   "parity.inputs"   a JSON array: stages now marked as inputs
 *   "parity.parents"  a JSON object: stage -> parents (a stage given again
 *                     takes its last value)
 *   "parity.aliases"  a JSON object: alias -> stored stage (the same rule)
 *   any other key     user metadata; the last value given wins
 * A reader takes every complete record in order. What follows the last
 * complete record (a record cut short by the crash, or zero bytes where a
 * file system lost the tail: a length of 0 ends the journal) is the stage
 * being written when the tracer died; it is dropped and counted. A record
 * that is complete but not a valid safetensors file is damage, not a
 * crash, and an error.
 *
 * At close the tracer writes the finished trace, an ordinary safetensors
 * file (docs/tracing.md), to a temporary file and renames it over the
 * journal: the path holds the journal or the whole trace, never less.
 * The tracer holds an exclusive lock on the journal (core/lock.c) for its
 * whole run.
 */
#ifndef PARITY_JOURNAL_H
#define PARITY_JOURNAL_H

#include "formats/reader.h"

#define PARITY__JOURNAL_MAGIC "PARITY-JOURNAL/1"
#define PARITY__JOURNAL_MAGIC_LEN 16

/* 1 when buf starts with the journal's magic. */
int parity__is_journal(const unsigned char *buf, size_t len);
/* Read a journal: its stages as tensors (views into src->buf) and, when
 * src->take_metadata, the metadata of the finished file it stands for
 * ("parity.format", "parity.order", "parity.inputs", "parity.parents",
 * "parity.aliases", the user's), plus "parity.recovered": one sentence for
 * the user saying the trace was not finished and how many stages were
 * recovered (and bytes dropped). */
parity_status parity__read_journal(parity_set *set, const parity__source *src,
                                   parity_error *err);

/* ---- writing (journal_write.c) ------------------------------------------ */

typedef struct parity__journal parity__journal;

/* Lock path (core/lock.c), check that what is there may be replaced
 * (nothing, an empty file, a parity trace or an unfinished journal: never
 * somebody's other file, a link or a device), and start an empty journal
 * in it. */
parity_status parity__journal_open(const char *path, parity__journal **out,
                                   parity_error *err);
/* Append one stage: tensor name (dtype dt, shape[ndim], data in C order)
 * and the metadata changes meta[0..n_meta) that come with it. */
parity_status parity__journal_stage(parity__journal *j, const char *name, parity_dtype dt,
                                    int ndim, const int64_t *shape, const void *data,
                                    const parity_meta_entry *meta, size_t n_meta,
                                    parity_error *err);
/* Append a record of metadata changes only. */
parity_status parity__journal_meta(parity__journal *j, const parity_meta_entry *meta,
                                   size_t n_meta, parity_error *err);
/* Write the finished trace: every stage, in order, with meta[0..n_meta)
 * as its "__metadata__", renamed over the journal. On failure the journal
 * stays as it is (readers recover it). */
parity_status parity__journal_finish(parity__journal *j, const parity_meta_entry *meta,
                                     size_t n_meta, parity_error *err);
/* Release the lock and the memory; the file stays (a finished trace after
 * parity__journal_finish, else an unfinished journal). NULL is a no-op. */
void parity__journal_close(parity__journal *j);

#endif /* PARITY_JOURNAL_H */

/*
 * quant.h — ggml's block-quantized dtypes (PARITY_DT_Q4_0 ... Q6_K): exact
 * decoding and the byte arithmetic of block runs (internal).
 *
 * A block-quantized tensor is a run of whole blocks in flat C order (GGUF
 * requires the fastest axis to be a multiple of the block, so no block
 * straddles two rows): element e lives in block e / block_elems, at
 * position e % block_elems. parity_dtype_size is 0 for these types, so code
 * that computes "count * size" must ask for blocks instead (these helpers).
 */
#ifndef PARITY_CORE_QUANT_H
#define PARITY_CORE_QUANT_H

#include "internal.h"

/* The largest block (the K-quants' super-block of 256 values). */
#define PARITY__QK_MAX 256

/* 1 when dt is block-quantized, with its block geometry; 0 otherwise
 * (parity_dtype_block, in dtype.c, answers for every dtype). */
int parity__quant_geometry(parity_dtype dt, int *block_elems, int *block_bytes);

/* Decode one block of dt at block into out[block_elems], value for value
 * as ggml's dequantize_row_<type> (f32 arithmetic, same operations in the
 * same order). dt must be block-quantized. */
void parity__dequant_block(parity_dtype dt, const unsigned char *block,
                           float *out);

/* Elements [first, first + n) of the run of blocks at base, as doubles.
 * Blocks at or past n_blocks are not read: their elements become NaN (pass
 * UINT64_MAX when the caller has checked the bounds itself). */
void parity__dequant_run(parity_dtype dt, const unsigned char *base,
                         uint64_t n_blocks, uint64_t first, size_t n,
                         double *out);

/* The following are defined with the code they belong to: the view reader
 * in tensor.c, the byte arithmetic in dtype.c. */

/* parity_tensor_read for a tensor of a block-quantized dtype: a C-order
 * view decodes block by block (runs may start and end mid-block); any
 * other view (a permuted layout) decodes each element's block, keeping the
 * last one decoded, so the cost is a block per element in the worst case:
 * slow, but exact. Elements whose block lies outside t->nbytes read NaN. */
void parity__tensor_read_blocks(const parity_tensor *t, uint64_t first,
                                size_t n, double *out);

/* Stored bytes of dt holding elements [first, first + n): *lo is the
 * offset of the first one's block (or element), *hi the end of the last
 * one's. Element types: first * size and (first + n) * size. */
void parity__dtype_span(parity_dtype dt, uint64_t first, uint64_t n,
                        uint64_t *lo, uint64_t *hi);

/* How many elements of dt fill `bytes` stored bytes (whole blocks, at
 * least one block or element); 0 for an invalid dtype. */
uint64_t parity__dtype_elems_for_bytes(parity_dtype dt, uint64_t bytes);

#endif /* PARITY_CORE_QUANT_H */

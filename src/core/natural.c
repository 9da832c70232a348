/* natural.c — natural name order, so traces dumped as step2, step10 sort as
 * a person reads them. Digit runs compare by numeric value (leading zeros
 * ignored, then shorter run first); everything else bytewise. */
#include "internal.h"

#include <ctype.h>
#include <string.h>

static int digit_run_cmp(const char **pa, const char **pb) {
    const char *a = *pa, *b = *pb;
    while (*a == '0' && isdigit((unsigned char)a[1])) a++;
    while (*b == '0' && isdigit((unsigned char)b[1])) b++;
    size_t na = 0, nb = 0;
    while (isdigit((unsigned char)a[na])) na++;
    while (isdigit((unsigned char)b[nb])) nb++;
    int c = na < nb ? -1 : na > nb ? 1 : memcmp(a, b, na);
    *pa = a + na;
    *pb = b + nb;
    return c;
}

int parity__natural_cmp(const char *a, const char *b) {
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            int c = digit_run_cmp(&a, &b);
            if (c) return c;
            continue;
        }
        if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return *a ? 1 : *b ? -1 : 0;
}

/* An interning table: maps each distinct string to a small dense id
 * (0, 1, 2, ... in first-seen order) and back. Open addressing with linear
 * probing over FNV-1a hashes; lookups and inserts are O(1) on average, and
 * memory is linear in the distinct strings. */
#ifndef LQ_STRING_TABLE_H
#define LQ_STRING_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct string_table {
    char **names;     /* n strings in id order; owned, valid until string_table_free */
    uint32_t *hashes; /* per id, so that growing the slots never rehashes a string */
    uint32_t n;
    uint32_t names_cap;
    uint32_t *slots; /* id + 1, or 0 for an empty slot */
    size_t n_slots;  /* a power of two, or 0 before the first insert */
} string_table;

/* A table with nothing in it; equivalent to zeroing it. Cannot fail. */
void string_table_init(string_table *t);

/* Finds s (len bytes, no NUL inside) and stores its id in *id, adding a
 * copy if it is new; *added (if not NULL) says which. Returns 0,
 * LQ_ENOMEM, or LQ_EEXHAUSTED when the ids would no longer fit in 32 bits. */
int string_table_intern(string_table *t, const char *s, size_t len, uint32_t *id, int *added);

/* Frees every string and the table's arrays; the table is empty again. */
void string_table_free(string_table *t);

#endif

/* The interning table (see string_table.h). */
#include "client/cli/string_table.h"

#include <stdlib.h>
#include <string.h>

#include "proto/error.h"

#define FIRST_SLOTS 64 /* small inputs never grow */

void string_table_init(string_table *t)
{
    memset(t, 0, sizeof(*t));
}

/* FNV-1a: short keys like "u17" or "alice" spread well, and it is tiny. */
static uint32_t fnv1a(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

/* Doubles the slot array (or makes the first one) and re-places every id.
 * Returns 0 or LQ_ENOMEM, leaving the table as it was on failure. */
static int grow_slots(string_table *t)
{
    size_t n_slots = t->n_slots ? t->n_slots * 2 : FIRST_SLOTS;
    uint32_t *slots = calloc(n_slots, sizeof(*slots));
    if (!slots)
        return LQ_ENOMEM;
    for (uint32_t id = 0; id < t->n; id++) {
        size_t i = t->hashes[id] & (n_slots - 1);
        while (slots[i])
            i = (i + 1) & (n_slots - 1);
        slots[i] = id + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    return 0;
}

/* Makes room for one more name. Returns 0, LQ_ENOMEM or LQ_EEXHAUSTED. */
static int grow_names(string_table *t)
{
    if (t->n < t->names_cap)
        return 0;
    /* The last id must stay below UINT32_MAX, which callers use as "none". */
    if (t->names_cap >= UINT32_MAX / 2)
        return LQ_EEXHAUSTED;
    uint32_t cap = t->names_cap ? t->names_cap * 2 : 16;
    char **names = realloc(t->names, cap * sizeof(*names));
    if (!names)
        return LQ_ENOMEM;
    t->names = names;
    uint32_t *hashes = realloc(t->hashes, cap * sizeof(*hashes));
    if (!hashes)
        return LQ_ENOMEM;
    t->hashes = hashes;
    t->names_cap = cap;
    return 0;
}

int string_table_intern(string_table *t, const char *s, size_t len, uint32_t *id, int *added)
{
    int rc;
    /* Keep the load at most one half so that probe runs stay short. */
    if ((size_t)t->n + 1 > t->n_slots / 2 && (rc = grow_slots(t)) < 0)
        return rc;
    uint32_t h = fnv1a(s, len);
    size_t mask = t->n_slots - 1, i = h & mask;
    for (; t->slots[i]; i = (i + 1) & mask) {
        uint32_t cand = t->slots[i] - 1;
        if (t->hashes[cand] == h && strncmp(t->names[cand], s, len) == 0 &&
            t->names[cand][len] == '\0') {
            *id = cand;
            if (added)
                *added = 0;
            return 0;
        }
    }
    if ((rc = grow_names(t)) < 0)
        return rc;
    char *copy = malloc(len + 1);
    if (!copy)
        return LQ_ENOMEM;
    memcpy(copy, s, len);
    copy[len] = '\0';
    t->names[t->n] = copy;
    t->hashes[t->n] = h;
    t->slots[i] = t->n + 1;
    *id = t->n++;
    if (added)
        *added = 1;
    return 0;
}

void string_table_free(string_table *t)
{
    for (uint32_t id = 0; id < t->n; id++)
        free(t->names[id]);
    free(t->names);
    free(t->hashes);
    free(t->slots);
    string_table_init(t);
}

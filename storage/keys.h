/* Key encoding for the LMDB databases (see store.h for which key goes where).
 *
 * Integers are big-endian so that LMDB's default memcmp order is numeric
 * order, and composite keys put the grouping field first so that one
 * project's tasks (or one task's labels) are contiguous and a prefix scan
 * with MDB_SET_RANGE finds them. Strings are last in a key and therefore
 * need no length prefix or terminator. */
#ifndef LQ_KEYS_H
#define LQ_KEYS_H

#include <stddef.h>
#include <stdint.h>

enum {
    LQ_KEY_U32_LEN = 4,
    LQ_KEY_U64_LEN = 8,
    LQ_KEY_TASK_LEN = 12,  /* u32 project, u64 task */
    LQ_KEY_LABEL_LEN = 12, /* u64 task, u32 annotator */
    /* LMDB's compiled-in maximum key size (mdb_env_get_maxkeysize); the store
     * refuses to open an environment that allows less. */
    LQ_KEY_MAX = 511,
    /* Longest external id that fits after the u32 project prefix. */
    LQ_KEY_EXT_ID_MAX = LQ_KEY_MAX - LQ_KEY_U32_LEN,
};

/* Writes v big-endian into buf[0..3]. Cannot fail. */
void lq_key_encode_u32(uint8_t *buf, uint32_t v);
/* Reads a big-endian u32 from buf[0..3]. Cannot fail. */
uint32_t lq_key_decode_u32(const uint8_t *buf);
/* Writes v big-endian into buf[0..7]. Cannot fail. */
void lq_key_encode_u64(uint8_t *buf, uint64_t v);
/* Reads a big-endian u64 from buf[0..7]. Cannot fail. */
uint64_t lq_key_decode_u64(const uint8_t *buf);

/* Task key (project, task) into buf[0..LQ_KEY_TASK_LEN-1]. Cannot fail. */
void lq_key_encode_task(uint8_t *buf, uint32_t project_id, uint64_t task_id);
/* Splits a task key. Returns 0, or LQ_EINTERNAL when len is not a task key's
 * length (a corrupt or foreign key). */
int lq_key_decode_task(const void *key, size_t len, uint32_t *project_id, uint64_t *task_id);

/* Label key (task, annotator) into buf[0..LQ_KEY_LABEL_LEN-1]. Cannot fail. */
void lq_key_encode_label(uint8_t *buf, uint64_t task_id, uint32_t annotator_id);
/* Splits a label key. Returns 0 or LQ_EINTERNAL on a wrong length. */
int lq_key_decode_label(const void *key, size_t len, uint64_t *task_id, uint32_t *annotator_id);

/* External-id index key (project, id bytes) into buf, which must hold
 * LQ_KEY_MAX bytes; *len gets the key's length. Returns 0, or LQ_EBADREQ
 * (buf untouched) when ext_id is longer than LQ_KEY_EXT_ID_MAX bytes. A NULL
 * ext_id is the empty id. */
int lq_key_encode_ext(uint8_t *buf, uint32_t project_id, const char *ext_id, size_t *len);
/* Splits an external-id key. *ext_id points into key (not NUL-terminated,
 * valid as long as key is) and *ext_len is its length. Returns 0 or
 * LQ_EINTERNAL when the key is shorter than the project prefix. */
int lq_key_decode_ext(const void *key, size_t len, uint32_t *project_id, const char **ext_id,
                      size_t *ext_len);

#endif

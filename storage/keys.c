#include "storage/keys.h"

#include <string.h>

#include "proto/error.h"

void lq_key_encode_u32(uint8_t *buf, uint32_t v)
{
    buf[0] = (uint8_t)(v >> 24);
    buf[1] = (uint8_t)(v >> 16);
    buf[2] = (uint8_t)(v >> 8);
    buf[3] = (uint8_t)v;
}

uint32_t lq_key_decode_u32(const uint8_t *buf)
{
    return (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 |
           (uint32_t)buf[3];
}

void lq_key_encode_u64(uint8_t *buf, uint64_t v)
{
    lq_key_encode_u32(buf, (uint32_t)(v >> 32));
    lq_key_encode_u32(buf + 4, (uint32_t)v);
}

uint64_t lq_key_decode_u64(const uint8_t *buf)
{
    return (uint64_t)lq_key_decode_u32(buf) << 32 | lq_key_decode_u32(buf + 4);
}

void lq_key_encode_task(uint8_t *buf, uint32_t project_id, uint64_t task_id)
{
    lq_key_encode_u32(buf, project_id);
    lq_key_encode_u64(buf + LQ_KEY_U32_LEN, task_id);
}

int lq_key_decode_task(const void *key, size_t len, uint32_t *project_id, uint64_t *task_id)
{
    const uint8_t *p = key;

    if (len != LQ_KEY_TASK_LEN)
        return LQ_EINTERNAL;
    *project_id = lq_key_decode_u32(p);
    *task_id = lq_key_decode_u64(p + LQ_KEY_U32_LEN);
    return 0;
}

void lq_key_encode_label(uint8_t *buf, uint64_t task_id, uint32_t annotator_id)
{
    lq_key_encode_u64(buf, task_id);
    lq_key_encode_u32(buf + LQ_KEY_U64_LEN, annotator_id);
}

int lq_key_decode_label(const void *key, size_t len, uint64_t *task_id, uint32_t *annotator_id)
{
    const uint8_t *p = key;

    if (len != LQ_KEY_LABEL_LEN)
        return LQ_EINTERNAL;
    *task_id = lq_key_decode_u64(p);
    *annotator_id = lq_key_decode_u32(p + LQ_KEY_U64_LEN);
    return 0;
}

int lq_key_encode_ext(uint8_t *buf, uint32_t project_id, const char *ext_id, size_t *len)
{
    size_t n = ext_id ? strlen(ext_id) : 0;

    if (n > LQ_KEY_EXT_ID_MAX)
        return LQ_EBADREQ;
    lq_key_encode_u32(buf, project_id);
    if (n)
        memcpy(buf + LQ_KEY_U32_LEN, ext_id, n);
    *len = LQ_KEY_U32_LEN + n;
    return 0;
}

int lq_key_decode_ext(const void *key, size_t len, uint32_t *project_id, const char **ext_id,
                      size_t *ext_len)
{
    const uint8_t *p = key;

    if (len < LQ_KEY_U32_LEN || len > LQ_KEY_MAX)
        return LQ_EINTERNAL;
    *project_id = lq_key_decode_u32(p);
    *ext_id = (const char *)(p + LQ_KEY_U32_LEN);
    *ext_len = len - LQ_KEY_U32_LEN;
    return 0;
}

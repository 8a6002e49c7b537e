/* Typed gets and puts: key encoding plus protobuf packing of the records. */
#include "storage/store.h"

#include "proto/error.h"
#include "storage/keys.h"
#include "storage/store_internal.h"

/* Looks key up; 0 with *val, LQ_ENOTFOUND, or LQ_EINTERNAL. */
static int get_raw(lq_txn *txn, MDB_dbi dbi, void *key, size_t key_len, MDB_val *val)
{
    MDB_val k = {key_len, key};
    int rc = mdb_get(txn->mdb, dbi, &k, val);

    if (rc == MDB_NOTFOUND)
        return LQ_ENOTFOUND;
    return rc ? LQ_EINTERNAL : 0;
}

/* Stores a packed record. MDB_RESERVE lets protobuf-c pack straight into the
 * page, so a put allocates nothing. */
static int put_packed(lq_txn *txn, MDB_dbi dbi, void *key, size_t key_len, unsigned flags,
                      const ProtobufCMessage *msg)
{
    MDB_val k = {key_len, key};
    MDB_val v = {protobuf_c_message_get_packed_size(msg), NULL};
    int rc = mdb_put(txn->mdb, dbi, &k, &v, flags | MDB_RESERVE);

    if (rc)
        return lq__store_put_status(txn, rc);
    protobuf_c_message_pack(msg, v.mv_data);
    return 0;
}

int lq_store_get_task(lq_txn *txn, uint32_t project_id, uint64_t task_id, Labelq__TaskRecord **out)
{
    uint8_t key[LQ_KEY_TASK_LEN];
    MDB_val v;
    int rc;

    *out = NULL;
    lq_key_encode_task(key, project_id, task_id);
    rc = get_raw(txn, txn->st->tasks, key, sizeof(key), &v);
    if (rc)
        return rc;
    *out = labelq__task_record__unpack(NULL, v.mv_size, v.mv_data);
    return *out ? 0 : LQ_EINTERNAL;
}

int lq_store_find_task(lq_txn *txn, uint32_t project_id, const char *external_id, uint64_t *task_id)
{
    uint8_t key[LQ_KEY_MAX];
    size_t key_len;
    MDB_val v;
    int rc = lq_key_encode_ext(key, project_id, external_id, &key_len);

    if (rc)
        return rc;
    rc = get_raw(txn, txn->st->task_ext, key, key_len, &v);
    if (rc)
        return rc;
    if (v.mv_size != LQ_KEY_U64_LEN)
        return LQ_EINTERNAL;
    *task_id = lq_key_decode_u64(v.mv_data);
    return 0;
}

int lq_store_get_label(lq_txn *txn, uint64_t task_id, uint32_t annotator_id,
                       Labelq__LabelRecord **out)
{
    uint8_t key[LQ_KEY_LABEL_LEN];
    MDB_val v;
    int rc;

    *out = NULL;
    lq_key_encode_label(key, task_id, annotator_id);
    rc = get_raw(txn, txn->st->labels, key, sizeof(key), &v);
    if (rc)
        return rc;
    *out = labelq__label_record__unpack(NULL, v.mv_size, v.mv_data);
    return *out ? 0 : LQ_EINTERNAL;
}

int lq_store_put_project(lq_txn *txn, const Labelq__ProjectRecord *rec)
{
    uint8_t key[LQ_KEY_U32_LEN];

    lq_key_encode_u32(key, rec->id);
    return put_packed(txn, txn->st->projects, key, sizeof(key), 0, &rec->base);
}

int lq_store_put_annotator(lq_txn *txn, const Labelq__AnnotatorRecord *rec)
{
    uint8_t key[LQ_KEY_U32_LEN];

    lq_key_encode_u32(key, rec->id);
    return put_packed(txn, txn->st->annotators, key, sizeof(key), 0, &rec->base);
}

int lq_store_put_task(lq_txn *txn, const Labelq__TaskRecord *rec)
{
    uint8_t key[LQ_KEY_TASK_LEN], ext[LQ_KEY_MAX], id[LQ_KEY_U64_LEN];
    size_t ext_len;
    MDB_val ek, ev;
    int rc = lq_key_encode_ext(ext, rec->project_id, rec->external_id, &ext_len);

    if (rc)
        return rc;
    /* Check the index before writing anything, so that a conflict leaves
     * nothing behind even if the caller goes on using the transaction. */
    ek = (MDB_val){ext_len, ext};
    rc = mdb_get(txn->mdb, txn->st->task_ext, &ek, &ev);
    if (rc != MDB_NOTFOUND)
        return rc ? LQ_EUNAVAIL : LQ_ECONFLICT;

    lq_key_encode_task(key, rec->project_id, rec->id);
    rc = put_packed(txn, txn->st->tasks, key, sizeof(key), MDB_NOOVERWRITE, &rec->base);
    if (rc)
        return rc;
    lq_key_encode_u64(id, rec->id);
    ev = (MDB_val){sizeof(id), id};
    return lq__store_put_status(txn,
                                mdb_put(txn->mdb, txn->st->task_ext, &ek, &ev, MDB_NOOVERWRITE));
}

int lq_store_put_label(lq_txn *txn, const Labelq__LabelRecord *rec)
{
    uint8_t key[LQ_KEY_LABEL_LEN];

    lq_key_encode_label(key, rec->task_id, rec->annotator_id);
    return put_packed(txn, txn->st->labels, key, sizeof(key), MDB_NOOVERWRITE, &rec->base);
}

int lq_store_put_batch(lq_txn *txn, const Labelq__BatchRecord *rec)
{
    uint8_t key[LQ_KEY_U64_LEN];

    /* (project, batch) as one big-endian u64: a project's batches are
     * contiguous and in id order. */
    lq_key_encode_u64(key, (uint64_t)rec->project_id << 32 | rec->id);
    return put_packed(txn, txn->st->batches, key, sizeof(key), 0, &rec->base);
}

int lq_store_put_result(lq_txn *txn, const Labelq__ResultRecord *rec)
{
    uint8_t key[LQ_KEY_U64_LEN];

    lq_key_encode_u64(key, rec->task_id);
    return put_packed(txn, txn->st->results, key, sizeof(key), 0, &rec->base);
}

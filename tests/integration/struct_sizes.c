/* The sizes alloc_failure.c makes calloc fail for, in a file of their own:
 * the daemon's headers and liblabelq's (which the harness includes) both
 * name lq_lease. */
#include <stddef.h>

#include "daemon/net/conn.h"
#include "daemon/ops/record_op.h"

size_t it_conn_size(void);
size_t it_record_op_size(void);

size_t it_conn_size(void)
{
    return sizeof(lq_conn);
}

size_t it_record_op_size(void)
{
    return sizeof(lq_record_op);
}

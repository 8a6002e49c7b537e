/* sizeof(lq_conn) for accept_failure.c, in a file of its own: the daemon's
 * headers and liblabelq's (which the harness includes) both name lq_lease. */
#include <stddef.h>

#include "daemon/net/conn.h"

size_t it_conn_size(void);

size_t it_conn_size(void)
{
    return sizeof(lq_conn);
}

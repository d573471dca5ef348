/* fusetrace_tp.c — instantiates the fusetrace provider's probes.  Built into
 * its own static library and linked whole, so the probe constructors are
 * present even though no symbol here is referenced by name. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "trace/fusetrace_tp.h"

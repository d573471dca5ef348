/* relay_tree.h — the recording sessions stored in an lttng-relayd output
 * directory.
 *
 * The relay daemon stores each session it receives under its base
 * directory as HOSTNAME/SESSION-DATETIME/ (its default grouping; with
 * --group-output-by-session, SESSION/HOSTNAME-DATETIME/), with the CTF
 * traces of the session below it (ust/uid/UID/64-bit/metadata, ...).  A
 * session directory is therefore one that holds a `ust` or `kernel`
 * directory; its path relative to the base names it.
 */
#ifndef FUSETRACE_IMPORT_RELAY_TREE_H
#define FUSETRACE_IMPORT_RELAY_TREE_H

#include <stddef.h>

struct relay_session {
    char *dir;                 /* the session directory */
    char *rel;                 /* its path below the base (HOSTNAME/SESSION-DATETIME);
                                  the base's own name when the base is one */
};

/* Every session directory under base (base itself included), sorted by
 * rel.  Returns 0 with *out (free with relay_sessions_free) and *n, or -1
 * with a one-line reason in err. */
int relay_sessions(const char *base, struct relay_session **out, size_t *n,
                   char *err, size_t errlen);

void relay_sessions_free(struct relay_session *s, size_t n);

#endif

/* io_mode.h — how an open file's data travels, and which mode an open asks
 * for (--io and --io-rule).
 *
 * The FUSE kernel (6.9+) gives each inode one I/O mode at a time:
 *  - cached: reads and writes go through the kernel's page cache, which
 *    the daemon fills (READ) and writes back (WRITE);
 *  - direct: every read and write is a READ/WRITE request (FOPEN_DIRECT_IO);
 *    direct opens do not enter an inode mode of their own, so they share an
 *    inode with cached opens;
 *  - passthrough: the kernel reads and writes a backing file the daemon
 *    registered (FUSE_DEV_IOC_BACKING_OPEN), and the data never reaches the
 *    daemon (FOPEN_PASSTHROUGH + backing id in the OPEN/CREATE reply).
 * While an inode has passthrough files open, the kernel refuses (EIO) any
 * open that is not passthrough with the same backing file; while it has
 * cached files open (or a shared mapping of a direct file), it refuses a
 * passthrough open.  The inode table (inode_table.h, itab_io_*) keeps each
 * inode's mode so that no open is ever answered in a way the kernel would
 * refuse.
 */
#ifndef FUSETRACE_SHIM_IO_MODE_H
#define FUSETRACE_SHIM_IO_MODE_H

#include <stdbool.h>
#include <stddef.h>

/* Stored in recordings (inode_event.io_mode, io_prev; io_mode_name). */
enum io_mode {
    IO_NONE = 0,               /* no open file */
    IO_CACHED = 1,
    IO_DIRECT = 2,
    IO_PASSTHROUGH = 3,
};
#define IO_MODE_COUNT 4

/* Why an inode's mode changed, or why an open got another mode than it
 * asked for (inode_event.io_why; io_why_name). */
enum io_why {
    IO_WHY_NONE = 0,
    IO_WHY_OPEN = 1,           /* an open set the mode (the first, or a cached open joining direct ones) */
    IO_WHY_RELEASE = 2,        /* the last open file of a mode was released */
    IO_WHY_REPLY_FAILED = 3,   /* the open's reply never reached the kernel: undone */
    IO_WHY_INODE_MODE = 4,     /* conflict: the inode is in passthrough, so the open is too */
    IO_WHY_FILES_OPEN = 5,     /* conflict: passthrough asked while files are open in another mode */
    IO_WHY_BACKING_FAILED = 6, /* conflict: registering the backing file failed */
    IO_WHY_NOT_NEGOTIATED = 7, /* conflict: the kernel did not take passthrough at INIT */
};

struct io_rule {
    const char *glob;          /* fnmatch(3) pattern (points into argv) */
    enum io_mode mode;
};

#define IO_RULES_MAX 64

/* --io and --io-rule, in the order given; the first matching rule wins. */
struct io_policy {
    enum io_mode dflt;         /* --io (IO_CACHED unless said) */
    bool dflt_given;           /* --io was on the command line */
    struct io_rule rules[IO_RULES_MAX];
    unsigned nrules;
};

const char *io_mode_name(enum io_mode m);     /* "cached", ... ("none") */

/* "cached" | "direct" | "passthrough" -> mode.  0 or -1. */
int io_mode_parse(const char *s, enum io_mode *out);

/* Add "GLOB:MODE" (the mode after the last ':').  0, or -1 with a reason. */
int io_rule_add(struct io_policy *p, char *spec, char *why, size_t len);

/* True when some open may ask for mode m (the default, or a rule). */
bool io_policy_may_ask(const struct io_policy *p, enum io_mode m);

/* The mode an open of `path` (relative to the mount root, no leading '/')
 * asks for: the first rule whose GLOB matches — a GLOB containing '/'
 * against the whole path, any other against the file's name — else the
 * default.  `rule` (may be NULL) gets the rule's index, or -1. */
enum io_mode io_policy_choose(const struct io_policy *p, const char *path, int *rule);

#endif

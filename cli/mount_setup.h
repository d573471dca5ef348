/* mount_setup.h — the steps `fusetrace mount` and `fusetrace record`
 * share (cli/mount_setup.c).
 *
 * Order matters and is the same for both: recorder (so the root's NEW event
 * is recorded) -> source opened (before the mount may cover it) -> mount ->
 * serve. */
#ifndef FUSETRACE_CLI_MOUNT_SETUP_H
#define FUSETRACE_CLI_MOUNT_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cli/cli.h"

#define EXIT_FUSETRACE_FAILED 125
#define EXIT_RECORDING_INCOMPLETE 124

/* Parse the command line, settle the permission and credential policy,
 * check SOURCE and MOUNTPOINT and make them absolute (before anything is
 * mounted), refuse a mountpoint the daemon cannot serve (mount_refusal.h),
 * and find out whether the kernel side can be recorded.  Returns -1 to go
 * on, or the exit status to return now: 0 after --help, 2 for a usage
 * error, a refused mountpoint or a --kernel-trace=on that cannot be
 * honoured, `failed` when a directory is unusable. */
int mount_prepare(int argc, char **argv, bool record, int failed, struct cli *cli);

/* The umask fusetrace was started with (mount_prepare sets the daemon's to
 * 0); `record` gives it back to the command it runs. */
extern mode_t user_umask;

/* True if `path` (which may not exist yet) would live at or under `dir`. */
bool path_is_under(const char *path, const char *dir);

/* "fusetrace-YYYYmmdd-HHMMSS" + suffix into buf. */
void timestamped(char *buf, size_t len, const char *suffix);

/* Decide the recording's sinks and open the recorder (record defaults to a
 * timestamped database in db_buf).  Refuses a database under the
 * mountpoint.  Returns 0 or -1 after saying why. */
int open_recorder(struct cli *cli, char *db_buf, size_t db_len);

/* After the mount: give the kernel-side tracer (trace/ktrace.h) the
 * connection and start it.  0, or -1 when --kernel-trace=on cannot be
 * honoured (said on stderr; exit 2). */
int connect_kernel_trace(const struct cli *cli);

/* Close the recorder if it is open.  Returns 0, or -1 if the recording
 * is incomplete (recorder_close has said why on stderr). */
int finish_recording(void);

#endif

/* commands.h — the subcommands implemented in shim/. */
#ifndef FUSETRACE_CLI_COMMANDS_H
#define FUSETRACE_CLI_COMMANDS_H

#include <sys/types.h>

/* The umask fusetrace was started with (main sets its own to 0); `record`
 * gives it back to the command it runs. */
extern mode_t user_umask;

int cmd_mount(int argc, char **argv);
int cmd_record(int argc, char **argv);

#endif

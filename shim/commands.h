/* commands.h — the subcommands implemented in shim/. */
#ifndef FUSETRACE_SHIM_COMMANDS_H
#define FUSETRACE_SHIM_COMMANDS_H

int cmd_mount(int argc, char **argv);
int cmd_record(int argc, char **argv);

#endif

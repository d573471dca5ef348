/* commands.h — `fusetrace mount` and `fusetrace record` (cli/). */
#ifndef FUSETRACE_CLI_COMMANDS_H
#define FUSETRACE_CLI_COMMANDS_H

int cmd_mount(int argc, char **argv);
int cmd_record(int argc, char **argv);

#endif

/* commands.h — the subcommands implemented in replay/.
 *
 * argv[0] is the subcommand name.  Exit codes: 0 success, 1 runtime error
 * (or, for scenario run, a failed assertion), 2 usage error (one-line reason plus a hint to --help). */
#ifndef FUSETRACE_REPLAY_COMMANDS_H
#define FUSETRACE_REPLAY_COMMANDS_H

/* fusetrace replay [--timing=...] [--order=...] [--verify] DB TARGET */
int cmd_replay(int argc, char **argv);

/* fusetrace scenario list | run NAME|all */
int cmd_scenario(int argc, char **argv);

#endif

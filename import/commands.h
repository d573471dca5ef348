/* commands.h — the `fusetrace import` subcommand.
 *
 * argv[0] is the subcommand name.  Exit codes: 0 success, 1 runtime error,
 * 2 usage error (one-line reason plus a hint to --help). */
#ifndef FUSETRACE_IMPORT_COMMANDS_H
#define FUSETRACE_IMPORT_COMMANDS_H

/* fusetrace import [--session UUID] TRACE_DIR DB, fusetrace import --relay RELAY_DIR OUTDIR */
int cmd_import(int argc, char **argv);

#endif

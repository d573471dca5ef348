/* commands.h — the `fusetrace sql`, `stats` and `export` subcommands.
 *
 * argv[0] is the subcommand name.  Exit codes: 0 success, 1 runtime error
 * (unreadable recording, bad SQL), 2 usage error (one-line reason plus a
 * hint to --help on stderr). */
#ifndef FUSETRACE_TRACEDB_COMMANDS_H
#define FUSETRACE_TRACEDB_COMMANDS_H

/* fusetrace sql [--csv|--json] DB QUERY [QUERY...] */
int cmd_sql(int argc, char **argv);

/* fusetrace stats [--top N] DB, fusetrace stats --by=host DB|DIR... */
int cmd_stats(int argc, char **argv);

/* fusetrace export DB --format=perfetto|jsonl [-o FILE] */
int cmd_export(int argc, char **argv);

#endif

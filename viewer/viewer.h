/* viewer.h — `fusetrace view DB`: the ncurses replay viewer. */
#ifndef FUSETRACE_VIEWER_VIEWER_H
#define FUSETRACE_VIEWER_VIEWER_H

/* argv[0] is "view".  Returns the process exit status: 0 after a normal
 * quit, 1 when the recording cannot be opened, 2 on a usage error. */
int cmd_view(int argc, char **argv);

#endif

/* viewer_main.c — `viewer-main DB`: the viewer without the rest of
 * fusetrace, so the viewer's tests and benchmark do not depend on the
 * shim's build (which needs libfuse and LTTng). */
#include "viewer/viewer.h"

int main(int argc, char **argv)
{
    argv[0] = "view";
    return cmd_view(argc, argv);
}

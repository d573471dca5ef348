/* cmd_record.c — `fusetrace record DIR -- COMMAND`: mount over DIR, serve
 * on a thread while the main thread runs COMMAND in the mounted directory,
 * then unmount and finalise the recording (and the LTTng session). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/daemonize.h"
#include "cli/commands.h"
#include "cli/lttng_session.h"
#include "cli/mount_setup.h"
#include "shim/disconnect.h"
#include "shim/proc_events.h"
#include "shim/session.h"
#include "trace/ktrace.h"
#include "trace/recorder.h"

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t interrupts;

static void forward_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (child_pid <= 0)
        return;
    /* First signal: let COMMAND end by itself (a blocked FUSE request gets
     * INTERRUPT from the kernel).  A terminal's Ctrl-C, quit or hangup
     * (SI_KERNEL) already reached the whole foreground process group,
     * COMMAND included (it stays in ours): passing it on would deliver it
     * twice, and a second SIGINT inside a program's SIGINT handler kills
     * most programs.  A kill(2) aimed at us alone is passed on.  Second
     * signal: kill COMMAND. */
    if (interrupts++)
        kill((pid_t)child_pid, SIGKILL);
    else if (si->si_code != SI_KERNEL)
        kill((pid_t)child_pid, sig);
}

static void *serve(void *arg)
{
    struct fs *fs = arg;
    return (void *)(intptr_t)session_loop(fs);
}

/* Fork COMMAND in DIR.  The child waits until the recording knows it is
 * COMMAND (proc_events_command): what it and its descendants run is then
 * recorded as COMMAND's process tree from the first instruction on. */
static pid_t spawn_command(char **command, const char *dir)
{
    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid != 0) {
        close(go[0]);
        if (pid > 0) {
            proc_events_command(pid);
            char c = 1;
            while (write(go[1], &c, 1) < 0 && errno == EINTR)
                ;
        }
        close(go[1]);
        return pid;
    }
    close(go[1]);
    char c;
    while (read(go[0], &c, 1) < 0 && errno == EINTR)
        ;
    close(go[0]);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    umask(user_umask);
    /* Entering DIR by path after the mount lands in the mount, not in the
     * directory it covers. */
    if (chdir(dir) < 0) {
        fprintf(stderr, "fusetrace: cannot enter %s: %s\n", dir, strerror(errno));
        _exit(126);
    }
    execvp(command[0], command);
    fprintf(stderr, "fusetrace: cannot run %s: %s\n", command[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
}

int cmd_record(int argc, char **argv)
{
    struct cli cli;
    int r = mount_prepare(argc, argv, true, EXIT_FUSETRACE_FAILED, &cli);
    if (r >= 0)
        return r;
    cli.fs.splice = false;

    struct own_lttng lttng = { 0 };
    if (cli.lttng && own_lttng_begin(&cli, &lttng) < 0)
        return EXIT_FUSETRACE_FAILED;

    char db[PATH_MAX];
    struct fs fs;
    int status = EXIT_FUSETRACE_FAILED;
    if (open_recorder(&cli, db, sizeof(db)) < 0)
        goto out_lttng;
    if (fs_open(&fs, &cli.fs) < 0)
        goto out_rec;
    if (ktrace_begin() < 0) {
        status = 2;
        goto out_fs;
    }
    if (session_mount(&fs, cli.fuse_opts, false) < 0)
        goto out_fs;
    if (connect_kernel_trace(&cli) < 0) {
        status = 2;
        session_request_unmount(&fs);
        session_end(&fs, false);
        goto out_fs;
    }

    pthread_t server;
    if (when_serving_start(cli.fs.mountpoint, cli.fs.source, &cli.fs.vfs, false) < 0 ||
        pthread_create(&server, NULL, serve, &fs) != 0) {
        fprintf(stderr, "fusetrace: cannot start the server thread\n");
        session_request_unmount(&fs);
        session_end(&fs, false);
        goto out_fs;
    }
    struct sigaction sa = { .sa_sigaction = forward_signal, .sa_flags = SA_SIGINFO };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    pid_t pid = spawn_command(cli.command, cli.fs.mountpoint);
    int wstatus = 0;
    if (pid < 0) {
        fprintf(stderr, "fusetrace: cannot fork: %s\n", strerror(errno));
    } else {
        child_pid = pid;
        while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
            ;
        child_pid = 0;
        status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    }
    session_note_if_disconnected(&fs);
    session_request_unmount(&fs);
    pthread_join(server, NULL);
    session_end(&fs, false);
out_fs:
    /* The connection is gone: the kernel has nothing more to say. */
    ktrace_end();
    fs_close(&fs);
out_rec:
    if (finish_recording() < 0 && status == 0)
        status = EXIT_RECORDING_INCOMPLETE;
out_lttng:
    if (own_lttng_end(&lttng) < 0 && status == 0)
        status = EXIT_RECORDING_INCOMPLETE;
    return status;
}

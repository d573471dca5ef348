/* test_ring_guard.c — a recorder ring's buffer lies between inaccessible
 * pages, so a write past its end or before its start faults at once instead
 * of corrupting a neighbouring mapping.
 *
 * The rings are allocated the way the recorder allocates them: its geometry
 * (ring_geometry) and its claim (ring_claim), for the default ring size and
 * for the smallest one --ring-size accepts.  Each write is made in a forked
 * child; the outcome checked is how the child ended.  A write to the first
 * and to the last byte of the buffer must not fault; one byte past the end
 * and one byte before the start must kill the child with SIGSEGV (or SIGBUS).
 * (A buffer that is not a whole number of pages, in rings under 16 KiB, is
 * placed flush with the guard after it, where a record that overruns its
 * reservation runs; before it lies padding of its own mapping, and the
 * guard begins one byte before the page it starts in.)
 *
 * The child restores the default action of both signals before it writes:
 * under AddressSanitizer, whose handler would otherwise report the fault and
 * exit(1), the kernel's signal is then what the parent sees (ASan lets a
 * program set its own SIGSEGV action: allow_user_segv_handler, on by
 * default).  So the same assertion holds in the normal and in the ASan
 * build.  The child also makes itself non-dumpable, so a core_pattern of
 * "core" leaves no core file in the test's directory. */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace/rec_ring.h"
#include "tt_util.h"

/* The recorder's ring size when --ring-size is not given. */
#define RECORDER_DEFAULT_RING ((size_t)4 << 20)
/* The smallest --ring-size accepts. */
#define RING_SIZE_MIN ((size_t)4096)
/* A child that neither faults nor exits within this is killed by SIGALRM. */
#define CHILD_LIMIT_S 10

/* Write one byte at p in a child; return its wait status (-1 if no child). */
static int write_in_child(volatile unsigned char *p)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };
        setrlimit(RLIMIT_CORE, &no_core);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        alarm(CHILD_LIMIT_S);
        *p = 0xa5;
        _exit(*p == 0xa5 ? 0 : 3);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        perror("waitpid");
        return -1;
    }
    return status;
}

static bool faulted(int status)
{
    return status != -1 && WIFSIGNALED(status)
           && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
}

static const char *describe(int status)
{
    static char s[64];
    if (status == -1)
        snprintf(s, sizeof s, "no child");
    else if (WIFSIGNALED(status))
        snprintf(s, sizeof s, "killed by %s", strsignal(WTERMSIG(status)));
    else
        snprintf(s, sizeof s, "exited with status %d", WEXITSTATUS(status));
    return s;
}

static void check_ring(uint64_t gen, size_t want)
{
    size_t cap, max_rec;
    ring_geometry(want, &cap, &max_rec);
    struct rec_ring *r = ring_claim(gen, cap, max_rec, (uint32_t)getpid());
    CHECK_MSG(r != NULL, "no ring of %zu bytes", want);
    if (!r)
        return;
    CHECK_EQ(r->cap, cap);
    CHECK_EQ(r->max_rec, max_rec);
    /* The buffer the producers write into: cap bytes plus the slack a
     * record starting near the end runs into. */
    volatile unsigned char *buf = r->buf;
    size_t len = cap + max_rec;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    int failures_before = tcheck_failures;
    int st;

    st = write_in_child(buf);
    CHECK_MSG(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "ring of %zu: writing its first byte: child %s", want, describe(st));
    st = write_in_child(buf + len - 1);
    CHECK_MSG(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "ring of %zu: writing its last byte (offset %zu): child %s", want, len - 1,
              describe(st));
    st = write_in_child(buf + len);
    CHECK_MSG(faulted(st), "ring of %zu: writing one byte past its end (offset %zu): child %s",
              want, len, describe(st));
    /* The start: a buffer that is not a whole number of pages (rings under
     * 16 KiB) shares its first page with padding before it, so the guard
     * begins one byte before that page; otherwise one byte before buf. */
    volatile unsigned char *first_page =
        (volatile unsigned char *)((uintptr_t)buf & ~(uintptr_t)(page - 1));
    if (len % page == 0)
        CHECK_MSG(first_page == buf, "ring of %zu: %zu bytes not page-aligned", want, len);
    st = write_in_child(first_page - 1);
    CHECK_MSG(faulted(st), "ring of %zu: writing one byte before its start%s: child %s", want,
              first_page == buf ? "" : "'s first page", describe(st));
    if (tcheck_failures == failures_before)
        printf("ring of %zu bytes (cap %zu + max_rec %zu): first and last byte writable, "
               "one past either end faults\n", want, cap, max_rec);
    ring_release_all(gen);
}

int main(void)
{
    check_ring(1, RECORDER_DEFAULT_RING);
    check_ring(2, RING_SIZE_MIN);
    return tcheck_done("ring-guard");
}

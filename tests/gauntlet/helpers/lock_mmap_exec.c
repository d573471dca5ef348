/* gauntlet-lock-mmap-exec keep|drop FILE PAUSE_MS
 *
 * A process that execs, PAUSE_MS milliseconds after it took them, while it
 * holds a POSIX record lock (fcntl F_SETLK) on FILE and a dirty shared
 * mapping of it.  The locked descriptor is
 * inherited across the exec.  With "drop", the process also holds a second,
 * close-on-exec descriptor of FILE: closing it at the exec releases all of
 * the process's POSIX locks on FILE (POSIX semantics), so the new image
 * must find the lock free; with "keep" it must still hold it.
 *
 * After the exec (internal stage "check"), the new image reports, from a
 * child process, whether the lock is held and by whom, reads back what was
 * written through the mapping, appends a line with write(), and unlocks.
 */
#include "helper.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAP_LEN 8192
#define LOCK_LEN 100
static const char line0[] = "written through a shared mapping before exec\n";
static const char line1[] = "second page, also through the mapping\n";

static struct flock lock_range(short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = LOCK_LEN };
	return fl;
}

static int before_exec(const char *mode, const char *file, int pause, const char *self)
{
	int fd = open(file, O_RDWR | O_CREAT, 0644);   /* inherited by the exec */
	if (fd < 0)
		die("open %s", file);
	if (ftruncate(fd, MAP_LEN) < 0)
		die("ftruncate");
	struct flock fl = lock_range(F_WRLCK);
	if (fcntl(fd, F_SETLK, &fl) < 0)
		die("F_SETLK");
	char *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	memcpy(p, line0, sizeof line0 - 1);
	memcpy(p + 4096, line1, sizeof line1 - 1);
	if (strcmp(mode, "drop") == 0 && open(file, O_RDONLY | O_CLOEXEC) < 0)
		die("open %s again", file);
	pause_ms(pause);
	char fdarg[16];
	snprintf(fdarg, sizeof fdarg, "%d", fd);
	fflush(stdout);
	execl(self, self, "check", mode, file, fdarg, (char *)NULL);
	die("exec %s", self);
}

/* from a child: is [0, LOCK_LEN) write-locked, and by our parent? */
static void report_lock(const char *file)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int fd = open(file, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die("child: open %s", file);
		struct flock fl = lock_range(F_WRLCK);
		if (fcntl(fd, F_GETLK, &fl) < 0)
			die("child: F_GETLK");
		if (fl.l_type == F_UNLCK)
			printf("lock after exec: free\n");
		else
			printf("lock after exec: held (%s, %s)\n",
			       fl.l_type == F_WRLCK ? "write" : "read",
			       fl.l_pid == getppid() ? "by the exec'd process" : "by another process");
		struct flock try = lock_range(F_WRLCK);
		int r = fcntl(fd, F_SETLK, &try);
		printf("F_SETLK from another process: %s\n", r == 0 ? "granted" : strerrorname_np(errno));
		fflush(stdout);
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("lock reporter failed (status 0x%x)", status);
}

static int after_exec(const char *mode, const char *file, int fd)
{
	printf("mode %s\n", mode);
	report_lock(file);
	char buf[128] = "";
	if (pread(fd, buf, sizeof line0 - 1, 0) != (ssize_t)sizeof line0 - 1)
		die("pread page 0");
	printf("page 0 after exec: %s", buf);
	memset(buf, 0, sizeof buf);
	if (pread(fd, buf, sizeof line1 - 1, 4096) != (ssize_t)sizeof line1 - 1)
		die("pread page 1");
	printf("page 1 after exec: %s", buf);
	static const char tail[] = "appended by the exec'd image\n";
	if (pwrite(fd, tail, sizeof tail - 1, MAP_LEN) != (ssize_t)sizeof tail - 1)
		die("pwrite");
	if (fsync(fd) < 0)
		die("fsync");
	struct flock fl = lock_range(F_UNLCK);
	if (fcntl(fd, F_SETLK, &fl) < 0)
		die("unlock");
	if (close(fd) < 0)
		die("close");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && (strcmp(argv[1], "keep") == 0 || strcmp(argv[1], "drop") == 0))
		return before_exec(argv[1], argv[2], count_arg(argv[3]), "/proc/self/exe");
	if (argc == 5 && strcmp(argv[1], "check") == 0)
		return after_exec(argv[2], argv[3], count_arg(argv[4]));
	fprintf(stderr, "usage: %s keep|drop FILE PAUSE_MS\n", argv[0]);
	return 2;
}

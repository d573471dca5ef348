/* gauntlet-vfork-exec FILE N CMD [ARGS...]
 *
 * Like gauntlet-posix-spawn, with vfork() + execvp(): the parent holds FILE
 * open for writing (close-on-exec) and stays suspended until the child's
 * exec, which closes the child's copy of the descriptor (FLUSH on a FUSE
 * mount) while the parent is still waiting for that exec.  Before the exec,
 * the child's stdout is moved to FILE.vforkK (dup2 only: a vfork child may
 * not do much more).
 */
#include "helper.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s FILE N CMD [ARGS...]\n", argv[0]);
		return 2;
	}
	const char *file = argv[1];
	int n = count_arg(argv[2]);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open %s", file);
	int ok = 0;
	for (int i = 0; i < n; i++) {
		if (dprintf(fd, "before vfork %d\n", i) < 0)
			die("write %s", file);
		/* opened by the parent (not close-on-exec: the child keeps it as
		 * its stdout), so the vfork child only has to dup2 it */
		char out[4096];
		snprintf(out, sizeof out, "%s.vfork%d", file, i);
		int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (ofd < 0)
			die("open %s", out);
		pid_t pid = vfork();
		if (pid < 0)
			die("vfork");
		if (pid == 0) {
			if (dup2(ofd, STDOUT_FILENO) < 0)
				_exit(126);
			execvp(argv[3], argv + 3);
			_exit(127);
		}
		if (close(ofd) < 0)
			die("close %s", out);
		int status;
		if (waitpid(pid, &status, 0) < 0)
			die("waitpid");
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
		else
			fprintf(stderr, "child %d: status 0x%x\n", i, status);
	}
	if (dprintf(fd, "after %d vforks\n", n) < 0 || close(fd) < 0)
		die("write/close %s", file);
	printf("vfork+exec: %d of %d children exited 0\n", ok, n);
	return ok == n ? 0 : 1;
}

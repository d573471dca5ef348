/* gauntlet-posix-spawn FILE N CMD [ARGS...]
 *
 * Holds FILE open for writing (close-on-exec) and keeps writing to it while
 * it posix_spawn()s CMD N times, each child's stdout redirected by a spawn
 * file action to FILE.spawnK (opened by the child between its clone and its
 * exec).  Each exec closes the child's copy of FILE's descriptor, which on
 * a FUSE mount sends FLUSH from the exec'ing child.  Prints how many
 * children ran and exited 0; exits 1 if any did not.
 */
#include "helper.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

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
		if (dprintf(fd, "before spawn %d\n", i) < 0)
			die("write %s", file);
		char out[4096];
		snprintf(out, sizeof out, "%s.spawn%d", file, i);
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out,
						 O_WRONLY | O_CREAT | O_TRUNC, 0644);
		pid_t pid;
		int e = posix_spawnp(&pid, argv[3], &fa, NULL, argv + 3, environ);
		posix_spawn_file_actions_destroy(&fa);
		if (e != 0) {
			errno = e;
			die("posix_spawn %s", argv[3]);
		}
		int status;
		if (waitpid(pid, &status, 0) < 0)
			die("waitpid");
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
		else
			fprintf(stderr, "child %d: status 0x%x\n", i, status);
	}
	if (dprintf(fd, "after %d spawns\n", n) < 0 || close(fd) < 0)
		die("write/close %s", file);
	printf("posix_spawn: %d of %d children exited 0\n", ok, n);
	return ok == n ? 0 : 1;
}

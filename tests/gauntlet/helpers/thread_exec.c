/* gauntlet-thread-exec FILE N PAUSE_MS
 *
 * A multi-threaded process that execs while another of its threads reads a
 * file: a reader thread loops over FILE with pread (dropping the page cache
 * after each pass, so that the reads reach the filesystem), and once it has
 * read a few chunks and PAUSE_MS more milliseconds have passed, the main
 * thread execs this program again, N times in all.  The exec kills the reader, possibly in the middle of a READ, and
 * closes FILE's close-on-exec descriptor (FLUSH on a FUSE mount).  The last
 * image reads FILE once more and prints its checksum.
 */
#include "helper.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

static int fd;
static atomic_long reads;

static void *reader(void *arg)
{
	(void)arg;
	static char buf[65536];
	for (;;) {
		off_t off = 0;
		ssize_t n;
		while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
			off += n;
			atomic_fetch_add(&reads, 1);
		}
		if (n < 0)
			die("pread");
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	}
	return NULL;
}

static uint32_t checksum(const char *file)
{
	int f = open(file, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		die("open %s", file);
	uint32_t sum = 0;
	unsigned char buf[65536];
	ssize_t n;
	while ((n = read(f, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 31 + buf[i];
	if (n < 0)
		die("read %s", file);
	close(f);
	return sum;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s FILE N PAUSE_MS\n", argv[0]);
		return 2;
	}
	const char *file = argv[1];
	int n = count_arg(argv[2]);
	int pause = count_arg(argv[3]);
	if (n == 0) {
		printf("thread+exec: last image, %s checksum %08x\n", file, checksum(file));
		return 0;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", file);
	pthread_t t;
	int e = pthread_create(&t, NULL, reader, NULL);
	if (e) {
		errno = e;
		die("pthread_create");
	}
	/* let the reader get going (bounded: 20 s) */
	struct timespec ms = { 0, 1000000 };
	for (int i = 0; atomic_load(&reads) < 8; i++) {
		if (i == 20000) {
			errno = ETIMEDOUT;
			die("the reader thread made no progress");
		}
		nanosleep(&ms, NULL);
	}
	pause_ms(pause);
	char left[16];
	snprintf(left, sizeof left, "%d", n - 1);
	fflush(stdout);
	execl("/proc/self/exe", argv[0], file, left, argv[3], (char *)NULL);
	die("exec /proc/self/exe");
}

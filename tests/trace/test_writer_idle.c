/* test_writer_idle.c — the writer's sleep rule (trace/rec_writer.h,
 * writer_idle_ns), case by case.  The long sleep saves wakeups beside a
 * metadata workload; taken at the wrong time it lets a producer's ring fill
 * (trace-bench's sustained rate fell from ~740 k to 400-504 k events/s when
 * the writer always slept 5 ms), so every reason to stay short is pinned:
 *  - a quiet writer (short busy period, every ring empty, a large ring)
 *    sleeps long;
 *  - a writer that was busy at least as long as its last sleep (behind its
 *    producers) sleeps short, whatever its last sleep was;
 *  - records left in a ring after a pass that took nothing (a producer
 *    between its stamp and its publish) keep it short;
 *  - rings under 1 MiB (--ring-size) always sleep short;
 *  - after a short sleep, a busy period shorter than it returns to long;
 *  - a long sleep is long enough to matter and short enough for a live
 *    reader (the commit period bounds what a reader waits for anyway). */
#include "trace/rec_writer.h"
#include "tt_util.h"

int main(void)
{
    const size_t big = (size_t)4 << 20, small = WRITER_IDLE_SMALL_RING - 1;
    const uint64_t us = 1000;

    CHECK(writer_idle_ns(big, 100 * us, WRITER_IDLE_NS, true) == WRITER_IDLE_NS);
    CHECK(writer_idle_ns(big, 0, WRITER_IDLE_NS, true) == WRITER_IDLE_NS);

    CHECK(writer_idle_ns(big, WRITER_IDLE_NS, WRITER_IDLE_NS, true) == WRITER_IDLE_SHORT_NS);
    CHECK(writer_idle_ns(big, 50 * WRITER_IDLE_NS, WRITER_IDLE_NS, true) == WRITER_IDLE_SHORT_NS);
    CHECK(writer_idle_ns(big, WRITER_IDLE_SHORT_NS, WRITER_IDLE_SHORT_NS, true)
          == WRITER_IDLE_SHORT_NS);

    CHECK(writer_idle_ns(big, 10 * us, WRITER_IDLE_NS, false) == WRITER_IDLE_SHORT_NS);

    CHECK(writer_idle_ns(small, 0, WRITER_IDLE_NS, true) == WRITER_IDLE_SHORT_NS);
    CHECK(writer_idle_ns(WRITER_IDLE_SMALL_RING, 0, WRITER_IDLE_NS, true) == WRITER_IDLE_NS);

    CHECK(writer_idle_ns(big, WRITER_IDLE_SHORT_NS - 1, WRITER_IDLE_SHORT_NS, true)
          == WRITER_IDLE_NS);

    CHECK(WRITER_IDLE_SHORT_NS < WRITER_IDLE_NS);
    CHECK(WRITER_IDLE_NS <= WRITER_COMMIT_NS / 10);
    return tcheck_done("writer-idle");
}

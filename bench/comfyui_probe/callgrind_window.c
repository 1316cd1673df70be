/* Callgrind client requests for bench/comfyui_chain_cycles.py, built by it into a temporary
 * shared library and loaded by the probe with ctypes: a Python process cannot issue valgrind's
 * client requests itself (they are magic instruction sequences, not calls). Outside valgrind
 * every request is a no-op. */
#include <valgrind/callgrind.h>

/* 1 under valgrind, 0 otherwise. */
int sak_running_on_valgrind(void) { return RUNNING_ON_VALGRIND ? 1 : 0; }

/* Open the measured window: instrument from here on, counting from zero. */
void sak_window_open(void) {
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_ZERO_STATS;
}

/* Write the counts so far to a dump named `label` and go on counting from zero. */
void sak_window_mark(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }

/* Close it: write the counts since the open to a dump named `label`, stop instrumenting (an
 * uninstrumented process runs several times faster between windows). */
void sak_window_close(const char *label) {
    CALLGRIND_DUMP_STATS_AT(label);
    CALLGRIND_STOP_INSTRUMENTATION;
}

/* A slow disk for tests: an LD_PRELOAD shim that makes every fsync, fdatasync and
 * sync_file_range take SEKIMORI_SLOW_FSYNC_MS longer (default 20) before doing the real call.
 * fsync here costs ~90 us, 10-100x less than a real disk, which hides races between a reply and
 * the commit it must wait for (tests/support/README.md). Plain C, never sanitized: it is loaded
 * into sanitized processes too (then ASAN_OPTIONS needs verify_asan_link_order=0). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long delayMs(void) {
    static long cached = -1;
    if (cached < 0) {
        const char* text = getenv("SEKIMORI_SLOW_FSYNC_MS");
        char* end = NULL;
        long value = text ? strtol(text, &end, 10) : 20;
        if (text && (end == text || *end != '\0' || value < 0 || value > 60000)) {
            value = 20; /* a typo must not make the disk fast again silently: keep the default */
        }
        cached = value;
    }
    return cached;
}

/* Sleeps the whole delay even when a signal interrupts it, as a disk would not hurry up. */
static void waitLikeADisk(void) {
    const int savedErrno = errno;
    const long ms = delayMs();
    struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
    errno = savedErrno;
}

static void* nextSymbol(const char* name) {
    return dlsym(RTLD_NEXT, name);
}

int fsync(int fd) {
    static int (*real)(int) = NULL;
    if (!real) {
        real = (int (*)(int))nextSymbol("fsync");
    }
    waitLikeADisk();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int) = NULL;
    if (!real) {
        real = (int (*)(int))nextSymbol("fdatasync");
    }
    waitLikeADisk();
    return real(fd);
}

int sync_file_range(int fd, off64_t offset, off64_t nbytes, unsigned int flags) {
    static int (*real)(int, off64_t, off64_t, unsigned int) = NULL;
    if (!real) {
        real = (int (*)(int, off64_t, off64_t, unsigned int))nextSymbol("sync_file_range");
    }
    waitLikeADisk();
    return real(fd, offset, nbytes, flags);
}

// The file-system floor of draining one event, for scripts/bench-drain: the same file-system work
// the daemon does per event, done by a minimal C program, so the daemon's drain rate can be quoted
// as a ratio to it.
//
// Per event: claim (rename inbox/NAME -> work/NAME), read it (open, fstat, read), write an output
// of the same size under a temporary name in out/ and rename it into place, archive (rename
// work/NAME -> archive/NAME). Durability as the daemon does it: with SYNC_EVERY 1, fsync of every
// output and of its directory; with SYNC_EVERY K > 1, one syncfs(2) per K events (group commit);
// with 0, none (the cost of the system calls alone).
//
//   cc -O2 -o bench-floor scripts/bench-floor.c
//   bench-floor DIR SYNC_EVERY        # DIR/inbox holds the events; prints the time per event
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void check(int ok, const char *what, const char *name) {
    if (!ok) {
        perror(what);
        fprintf(stderr, "  (%s)\n", name);
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s DIR SYNC_EVERY\n", argv[0]);
        return 2;
    }
    const char *root = argv[1];
    int every = atoi(argv[2]);
    char inbox[4096], work[4096], out[4096], archive[4096];
    snprintf(inbox, sizeof inbox, "%s/inbox", root);
    snprintf(work, sizeof work, "%s/work", root);
    snprintf(out, sizeof out, "%s/out", root);
    snprintf(archive, sizeof archive, "%s/archive", root);
    mkdir(work, 0700);
    mkdir(out, 0700);
    mkdir(archive, 0700);

    // The names, listed before the clock starts (the daemon lists too, but in bounded rounds).
    DIR *directory = opendir(inbox);
    check(directory != NULL, "opendir", inbox);
    size_t count = 0, capacity = 1024;
    char **names = malloc(capacity * sizeof *names);
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        if (count == capacity) names = realloc(names, (capacity *= 2) * sizeof *names);
        names[count++] = strdup(entry->d_name);
    }
    closedir(directory);

    int outDirectory = open(out, O_RDONLY | O_DIRECTORY);
    check(outDirectory >= 0, "open", out);
    static char buffer[1 << 20];
    char from[8192], to[8192], temporary[8192];
    double start = now();
    for (size_t i = 0; i < count; i++) {
        snprintf(from, sizeof from, "%s/%s", inbox, names[i]);
        snprintf(to, sizeof to, "%s/%s", work, names[i]);
        check(rename(from, to) == 0, "claim", names[i]);
        int input = open(to, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
        check(input >= 0, "open", to);
        struct stat status;
        check(fstat(input, &status) == 0, "fstat", to);
        ssize_t size = read(input, buffer, sizeof buffer);
        check(size >= 0, "read", to);
        close(input);

        snprintf(temporary, sizeof temporary, "%s/.%s.tmp", out, names[i]);
        int output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0640);
        check(output >= 0, "create", temporary);
        check(write(output, buffer, size) == size, "write", temporary);
        if (every == 1) check(fsync(output) == 0, "fsync", temporary);
        close(output);
        snprintf(from, sizeof from, "%s/%s", out, names[i]);
        check(rename(temporary, from) == 0, "rename", temporary);
        if (every == 1) check(fsync(outDirectory) == 0, "fsync", out);

        snprintf(from, sizeof from, "%s/%s", archive, names[i]);
        check(rename(to, from) == 0, "archive", names[i]);
        if (every > 1 && (i + 1) % every == 0) check(syncfs(outDirectory) == 0, "syncfs", out);
    }
    if (every > 1) check(syncfs(outDirectory) == 0, "syncfs", out);
    double elapsed = now() - start;
    printf("%zu events in %.3f s: %.1f us per event, %.0f events/s (sync every %d)\n", count, elapsed,
           elapsed / count * 1e6, count / elapsed, every);
    return 0;
}

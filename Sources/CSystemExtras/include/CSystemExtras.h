#ifndef RISKSCREEN_CSYSTEMEXTRAS_H
#define RISKSCREEN_CSYSTEMEXTRAS_H

/// syncfs(2) on the file system that holds `descriptor`: one call makes every write to that file
/// system durable (the daemon's group commit for the alert queue). Glibc declares it only under
/// _GNU_SOURCE, which Swift's Glibc module does not define. Returns 0, or -1 with errno.
int riskscreen_syncfs(int descriptor);

/// Limits glibc's malloc to `count` arenas (mallopt M_ARENA_MAX). By default each thread that
/// allocates may get an arena of its own, and memory freed in one is not reused by another: with
/// the daemon's processing, read-ahead and delivery threads the peak resident size grows by
/// megabytes for no speed. Returns 1 on success, 0 otherwise.
int riskscreen_limit_malloc_arenas(int count);

#endif

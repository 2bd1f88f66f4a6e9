#ifndef RISKSCREEN_CSYSTEMEXTRAS_H
#define RISKSCREEN_CSYSTEMEXTRAS_H

/// syncfs(2) on the file system that holds `descriptor`: one call makes every write to that file
/// system durable (the daemon's group commit for the alert queue). Glibc declares it only under
/// _GNU_SOURCE, which Swift's Glibc module does not define. Returns 0, or -1 with errno.
int riskscreen_syncfs(int descriptor);

#endif

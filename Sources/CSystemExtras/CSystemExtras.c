#define _GNU_SOURCE
#include <malloc.h>
#include <unistd.h>

#include "CSystemExtras.h"

int riskscreen_syncfs(int descriptor) { return syncfs(descriptor); }

int riskscreen_limit_malloc_arenas(int count) { return mallopt(M_ARENA_MAX, count); }

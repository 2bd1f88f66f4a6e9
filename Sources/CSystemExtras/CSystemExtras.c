#define _GNU_SOURCE
#include <unistd.h>

#include "CSystemExtras.h"

int riskscreen_syncfs(int descriptor) { return syncfs(descriptor); }

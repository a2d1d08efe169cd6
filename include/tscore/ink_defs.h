/* tscore/ink_defs.h: the few definitions of ATS's internal tscore/ink_defs.h that ATS's own
 * example plugins use (likely/unlikely, ATS_UNUSED, countof, the <inttypes.h> formats), so that
 * they build against tshost's headers alone. Written for tshost; not ATS's header. */
#pragma once

#include <inttypes.h>
#include <stddef.h>

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
#ifndef ATS_UNUSED
#define ATS_UNUSED __attribute__((unused))
#endif
#ifndef countof
#define countof(x) (sizeof(x) / sizeof((x)[0]))
#endif

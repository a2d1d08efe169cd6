/* tscore/ink_assert.h: the assertions of ATS's internal tscore/ink_assert.h that ATS's own
 * example plugins use, as a release build of ATS (Debian's) has them: ink_assert checks nothing
 * (its expression is still evaluated), ink_release_assert stops the process with a message
 * (through TSReleaseAssert). Written for tshost; not ATS's header. */
#pragma once

#include "ts/ts.h"

#ifndef ink_assert
#define ink_assert(EX) ((void)(EX))
#endif
#ifndef ink_release_assert
#define ink_release_assert(EX) TSReleaseAssert(EX)
#endif

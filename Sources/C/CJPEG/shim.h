// libjpeg-turbo's TurboJPEG API (Debian libturbojpeg0-dev).
// TurboJPEG reports errors as return codes and keeps libjpeg's setjmp/longjmp inside the library,
// which is why it is used instead of the classic libjpeg API: a longjmp across Swift frames is undefined.
#pragma once
#include <turbojpeg.h>

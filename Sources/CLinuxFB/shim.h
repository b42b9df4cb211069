// The Linux framebuffer and console UAPI headers (linux-libc-dev); no library to link.
#pragma once
#include <linux/fb.h>
#include <linux/kd.h>
#include <sys/ioctl.h>

// FBIO_WAITFORVSYNC is an _IOW(...) function-like macro, which Swift cannot import.
static inline unsigned long clinuxfb_waitforvsync(void) { return FBIO_WAITFORVSYNC; }

// Linux UAPI headers (linux-libc-dev): framebuffer, console, input and uinput. No library to link.
#pragma once
#include <linux/fb.h>
#include <linux/input.h>
#include <linux/kd.h>
#include <linux/uinput.h>
#include <sys/ioctl.h>

// The request codes below are _IOW/_IOR/_IOC(...) function-like macros, which Swift cannot import.
static inline unsigned long clinux_fbio_waitforvsync(void) { return FBIO_WAITFORVSYNC; }
static inline unsigned long clinux_eviocgabs(unsigned int axis) { return EVIOCGABS(axis); }
static inline unsigned long clinux_eviocgbit(unsigned int type, unsigned int length) { return EVIOCGBIT(type, length); }
static inline unsigned long clinux_eviocgname(unsigned int length) { return EVIOCGNAME(length); }
static inline unsigned long clinux_ui_set_evbit(void) { return UI_SET_EVBIT; }
static inline unsigned long clinux_ui_set_absbit(void) { return UI_SET_ABSBIT; }
static inline unsigned long clinux_ui_set_keybit(void) { return UI_SET_KEYBIT; }
static inline unsigned long clinux_ui_set_propbit(void) { return UI_SET_PROPBIT; }
static inline unsigned long clinux_ui_dev_setup(void) { return UI_DEV_SETUP; }
static inline unsigned long clinux_ui_abs_setup(void) { return UI_ABS_SETUP; }
static inline unsigned long clinux_ui_dev_create(void) { return UI_DEV_CREATE; }
static inline unsigned long clinux_ui_dev_destroy(void) { return UI_DEV_DESTROY; }

// Console restore on crash. A signal handler must be async-signal-safe C: Swift code cannot promise
// that (it may allocate or take locks), so the handler lives here. On a fatal signal (including the
// SIGILL/SIGTRAP of a Swift runtime trap) it puts the console back in text mode, then hands the
// signal to the handler that was there before (the runtime's backtracer, or the default action), so
// the crash is still reported and the process still dies.
#include <signal.h>
#include <string.h>
#include <unistd.h>

static const int clinux_fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE};
#define CLINUX_FATAL_COUNT (sizeof clinux_fatal_signals / sizeof clinux_fatal_signals[0])
// State lives in a function-local static: file-scope statics in an imported header are not emitted.
struct clinux_crash_state {
    volatile sig_atomic_t console_fd;
    struct sigaction previous[CLINUX_FATAL_COUNT];
};
static inline struct clinux_crash_state *clinux_crash_state(void) {
    static struct clinux_crash_state state = {.console_fd = -1};
    return &state;
}

static void clinux_console_crash_handler(int signo) {
    int fd = clinux_crash_state()->console_fd;
    if (fd >= 0) ioctl(fd, KDSETMODE, KD_TEXT);
    for (unsigned i = 0; i < CLINUX_FATAL_COUNT; i++) {
        if (clinux_fatal_signals[i] == signo) sigaction(signo, &clinux_crash_state()->previous[i], NULL);
    }
    raise(signo);  // delivered when this handler returns, to the previous handler
}

/// Remembers the console `fd` and installs the handler for the fatal signals; -1 puts the previous
/// handlers back.
static inline void clinux_restore_console_on_crash(int fd) {
    for (unsigned i = 0; i < CLINUX_FATAL_COUNT; i++) {
        if (fd >= 0 && clinux_crash_state()->console_fd < 0) {
            struct sigaction action;
            memset(&action, 0, sizeof action);
            action.sa_handler = clinux_console_crash_handler;
            sigemptyset(&action.sa_mask);
            sigaction(clinux_fatal_signals[i], &action, &clinux_crash_state()->previous[i]);
        } else if (fd < 0 && clinux_crash_state()->console_fd >= 0) {
            sigaction(clinux_fatal_signals[i], &clinux_crash_state()->previous[i], NULL);
        }
    }
    clinux_crash_state()->console_fd = fd;
}

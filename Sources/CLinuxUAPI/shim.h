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

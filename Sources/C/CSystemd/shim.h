// libsystemd's sd-daemon API (Debian libsystemd-dev): readiness and watchdog notification to the service manager.
// No shims are needed: sd_notify and sd_watchdog_enabled import as they are.
#pragma once
#include <systemd/sd-daemon.h>

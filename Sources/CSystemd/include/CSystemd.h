#ifndef CSYSTEMD_H
#define CSYSTEMD_H
// libsystemd headers, plus the shim functions Swift needs for variadic or macro-only API.
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#endif

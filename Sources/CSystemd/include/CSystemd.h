#ifndef CSYSTEMD_H
#define CSYSTEMD_H
// libsystemd headers, plus the shim functions Swift needs for variadic or macro-only API.
// Every shim function is prefixed `checkin_` and says why it exists.
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - sd-bus object vtables
//
// Why: `sd_bus_vtable` entries can only be written with the SD_BUS_VTABLE_START / SD_BUS_METHOD /
// SD_BUS_SIGNAL / SD_BUS_VTABLE_END macros (the struct has bitfields and an anonymous union that Swift
// cannot initialise portably), and sd-bus keeps a pointer to the array for as long as the object is
// registered. The shim builds the array at run time from these plain descriptions, copies every
// string, and frees it all when the slot is destroyed.

/// One D-Bus method. Names are optional comma-separated argument names ("app_name,summary"); when
/// given, sd-bus requires a name for every in *and* out argument (introspection shows them).
typedef struct checkin_method {
    const char *member;
    const char *in_signature;   // NULL means no arguments
    const char *out_signature;  // NULL means no reply arguments
    const char *in_names;       // NULL or comma-separated
    const char *out_names;      // NULL or comma-separated
    // Nonzero: SD_BUS_VTABLE_UNPRIVILEGED. Without it, on connections sd-bus does not trust
    // (anything but the user and system bus opened by sd_bus_open_*), sd-bus itself refuses
    // callers that have another euid and lack CAP_SYS_ADMIN. Set it when the handler decides who
    // may call (checkind accepts its own euid only, root included), so every connection behaves
    // the same.
    int unprivileged;
} checkin_method;

/// One D-Bus signal (declared for introspection; emit it with sd_bus_message_new_signal + sd_bus_send).
typedef struct checkin_signal {
    const char *member;
    const char *signature;      // NULL means no arguments
    const char *names;          // NULL or comma-separated
} checkin_signal;

/// One read-only D-Bus property. Why in the shim: SD_BUS_PROPERTY is a macro filling the same
/// bitfield/union struct as the methods. With `emits_change`, the entry gets
/// SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE: introspection shows the EmitsChangedSignal annotation as
/// true, and sd_bus_emit_properties_changed_strv() puts the new value into PropertiesChanged
/// (without it: "false", and sd-bus refuses to emit a change for it).
typedef struct checkin_property {
    const char *member;
    const char *signature;      // a single complete type, e.g. "b" or "t"
    int emits_change;
} checkin_property;

/// Receives every method call on the object; `sd_bus_message_get_member(m)` says which.
/// Same contract as sd_bus_message_handler_t: return 1 once a reply has been sent, or a negative
/// errno with `ret_error` set (sd_bus_error_set) to make sd-bus send an error reply.
typedef int (*checkin_method_handler)(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/// Receives every property read (Get, GetAll, and the values sd_bus_emit_properties_changed_strv
/// sends); `property` says which. It appends exactly one value of the property's signature to
/// `reply` (sd-bus has already opened the variant) and returns >= 0, or a negative errno with
/// `ret_error` set. One getter for all properties, so Swift needs a single C callback.
typedef int (*checkin_property_getter)(sd_bus_message *reply, const char *property, void *userdata,
                                       sd_bus_error *ret_error);

/// Registers `interface` at `path` with a vtable built from `methods`, `signals` and `properties`;
/// every method call goes to `handler` and every property read to `getter` (required when there are
/// properties), both with `userdata`. The vtable lives exactly as long as the slot. With
/// `slot == NULL` the registration is floating (owned by the bus). Returns a negative errno on
/// failure (invalid names or signatures: -EINVAL; path/interface already registered: -EEXIST).
int checkin_bus_add_object(sd_bus *bus, sd_bus_slot **slot, const char *path, const char *interface,
                           const checkin_method *methods, size_t n_methods,
                           const checkin_signal *signals, size_t n_signals,
                           const checkin_property *properties, size_t n_properties,
                           checkin_method_handler handler, checkin_property_getter getter,
                           void *userdata);

#ifdef __cplusplus
}
#endif

#endif

#include "CSystemd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

// Everything one registered object owns; freed by the slot's destroy callback.
typedef struct checkin_object {
    sd_bus_vtable *vtable;
    char **strings;          // every copied string, so one loop frees them
    size_t n_strings;
    checkin_method_handler handler;
    checkin_property_getter getter;
    void *userdata;
} checkin_object;

static void checkin_object_free(void *p) {
    checkin_object *object = p;
    if (!object) return;
    for (size_t i = 0; i < object->n_strings; i++) free(object->strings[i]);
    free(object->strings);
    free(object->vtable);
    free(object);
}

// Copies `s` (NULL becomes "") and remembers it for checkin_object_free.
static const char *checkin_object_keep(checkin_object *object, const char *s) {
    char *copy = strdup(s ? s : "");
    if (!copy) return NULL;
    object->strings[object->n_strings++] = copy;
    return copy;
}

// sd-bus wants argument names as one string of NUL-terminated names, in-names first then out-names
// ("a\0b\0" "r\0"). Converts the comma-separated forms; both NULL gives "" (no names).
static const char *checkin_object_keep_names(checkin_object *object, const char *first, const char *second) {
    if (!first && !second) return checkin_object_keep(object, "");
    size_t a = first ? strlen(first) : 0, b = second ? strlen(second) : 0;
    // Each list gains at most one trailing NUL; plus the final terminator.
    char *names = calloc(a + b + 3, 1);
    if (!names) return NULL;
    char *out = names;
    const char *lists[2] = { first, second };
    for (int l = 0; l < 2; l++) {
        const char *in = lists[l];
        if (!in || !*in) continue;
        for (; *in; in++) *out++ = (*in == ',') ? '\0' : *in;
        *out++ = '\0';
    }
    *out = '\0';
    object->strings[object->n_strings++] = names;
    return names;
}

// The single vtable handler: forwards to the caller's handler with the caller's userdata.
static int checkin_object_trampoline(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
    checkin_object *object = userdata;
    return object->handler(m, object->userdata, ret_error);
}

// The single property getter: sd-bus passes `userdata + offset`; the offset is 0, so it is the
// object. Forwards the property name to the caller's getter.
static int checkin_object_property_trampoline(sd_bus *bus, const char *path, const char *interface,
                                              const char *property, sd_bus_message *reply, void *userdata,
                                              sd_bus_error *ret_error) {
    (void) bus;
    (void) path;
    (void) interface;
    checkin_object *object = userdata;
    return object->getter(reply, property, object->userdata, ret_error);
}

int checkin_bus_add_object(sd_bus *bus, sd_bus_slot **slot, const char *path, const char *interface,
                           const checkin_method *methods, size_t n_methods,
                           const checkin_signal *signals, size_t n_signals,
                           const checkin_property *properties, size_t n_properties,
                           checkin_method_handler handler, checkin_property_getter getter,
                           void *userdata) {
    if (!bus || !path || !interface || !handler) return -EINVAL;
    if ((n_methods && !methods) || (n_signals && !signals) || (n_properties && (!properties || !getter))) return -EINVAL;

    checkin_object *object = calloc(1, sizeof(*object));
    if (!object) return -ENOMEM;
    object->handler = handler;
    object->getter = getter;
    object->userdata = userdata;
    // Per method: member, in, out, names; per signal: member, signature, names; per property:
    // member, signature.
    object->strings = calloc(4 * n_methods + 3 * n_signals + 2 * n_properties + 1, sizeof(char *));
    // Unused union areas must be zero (see sd-bus-vtable.h), hence calloc.
    object->vtable = calloc(n_methods + n_signals + n_properties + 2, sizeof(sd_bus_vtable));
    if (!object->strings || !object->vtable) {
        checkin_object_free(object);
        return -ENOMEM;
    }

    size_t v = 0;
    object->vtable[v++] = (sd_bus_vtable) SD_BUS_VTABLE_START(0);
    for (size_t i = 0; i < n_methods; i++) {
        const char *member = checkin_object_keep(object, methods[i].member);
        const char *in = checkin_object_keep(object, methods[i].in_signature);
        const char *out = checkin_object_keep(object, methods[i].out_signature);
        const char *names = checkin_object_keep_names(object, methods[i].in_names, methods[i].out_names);
        if (!member || !in || !out || !names) {
            checkin_object_free(object);
            return -ENOMEM;
        }
        // SD_BUS_METHOD_WITH_NAMES concatenates literal name strings; `names` is that concatenation.
        object->vtable[v++] = (sd_bus_vtable) SD_BUS_METHOD_WITH_NAMES_OFFSET(
            member, in, "", out, "", checkin_object_trampoline, 0,
            methods[i].unprivileged ? SD_BUS_VTABLE_UNPRIVILEGED : 0);
        object->vtable[v - 1].x.method.names = names;
    }
    for (size_t i = 0; i < n_signals; i++) {
        const char *member = checkin_object_keep(object, signals[i].member);
        const char *signature = checkin_object_keep(object, signals[i].signature);
        const char *names = checkin_object_keep_names(object, signals[i].names, NULL);
        if (!member || !signature || !names) {
            checkin_object_free(object);
            return -ENOMEM;
        }
        object->vtable[v++] = (sd_bus_vtable) SD_BUS_SIGNAL_WITH_NAMES(member, signature, names, 0);
    }
    for (size_t i = 0; i < n_properties; i++) {
        const char *member = checkin_object_keep(object, properties[i].member);
        const char *signature = checkin_object_keep(object, properties[i].signature);
        if (!member || !signature) {
            checkin_object_free(object);
            return -ENOMEM;
        }
        // Without the flag introspection says EmitsChangedSignal="false" and sd-bus refuses to
        // emit a change for it (-EDOM).
        uint64_t flags = properties[i].emits_change ? SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE : 0;
        object->vtable[v++] = (sd_bus_vtable) SD_BUS_PROPERTY(member, signature, checkin_object_property_trampoline, 0, flags);
    }
    object->vtable[v++] = (sd_bus_vtable) SD_BUS_VTABLE_END;

    // Always take a slot: its destroy callback is what frees the vtable.
    sd_bus_slot *s = NULL;
    int r = sd_bus_add_object_vtable(bus, &s, path, interface, object->vtable, object);
    if (r < 0) {
        checkin_object_free(object);
        return r;
    }
    sd_bus_slot_set_destroy_callback(s, checkin_object_free);
    if (slot) {
        *slot = s;
    } else {
        // Floating: the bus keeps the registration until it is freed.
        r = sd_bus_slot_set_floating(s, 1);
        sd_bus_slot_unref(s);
        if (r < 0) return r;
    }
    return 0;
}

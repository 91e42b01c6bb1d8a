import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// A value inside a D-Bus variant (`v`), as used in `a{sv}` dictionaries such as notification hints.
public enum BusVariant: Equatable, Sendable {
    case string(String)
    case bool(Bool)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    case byte(UInt8)
    case stringArray([String])

    /// The D-Bus signature of the contained value.
    public var signature: String {
        switch self {
        case .string: "s"
        case .bool: "b"
        case .int32: "i"
        case .uint32: "u"
        case .int64: "x"
        case .uint64: "t"
        case .double: "d"
        case .byte: "y"
        case .stringArray: "as"
        }
    }
}

/// One sd-bus message: a method call, reply, error or signal. Owns one reference to the
/// `sd_bus_message`.
///
/// Writers append in order; readers consume in order (a received message starts at its first
/// argument). Like the `Bus` it came from, use it only on the bus queue.
public final class BusMessage {
    /// The underlying `sd_bus_message *`.
    public let pointer: OpaquePointer

    /// Adopts one reference the caller owns (e.g. from `sd_bus_message_new_*` or `sd_bus_call`).
    public init(adopting pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Takes a new reference on a message someone else owns (e.g. the one passed to a callback).
    public init(retaining pointer: OpaquePointer) {
        self.pointer = sd_bus_message_ref(pointer)
    }

    deinit {
        sd_bus_message_unref(pointer)
    }

    // MARK: Header

    public var member: String? { string(sd_bus_message_get_member(pointer)) }
    public var sender: String? { string(sd_bus_message_get_sender(pointer)) }
    public var destination: String? { string(sd_bus_message_get_destination(pointer)) }
    public var path: String? { string(sd_bus_message_get_path(pointer)) }
    public var interface: String? { string(sd_bus_message_get_interface(pointer)) }
    /// Signature of the whole body, e.g. `susssasa{sv}i`.
    public var signature: String { string(sd_bus_message_get_signature(pointer, 1)) ?? "" }

    /// Whether calling a name nobody owns may start its service (D-Bus activation); true by
    /// default. Clients that must not start a service (e.g. to report it is not running) set false.
    public var autoStart: Bool {
        get { sd_bus_message_get_auto_start(pointer) > 0 }
        set { _ = sd_bus_message_set_auto_start(pointer, newValue ? 1 : 0) }
    }

    /// True for a method call.
    public var isMethodCall: Bool { sd_bus_message_is_method_call(pointer, nil, nil) > 0 }

    /// True for an error reply.
    public var isError: Bool { sd_bus_message_is_method_error(pointer, nil) > 0 }

    /// For an error reply: the error as a `SystemdError` naming `call`; nil otherwise.
    public func error(call: String) -> SystemdError? {
        guard isError, let error = sd_bus_message_get_error(pointer) else { return nil }
        let errno = sd_bus_message_get_errno(pointer)
        return SystemdError(
            call: call, errno: errno > 0 ? errno : EIO,
            busErrorName: string(error.pointee.name), message: string(error.pointee.message))
    }

    /// A method-return message for this method call, to fill and return from an object handler.
    public func makeReply() throws(SystemdError) -> BusMessage {
        var reply: OpaquePointer?
        try check("sd_bus_message_new_method_return(\(member ?? "?"))",
                  sd_bus_message_new_method_return(pointer, &reply))
        return BusMessage(adopting: reply!)
    }

    private func string(_ c: UnsafePointer<CChar>?) -> String? {
        c.map { String(cString: $0) }
    }

    // MARK: Writing

    private func appendBasic(_ type: Character, _ value: UnsafeRawPointer) throws(SystemdError) {
        try check("sd_bus_message_append_basic(\(type))",
                  sd_bus_message_append_basic(pointer, CChar(type.asciiValue!), value))
    }

    public func append(_ s: String) throws(SystemdError) {
        // withCString gives a NUL-terminated buffer that sd-bus copies before returning.
        let r = s.withCString { sd_bus_message_append_basic(pointer, CChar(UInt8(ascii: "s")), $0) }
        try check("sd_bus_message_append_basic(s)", r)
    }

    public func append(_ u: UInt32) throws(SystemdError) { var v = u; try appendBasic("u", &v) }
    public func append(_ i: Int32) throws(SystemdError) { var v = i; try appendBasic("i", &v) }
    /// D-Bus booleans travel as 32-bit ints.
    public func append(_ b: Bool) throws(SystemdError) { var v: Int32 = b ? 1 : 0; try appendBasic("b", &v) }
    public func append(_ x: Int64) throws(SystemdError) { var v = x; try appendBasic("x", &v) }
    public func append(_ t: UInt64) throws(SystemdError) { var v = t; try appendBasic("t", &v) }
    public func append(_ d: Double) throws(SystemdError) { var v = d; try appendBasic("d", &v) }
    public func append(_ y: UInt8) throws(SystemdError) { var v = y; try appendBasic("y", &v) }
    public func append(_ n: Int16) throws(SystemdError) { var v = n; try appendBasic("n", &v) }
    public func append(_ q: UInt16) throws(SystemdError) { var v = q; try appendBasic("q", &v) }

    /// Appends an object path (`o`).
    public func appendObjectPath(_ path: String) throws(SystemdError) {
        let r = path.withCString { sd_bus_message_append_basic(pointer, CChar(UInt8(ascii: "o")), $0) }
        try check("sd_bus_message_append_basic(o \(path))", r)
    }

    public func openContainer(_ type: Character, _ contents: String) throws(SystemdError) {
        let r = sd_bus_message_open_container(pointer, CChar(type.asciiValue!), contents)
        try check("sd_bus_message_open_container(\(type) \(contents))", r)
    }

    public func closeContainer() throws(SystemdError) {
        try check("sd_bus_message_close_container", sd_bus_message_close_container(pointer))
    }

    /// Appends `as`.
    public func appendStringArray(_ strings: [String]) throws(SystemdError) {
        try openContainer("a", "s")
        for s in strings { try append(s) }
        try closeContainer()
    }

    /// Appends `a{sv}`, keys in sorted order so messages are reproducible.
    public func appendVariantDictionary(_ dictionary: [String: BusVariant]) throws(SystemdError) {
        try openContainer("a", "{sv}")
        for key in dictionary.keys.sorted() {
            try openContainer("e", "sv")
            try append(key)
            try appendVariant(dictionary[key]!)
            try closeContainer()
        }
        try closeContainer()
    }

    /// Appends one `v`.
    public func appendVariant(_ value: BusVariant) throws(SystemdError) {
        try openContainer("v", value.signature)
        try appendValue(value)
        try closeContainer()
    }

    /// Appends the value itself, with its own signature (no variant around it).
    public func appendValue(_ value: BusVariant) throws(SystemdError) {
        switch value {
        case .string(let v): try append(v)
        case .bool(let v): try append(v)
        case .int32(let v): try append(v)
        case .uint32(let v): try append(v)
        case .int64(let v): try append(v)
        case .uint64(let v): try append(v)
        case .double(let v): try append(v)
        case .byte(let v): try append(v)
        case .stringArray(let v): try appendStringArray(v)
        }
    }

    // MARK: Sender

    /// The effective uid of the process that sent this message, from the bus driver's credentials
    /// of the sender (sd_bus_query_sender_creds with SD_BUS_CREDS_EUID, augmented from /proc when
    /// the driver only knows the uid). A synchronous call to the bus driver: use it in a method
    /// handler on the bus queue.
    public func senderEUID() throws(SystemdError) -> uid_t {
        var creds: OpaquePointer?
        let mask = UInt64(SD_BUS_CREDS_EUID) | UInt64(SD_BUS_CREDS_AUGMENT)
        try check("sd_bus_query_sender_creds(\(sender ?? "?"))", sd_bus_query_sender_creds(pointer, mask, &creds))
        defer { sd_bus_creds_unref(creds) }
        var euid: uid_t = 0
        try check("sd_bus_creds_get_euid(\(sender ?? "?"))", sd_bus_creds_get_euid(creds, &euid))
        return euid
    }

    // MARK: Reading

    /// Reads one basic value of `type` into `T`; throws ENXIO-like errors when the next argument
    /// has another type (sd-bus returns -ENXIO) or the message is at its end.
    private func readBasic<T: BitwiseCopyable>(_ type: Character, _ initial: T) throws(SystemdError) -> T {
        var value = initial
        let r = sd_bus_message_read_basic(pointer, CChar(type.asciiValue!), &value)
        try check("sd_bus_message_read_basic(\(type)) in \(member ?? "message") (\(signature))", r)
        if r == 0 {
            throw SystemdError(call: "sd_bus_message_read_basic(\(type)) in \(member ?? "message") (\(signature))",
                               errno: ENXIO, message: "no more arguments")
        }
        return value
    }

    /// Reads `s`, `o` or `g`: the C string belongs to the message, so it is copied at once.
    public func readString() throws(SystemdError) -> String {
        var type: CChar = 0
        var contents: UnsafePointer<CChar>?
        _ = sd_bus_message_peek_type(pointer, &type, &contents)
        let code: Character = (type == CChar(UInt8(ascii: "o")) || type == CChar(UInt8(ascii: "g")))
            ? Character(UnicodeScalar(UInt8(type))) : "s"
        let c: UnsafePointer<CChar>? = try readBasic(code, nil)
        return String(cString: c!)
    }

    public func readUInt32() throws(SystemdError) -> UInt32 { try readBasic("u", 0) }
    public func readInt32() throws(SystemdError) -> Int32 { try readBasic("i", 0) }
    public func readBool() throws(SystemdError) -> Bool { try readBasic("b", Int32(0)) != 0 }
    public func readInt64() throws(SystemdError) -> Int64 { try readBasic("x", 0) }
    public func readUInt64() throws(SystemdError) -> UInt64 { try readBasic("t", 0) }
    public func readDouble() throws(SystemdError) -> Double { try readBasic("d", 0) }
    public func readByte() throws(SystemdError) -> UInt8 { try readBasic("y", 0) }
    public func readInt16() throws(SystemdError) -> Int16 { try readBasic("n", 0) }
    public func readUInt16() throws(SystemdError) -> UInt16 { try readBasic("q", 0) }

    /// Reads the next argument, which must be an integer of any D-Bus width (`y n q i u x t`), as
    /// an Int64; nil (nothing read) when it is not an integer. `t` above Int64.max is clamped.
    public func readAnyInteger() throws(SystemdError) -> Int64? {
        guard let (type, _) = try peekType() else { return nil }
        switch type {
        case "y": return Int64(try readByte())
        case "n": return Int64(try readInt16())
        case "q": return Int64(try readUInt16())
        case "i": return Int64(try readInt32())
        case "u": return Int64(try readUInt32())
        case "x": return try readInt64()
        case "t": return Int64(clamping: try readUInt64())
        default: return nil
        }
    }

    /// Enters a container; returns false when there is no further element of that kind (end of array).
    public func enterContainer(_ type: Character, _ contents: String?) throws(SystemdError) -> Bool {
        let r = sd_bus_message_enter_container(pointer, CChar(type.asciiValue!), contents)
        try check("sd_bus_message_enter_container(\(type) \(contents ?? "")) in \(member ?? "message") (\(signature))", r)
        return r > 0
    }

    public func exitContainer() throws(SystemdError) {
        try check("sd_bus_message_exit_container", sd_bus_message_exit_container(pointer))
    }

    /// Skips the next complete values with the given signature (e.g. `v` or `a{sv}`).
    public func skip(_ types: String) throws(SystemdError) {
        try check("sd_bus_message_skip(\(types))", sd_bus_message_skip(pointer, types))
    }

    /// Type and contents signature of the next argument, nil at the end of the current container.
    public func peekType() throws(SystemdError) -> (type: Character, contents: String?)? {
        var type: CChar = 0
        var contents: UnsafePointer<CChar>?
        let r = try check("sd_bus_message_peek_type", sd_bus_message_peek_type(pointer, &type, &contents))
        if r == 0 { return nil }
        return (Character(UnicodeScalar(UInt8(bitPattern: type))), contents.map { String(cString: $0) })
    }

    /// Reads `as`.
    public func readStringArray() throws(SystemdError) -> [String] {
        guard try enterContainer("a", "s") else {
            throw SystemdError(call: "sd_bus_message_enter_container(a s)", errno: ENXIO, message: "no more arguments")
        }
        var strings: [String] = []
        while try peekType() != nil { strings.append(try readString()) }
        try exitContainer()
        return strings
    }

    /// Reads `a{sv}`. Entries whose variant holds a type `BusVariant` cannot express are skipped.
    public func readVariantDictionary() throws(SystemdError) -> [String: BusVariant] {
        guard try enterContainer("a", "{sv}") else {
            throw SystemdError(call: "sd_bus_message_enter_container(a {sv})", errno: ENXIO, message: "no more arguments")
        }
        var dictionary: [String: BusVariant] = [:]
        while try enterContainer("e", "sv") {
            let key = try readString()
            if let value = try readVariant() { dictionary[key] = value }
            try exitContainer()
        }
        try exitContainer()
        return dictionary
    }

    /// Reads one `v`; returns nil (and skips it) for contents `BusVariant` has no case for.
    public func readVariant() throws(SystemdError) -> BusVariant? {
        guard let (type, contents) = try peekType(), type == "v", let contents else {
            throw SystemdError(call: "sd_bus_message_peek_type(v)", errno: ENXIO,
                               message: "expected a variant in \(member ?? "message") (\(signature))")
        }
        let known: Set<String> = ["s", "o", "b", "i", "u", "x", "t", "d", "y", "as"]
        guard known.contains(contents) else {
            try skip("v")
            return nil
        }
        _ = try enterContainer("v", contents)
        let value: BusVariant
        switch contents {
        case "s", "o": value = .string(try readString())
        case "b": value = .bool(try readBool())
        case "i": value = .int32(try readInt32())
        case "u": value = .uint32(try readUInt32())
        case "x": value = .int64(try readInt64())
        case "t": value = .uint64(try readUInt64())
        case "d": value = .double(try readDouble())
        case "y": value = .byte(try readByte())
        default: value = .stringArray(try readStringArray())
        }
        try exitContainer()
        return value
    }
}

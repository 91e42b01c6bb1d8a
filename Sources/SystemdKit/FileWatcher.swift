// Watches one file by watching its directory with inotify, filtered to the file's name: a file
// that is replaced atomically (a new symlink or file renamed over it, as `timedatectl set-timezone`
// does with /etc/localtime), deleted and created again (`ln -sf`), or rewritten in place is noticed
// every time. A watch on the file itself would follow the old inode and miss all but the last case.

import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Calls `handler` on `queue` when the file at `path` is created, replaced, deleted, rewritten or
/// changes its attributes. Events that arrive together are reported once.
///
/// Use on `queue` only; `cancel()` (or dropping the last reference) stops watching and closes the fd.
public final class FileWatcher: @unchecked Sendable {
    /// What is watched on the directory.
    static let mask: UInt32 = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB)
        | UInt32(IN_ONLYDIR)

    public let path: String
    public let directory: String
    public let name: String
    public let queue: DispatchQueue
    private let fd: Int32
    private let watch: Int32
    private var source: DispatchSourceRead?
    private var handler: (() -> Void)?
    private var onError: ((SystemdError) -> Void)?

    /// Starts watching `path` (its directory must exist). `onError` runs on `queue` if the watch
    /// breaks (the directory was removed, a read failed); the watcher then stops.
    public init(path: String, queue: DispatchQueue, onError: @escaping (SystemdError) -> Void = { _ in },
                handler: @escaping () -> Void) throws(SystemdError) {
        let (directory, name) = Self.split(path)
        guard !name.isEmpty else {
            throw SystemdError(call: "inotify_add_watch(\(path))", errno: EINVAL, message: "not a file path")
        }
        self.path = path
        self.directory = directory
        self.name = name
        self.queue = queue
        self.handler = handler
        self.onError = onError
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if fd < 0 { throw SystemdError(call: "inotify_init1", errno: errno) }
        let watch = inotify_add_watch(fd, directory, Self.mask)
        if watch < 0 {
            let code = errno
            Glibc.close(fd)
            throw SystemdError(call: "inotify_add_watch(\(directory))", errno: code, message: "cannot watch \(path) for changes")
        }
        self.fd = fd
        self.watch = watch
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readable() }
        source.setCancelHandler { _ = Glibc.close(fd) }
        self.source = source
        source.activate()
    }

    deinit {
        source?.cancel()
    }

    /// Whether the watch is still active (false after `cancel()` or a failure).
    public var isWatching: Bool { source != nil }

    /// Stops watching and closes the fd. Idempotent.
    public func cancel() {
        source?.cancel()
        source = nil
        handler = nil
        onError = nil
    }

    /// "/etc/localtime" -> ("/etc", "localtime"); "localtime" -> (".", "localtime").
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// One event from the inotify stream.
    struct Event: Equatable {
        var watch: Int32
        var mask: UInt32
        var name: String
    }

    /// Splits what read(2) returned into events (struct inotify_event: wd, mask, cookie, len, name[len]).
    static func parse(_ bytes: ArraySlice<UInt8>) -> [Event] {
        var events: [Event] = []
        let header = 16
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= header {
            // Host byte order, as the kernel wrote it.
            func u32(_ at: Int) -> UInt32 {
                bytes[(offset + at)..<(offset + at + 4)].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            }
            let wd = Int32(bitPattern: u32(0))
            let mask = u32(4)
            let length = Int(u32(12))
            guard bytes.endIndex - offset - header >= length else { break }
            let raw = bytes[(offset + header)..<(offset + header + length)]
            let nameBytes = raw.prefix { $0 != 0 }
            events.append(Event(watch: wd, mask: mask, name: String(decoding: nameBytes, as: UTF8.self)))
            offset += header + length
        }
        return events
    }

    private func readable() {
        guard source != nil else { return }
        var matched = false
        var buffer = [UInt8](repeating: 0, count: 4096 + 256)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN { break }
                fail(SystemdError(call: "read(inotify)", errno: code, message: "cannot watch \(path) for changes"))
                return
            }
            if n == 0 { break }
            for event in Self.parse(buffer[0..<n]) {
                if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    matched = true  // events were lost: assume ours was one of them
                } else if event.watch == watch && event.mask & UInt32(IN_IGNORED) != 0 {
                    // The directory itself went away (or was unmounted): nothing more will come.
                    if matched { handler?() }
                    fail(SystemdError(call: "inotify(\(directory))", errno: ENOENT,
                                      message: "the directory of \(path) was removed; no longer watching it"))
                    return
                } else if event.watch == watch && event.name == name {
                    matched = true
                }
            }
        }
        if matched { handler?() }
    }

    private func fail(_ error: SystemdError) {
        let report = onError
        source?.cancel()
        source = nil
        onError = nil
        report?(error)
    }
}

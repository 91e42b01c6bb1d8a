// Notices when the wall clock is set — `date -s`, `timedatectl set-time`, an NTP step, and on
// current kernels also the jump of CLOCK_REALTIME against CLOCK_MONOTONIC across a suspend — without
// polling: a timerfd on CLOCK_REALTIME armed with TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET at the
// far future (the way systemd's own time-change fd works). It never expires; when the clock is
// set, the kernel cancels it, the fd becomes readable and read() fails with ECANCELED. Then the
// timer is armed again and the handler runs, on the watcher's queue.
//
// <sys/timerfd.h> is not part of Swift's Glibc module (and this target does not own a C header of
// its own), so the three timerfd functions are looked up once with dlsym in libc and called through
// typed C function pointers. The flag values are Linux ABI constants (see timerfd_create(2)).

import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Calls `handler` on `queue` whenever the wall clock (CLOCK_REALTIME) is set or jumps.
///
/// Use on `queue` only; `cancel()` (or dropping the last reference) stops watching and closes the fd.
public final class ClockWatcher: @unchecked Sendable {
    /// The outcome of one read(2) of the timerfd.
    enum ReadResult: Equatable, Sendable {
        /// The timer expired `count` times (only possible when the deadline was reached).
        case expired(UInt64)
        /// ECANCELED: the clock was set (TFD_TIMER_CANCEL_ON_SET).
        case canceled
        /// EAGAIN: nothing to read (a spurious wake-up).
        case wouldBlock
        /// Any other errno.
        case failed(Int32)
    }

    /// The system calls the watcher makes. Tests replace them to simulate a clock change: a test
    /// must never set the machine's real clock, and a private time namespace does not virtualise
    /// CLOCK_REALTIME, so a real ECANCELED cannot be produced safely.
    struct System: @unchecked Sendable {
        /// Returns a non-blocking, close-on-exec fd to watch.
        var create: () throws(SystemdError) -> Int32
        /// Arms the fd to expire at the absolute CLOCK_REALTIME time `deadline`, cancel-on-set.
        var arm: (_ fd: Int32, _ deadline: timespec) throws(SystemdError) -> Void
        var read: (_ fd: Int32) -> ReadResult
        var close: (_ fd: Int32) -> Void

        static let live = System(
            create: { () throws(SystemdError) -> Int32 in
                try TimerFD.check("timerfd_create(CLOCK_REALTIME)", TimerFD.create(CLOCK_REALTIME, TimerFD.nonBlock | TimerFD.closeOnExec))
            },
            arm: { (fd: Int32, deadline: timespec) throws(SystemdError) in
                var spec = itimerspec(it_interval: timespec(), it_value: deadline)
                try TimerFD.check("timerfd_settime(TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET)",
                                  TimerFD.settime(fd, TimerFD.absolute | TimerFD.cancelOnSet, &spec, nil))
            },
            read: { fd in
                var expirations: UInt64 = 0
                while true {
                    let n = Glibc.read(fd, &expirations, MemoryLayout<UInt64>.size)
                    if n == MemoryLayout<UInt64>.size { return .expired(expirations) }
                    if n >= 0 { return .failed(EIO) }  // a timerfd always returns 8 bytes
                    switch errno {
                    case EINTR: continue
                    case ECANCELED: return .canceled
                    case EAGAIN: return .wouldBlock
                    case let e: return .failed(e)
                    }
                }
            },
            close: { fd in _ = Glibc.close(fd) }
        )
    }

    /// The latest time CLOCK_REALTIME can hold: the timer never expires, it can only be canceled.
    static let farFuture = timespec(tv_sec: .max, tv_nsec: 0)

    public let queue: DispatchQueue
    /// The timerfd (for diagnostics and tests).
    public let fileDescriptor: Int32
    private let system: System
    private let deadline: () -> timespec
    private var source: DispatchSourceRead?
    private var handler: (() -> Void)?
    private var onError: ((SystemdError) -> Void)?

    /// Starts watching. `handler` runs on `queue` after every change of the wall clock, once the
    /// watch is armed again (so a change during the handler is not lost). `onError` runs on `queue`
    /// if the watch breaks (a failing read or re-arm); the watcher then stops instead of spinning.
    /// Throws when the timerfd cannot be created or armed.
    public convenience init(queue: DispatchQueue, onError: @escaping (SystemdError) -> Void = { _ in },
                            handler: @escaping () -> Void) throws(SystemdError) {
        try self.init(queue: queue, system: .live, deadline: { ClockWatcher.farFuture }, onError: onError, handler: handler)
    }

    init(queue: DispatchQueue, system: System, deadline: @escaping () -> timespec,
         onError: @escaping (SystemdError) -> Void, handler: @escaping () -> Void) throws(SystemdError) {
        self.queue = queue
        self.system = system
        self.deadline = deadline
        self.handler = handler
        self.onError = onError
        let fd = try system.create()
        do {
            try system.arm(fd, deadline())
        } catch {
            system.close(fd)
            throw error
        }
        fileDescriptor = fd
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readable() }
        // Close the fd only once Dispatch no longer watches it.
        source.setCancelHandler { system.close(fd) }
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

    /// The fd is readable: find out why.
    func readable() {
        guard source != nil else { return }
        switch system.read(fileDescriptor) {
        case .wouldBlock:
            return
        case .failed(let code):
            fail(SystemdError(call: "read(timerfd)", errno: code, message: "cannot watch for changes of the wall clock"))
            return
        case .canceled, .expired:
            // Canceled: the clock was set. Expired: it reached the far-future deadline, which only a
            // set can do. Either way the timer must be armed again before anything else, or the
            // next change would go unnoticed (a canceled timerfd stays canceled until re-armed).
            do {
                try system.arm(fileDescriptor, deadline())
            } catch {
                fail(SystemdError(call: error.call, errno: error.errno, message: "cannot watch for changes of the wall clock any more"))
                // The clock did change: still let the owner recompute once.
                handler?()
                return
            }
            handler?()
        }
    }

    private func fail(_ error: SystemdError) {
        let report = onError
        source?.cancel()
        source = nil
        onError = nil
        report?(error)
    }
}

/// libc's timerfd functions (see the comment at the top of the file).
enum TimerFD {
    typealias CreateFunction = @convention(c) (Int32, Int32) -> Int32
    typealias SetTimeFunction = @convention(c) (Int32, Int32, UnsafePointer<itimerspec>?, UnsafeMutablePointer<itimerspec>?) -> Int32
    typealias GetTimeFunction = @convention(c) (Int32, UnsafeMutablePointer<itimerspec>?) -> Int32

    // Linux ABI values from <sys/timerfd.h> / <linux/timerfd.h>.
    static let absolute: Int32 = 1 << 0          // TFD_TIMER_ABSTIME
    static let cancelOnSet: Int32 = 1 << 1       // TFD_TIMER_CANCEL_ON_SET
    static let closeOnExec: Int32 = O_CLOEXEC    // TFD_CLOEXEC
    static let nonBlock: Int32 = O_NONBLOCK      // TFD_NONBLOCK

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        // RTLD_DEFAULT: libc is always loaded.
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    private static let createFunction = symbol("timerfd_create", as: CreateFunction.self)
    private static let setTimeFunction = symbol("timerfd_settime", as: SetTimeFunction.self)
    private static let getTimeFunction = symbol("timerfd_gettime", as: GetTimeFunction.self)

    /// timerfd_create(2); -1 with errno ENOSYS when libc lacks it.
    static func create(_ clock: clockid_t, _ flags: Int32) -> Int32 {
        guard let f = createFunction else { errno = ENOSYS; return -1 }
        return f(Int32(clock), flags)
    }

    /// timerfd_settime(2).
    static func settime(_ fd: Int32, _ flags: Int32, _ new: UnsafePointer<itimerspec>?, _ old: UnsafeMutablePointer<itimerspec>?) -> Int32 {
        guard let f = setTimeFunction else { errno = ENOSYS; return -1 }
        return f(fd, flags, new, old)
    }

    /// timerfd_gettime(2): the time left until the timer expires.
    static func gettime(_ fd: Int32, _ current: UnsafeMutablePointer<itimerspec>?) -> Int32 {
        guard let f = getTimeFunction else { errno = ENOSYS; return -1 }
        return f(fd, current)
    }

    /// A -1 return becomes an error naming the call, with errno.
    @discardableResult
    static func check(_ call: @autoclosure () -> String, _ result: Int32) throws(SystemdError) -> Int32 {
        if result < 0 { throw SystemdError(call: call(), errno: errno) }
        return result
    }
}

// Signals without a race. checkind blocks SIGTERM, SIGINT and SIGHUP in every thread first thing
// in main, so a signal that arrives at any moment after that stays pending, and the main thread
// takes them one by one with sigwait(2).
//
// Why not DispatchSource signal sources with `signal(SIG_IGN)`: between the two a SIGTERM is simply
// discarded (measured: up to 40% of starts lost it on a busy machine when stopped right after
// READY=1). Why not a signalfd while the main thread sits in dispatchMain(): on Linux that parks
// the main thread in sigsuspend() with an empty mask, which takes every signal itself.

#if canImport(Glibc)
import Glibc
#endif

public enum SignalWatcher {
    /// Blocks `signals` in the calling thread; call it first thing in main, before any thread
    /// exists, so every thread inherits the mask.
    public static func blockInProcess(_ signals: [Int32]) throws(SystemdError) {
        var set = makeSet(signals)
        let r = pthread_sigmask(SIG_BLOCK, &set, nil)
        if r != 0 { throw SystemdError(call: "pthread_sigmask(SIG_BLOCK)", errno: r) }
    }

    /// Waits for the (blocked) `signals` forever on the calling thread and hands each to `handler`.
    public static func waitForever(_ signals: [Int32], handler: (Int32) -> Void) -> Never {
        var set = makeSet(signals)
        while true {
            var signal: Int32 = 0
            if sigwait(&set, &signal) == 0 { handler(signal) }
        }
    }

    private static func makeSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        return set
    }
}

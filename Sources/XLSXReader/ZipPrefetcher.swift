#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import Basics

/// Inflates one zip entry on its own thread, ahead of the parser, into a
/// ring of fixed-size slots (`slots × slotSize` bytes, 4 MiB in the
/// reader), so inflating (`Inflater`, CRC) and XML scanning overlap instead of
/// taking turns on the parsing thread.
///
/// The ring is that deep for small machines: during an ingest the
/// inflating thread, the parsing thread and PostgreSQL's backend all want
/// a core, so on two cores each waits its turn for milliseconds at a time.
/// A 1 MiB ring (3 ms of parsing) ran dry or full in those waits, and a
/// core sat idle for ~15% of a 1M-row ingest; 8 MiB rode them out with
/// zlib inflating. Our own decoder inflates in about half zlib's time, so
/// the ring is full more often than dry: 4 MiB keeps the cores as busy
/// (A/B at 1M rows, within the machine's noise) and the ingest's peak RSS
/// 3.5 MiB lower (~60 MiB; 8 MiB took it to 63 MiB, close to the 64 MiB
/// bound).
///
/// The producer thread calls `source` (the entry stream's direct read,
/// which keeps every check: entry, total and ratio limits, and the CRC and
/// size check at the end of the entry) until it returns 0 or throws. Data
/// read before a failure is delivered first, then the error is thrown by
/// `read`, so errors surface at the same point of the part as without
/// prefetching.
///
/// Ownership: the entry stream owns the prefetcher and calls `stop()`
/// (which joins the thread) before it closes the libzip file, so the
/// producer never outlives what it reads. While the producer runs, nothing
/// else may use the archive (the reader is single-threaded: the thread
/// that calls `read` is the only other user, and it only reads the ring).
final class ZipPrefetcher {
    private let source: (UnsafeMutableRawBufferPointer) throws -> Int
    private let slotSize: Int
    private let slotCount: Int
    private let storage: UnsafeMutableRawPointer
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let changed: UnsafeMutablePointer<pthread_cond_t>
    private var thread: pthread_t? = nil

    // Guarded by `lock`.
    private var filled: [Int]
    private var head = 0
    private var count = 0
    private var done = false
    private var cancelled = false
    private var failure: (any Error)? = nil

    /// Consumer side only: bytes of the head slot already handed out.
    private var consumedInHead = 0
    /// Consumer side only: the head slot is lent out (`nextSlot`).
    private var holding = false

    /// Bytes writable before each slot's data, for `nextSlot`'s prefix.
    static let headroom = 64 << 10

    /// The reader's ring size (see above).
    static let ringBytes = 4 << 20

    init(slotSize: Int = 256 << 10, slots: Int = 4, source: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
        self.source = source
        self.slotSize = max(slotSize, 16)
        self.slotCount = max(slots, 2)
        storage = .allocate(byteCount: (Self.headroom + self.slotSize) * self.slotCount, alignment: 16)
        filled = Array(repeating: 0, count: self.slotCount)
        lock = .allocate(capacity: 1)
        changed = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        stop()
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        changed.deallocate()
        lock.deallocate()
        storage.deallocate()
    }

    /// Starts the producer thread. Returns false if no thread could be
    /// created (the caller then reads directly).
    func start() -> Bool {
        // The thread keeps the prefetcher alive until `produce` returns.
        guard let handle = try? BackgroundThread.start(stackSize: 256 << 10, { self.produce() }) else { return false }
        thread = handle
        return true
    }

    /// Stops the producer and waits for it (idempotent).
    func stop() {
        guard let handle = thread else { return }
        pthread_mutex_lock(lock)
        cancelled = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
        pthread_join(handle, nil)
        thread = nil
    }

    private func produce() {
        while true {
            pthread_mutex_lock(lock)
            while count == slotCount && !cancelled { pthread_cond_wait(changed, lock) }
            if cancelled {
                pthread_mutex_unlock(lock)
                return
            }
            let slot = (head + count) % slotCount
            pthread_mutex_unlock(lock)

            var n = 0
            var error: (any Error)? = nil
            do {
                n = try source(UnsafeMutableRawBufferPointer(start: data(slot), count: slotSize))
            } catch let e {
                error = e
            }

            pthread_mutex_lock(lock)
            if let error {
                failure = error
                done = true
            } else if n == 0 {
                done = true
            } else {
                filled[slot] = n
                count += 1
            }
            let finished = done
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(lock)
            if finished { return }
        }
    }

    /// Copies up to `buffer.count` inflated bytes into `buffer`, waiting for
    /// the producer when the ring is empty; 0 at the end of the entry.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        releaseSlot()
        pthread_mutex_lock(lock)
        while count == 0 && !done { pthread_cond_wait(changed, lock) }
        if count == 0 {
            let error = failure
            pthread_mutex_unlock(lock)
            if let error { throw error }
            return 0
        }
        let slot = head
        let slotEnd = filled[slot]
        pthread_mutex_unlock(lock)

        // The head slot is not written by the producer while it is counted.
        let n = min(slotEnd - consumedInHead, buffer.count)
        buffer.baseAddress!.copyMemory(from: data(slot) + consumedInHead, byteCount: n)
        consumedInHead += n
        if consumedInHead == slotEnd {
            pthread_mutex_lock(lock)
            consumedInHead = 0
            head = (head + 1) % slotCount
            count -= 1
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(lock)
        }
        return n
    }

    private func data(_ slot: Int) -> UnsafeMutableRawPointer {
        storage + slot * (Self.headroom + slotSize) + Self.headroom
    }

    /// Reading without the copy: lends out the next slot (what `read` has
    /// not handed out of it), with `prefix` (at most `headroom` bytes, e.g.
    /// the unread end of the slot lent before) copied in front of its
    /// bytes, and takes back the slot lent before. Returns nil at the end
    /// of the entry (the slot lent before stays lent: its bytes may still
    /// be in use). The bytes stay valid until the next `nextSlot`,
    /// `releaseSlot` or `read`.
    func nextSlot(prefix: UnsafeRawBufferPointer) throws -> UnsafeMutableRawBufferPointer? {
        precondition(prefix.count <= Self.headroom)
        let want = holding ? 2 : 1
        pthread_mutex_lock(lock)
        while count < want && !done { pthread_cond_wait(changed, lock) }
        if count < want {
            let error = failure
            pthread_mutex_unlock(lock)
            if let error { throw error }
            return nil
        }
        let slot = (head + want - 1) % slotCount
        let n = filled[slot]
        pthread_mutex_unlock(lock)
        // The lent slot (which `prefix` may point into) and this one are
        // both counted, so the producer writes neither. Bytes of the head
        // slot `read` handed out already are skipped (and are room too).
        let skipped = holding ? 0 : consumedInHead
        consumedInHead = 0
        let start = data(slot) + skipped - prefix.count
        if let from = prefix.baseAddress, prefix.count > 0 { start.copyMemory(from: from, byteCount: prefix.count) }
        releaseSlot()
        holding = true
        return UnsafeMutableRawBufferPointer(start: start, count: prefix.count + n - skipped)
    }

    /// Takes back the slot `nextSlot` lent out, if any (`read` then goes
    /// on after it).
    func releaseSlot() {
        guard holding else { return }
        holding = false
        pthread_mutex_lock(lock)
        head = (head + 1) % slotCount
        count -= 1
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
    }
}

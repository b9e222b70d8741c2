internal import CZip

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import Basics

/// Deflates one streamed part (a data sheet's rows) at level 1 on its own
/// thread, into a one-entry temporary archive, while the writing thread
/// goes on making XML: the writer fills a ring of fixed-size slots, the
/// compressor thread runs libzip's `zip_close` over a source that reads
/// the ring. ``XLSXWriter`` later copies the deflated bytes into the
/// workbook without inflating them again.
///
/// Producer side (`ensure`, `finish`, `cancel`): the thread that owns the
/// writer. Consumer side (`read`, from libzip's source callback): the
/// compressor thread. The ring and the flags are guarded by `lock`; a
/// counted (full) slot is only read by the consumer, the slot being filled
/// only written by the producer.
final class XLSXDeflatedPart {
    /// What the temporary archive holds once the part is finished.
    struct Result {
        var archivePath: String
        var size: UInt64
        var compressedSize: UInt64
        var crc: UInt32
    }

    let archivePath: String
    private let slotSize: Int
    private let slotCount: Int
    private let storage: UnsafeMutablePointer<UInt8>
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let changed: UnsafeMutablePointer<pthread_cond_t>
    private var thread: pthread_t? = nil
    private var archive: OpaquePointer?

    // Guarded by `lock`.
    private var filled: [Int]
    private var head = 0
    private var count = 0
    private var ended = false
    private var cancelled = false
    private var compressorDone = false
    private var failure: String? = nil

    /// Consumer only: bytes of the head slot already handed to libzip.
    private var consumedInHead = 0

    /// Where the producer writes next in the slot being filled, and the
    /// slot's end. Behind a pointer so the writer's per-byte path has no
    /// class-property (exclusivity) checks.
    struct Cursor {
        var next: UnsafeMutablePointer<UInt8>
        var end: UnsafeMutablePointer<UInt8>
    }

    /// Producer only.
    let cursor: UnsafeMutablePointer<Cursor>
    private var writeSlot = 0
    private(set) var result: Result?
    /// Uncompressed bytes handed over so far.
    private(set) var bytes: UInt64 = 0

    var capacity: Int { slotSize }

    init(directory: String?, slotSize: Int = 1 << 20, slots: Int = 4) throws(XLSXWriterError) {
        self.slotSize = slotSize
        self.slotCount = max(slots, 2)
        let dir = directory ?? getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(dir)/pyramydal-rows-XXXXXX.zip".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
        guard fd >= 0 else {
            let text = String(cString: strerror(errno))
            throw XLSXWriterError(code: .creatingWorkbook, message: "temporary file in \(dir): \(text)", path: dir)
        }
        close(fd)
        archivePath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        storage = .allocate(capacity: slotSize * slotCount)
        cursor = .allocate(capacity: 1)
        cursor.initialize(to: Cursor(next: storage, end: storage + slotSize))
        filled = Array(repeating: 0, count: slotCount)
        lock = .allocate(capacity: 1)
        changed = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(changed, nil)
        try start()
    }

    deinit {
        cancel()
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        changed.deallocate()
        lock.deallocate()
        cursor.deallocate()
        storage.deallocate()
    }

    // MARK: - producer

    /// Makes room for `n` more bytes at `cursor.next` (n ≤ `capacity`),
    /// handing the filled slot to the compressor and waiting for a free one.
    @inline(__always)
    func ensure(_ n: Int) throws(XLSXWriterError) {
        if cursor.pointee.end - cursor.pointee.next < n { try submit() }
    }

    func submit() throws(XLSXWriterError) {
        let used = cursor.pointee.next - (storage + writeSlot * slotSize)
        guard used > 0 else { return }
        pthread_mutex_lock(lock)
        filled[writeSlot] = used
        count += 1
        bytes += UInt64(used)
        pthread_cond_broadcast(changed)
        while count == slotCount && !compressorDone { pthread_cond_wait(changed, lock) }
        let failed = compressorDone ? (failure ?? "the compressor stopped early") : nil
        pthread_mutex_unlock(lock)
        if let failed { throw error(failed) }
        writeSlot = (writeSlot + 1) % slotCount
        let start = storage + writeSlot * slotSize
        cursor.pointee = Cursor(next: start, end: start + slotSize)
    }

    /// Hands over the rest, waits for the compressor and reads the entry's
    /// CRC and sizes. Idempotent.
    @discardableResult
    func finish() throws(XLSXWriterError) -> Result {
        if let result { return result }
        try submit()
        pthread_mutex_lock(lock)
        ended = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
        join()
        if let failure { throw error(failure) }
        var code: Int32 = 0
        guard let za = zip_open(archivePath, ZIP_RDONLY, &code) else { throw error("reopening the part (libzip error \(code))") }
        defer { zip_discard(za) }
        var st = zip_stat_t()
        zip_stat_init(&st)
        guard zip_stat_index(za, 0, 0, &st) == 0 else { throw error(String(cString: zip_strerror(za))) }
        let r = Result(archivePath: archivePath, size: st.size, compressedSize: st.comp_size, crc: st.crc)
        result = r
        return r
    }

    /// Stops the compressor (if running), waits for it and deletes the
    /// temporary archive. Idempotent.
    func cancel() {
        if thread != nil {
            pthread_mutex_lock(lock)
            cancelled = true
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(lock)
            join()
        }
        unlink(archivePath)
    }

    private func error(_ message: String) -> XLSXWriterError {
        XLSXWriterError(code: .writingCell, message: "compressing rows: \(message)", path: archivePath)
    }

    // MARK: - compressor thread

    private func start() throws(XLSXWriterError) {
        var code: Int32 = 0
        guard let za = zip_open(archivePath, ZIP_CREATE | ZIP_TRUNCATE, &code) else {
            unlink(archivePath)
            throw error("opening the part archive (libzip error \(code))")
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard let source = zip_source_function(za, { context, data, length, command in
            let part = Unmanaged<XLSXDeflatedPart>.fromOpaque(context!).takeUnretainedValue()
            return part.sourceCallback(data, length, command)
        }, context) else {
            zip_discard(za)
            unlink(archivePath)
            throw error("zip_source_function failed")
        }
        let index = zip_file_add(za, "rows", source, zip_flags_t(ZIP_FL_OVERWRITE))
        if index < 0 || zip_set_file_compression(za, zip_uint64_t(index), ZIP_CM_DEFLATE, 1) != 0 {
            let text = String(cString: zip_strerror(za))
            if index < 0 { zip_source_free(source) }
            zip_discard(za)
            unlink(archivePath)
            throw error(text)
        }
        archive = za
        do {
            // Unowned: every path that drops the part (deinit included) joins
            // the thread first (`cancel`, `finish`).
            thread = try BackgroundThread.start(stackSize: 512 << 10) { [unowned self] in self.compress() }
        } catch {
            zip_discard(za)
            archive = nil
            unlink(archivePath)
            throw self.error("no thread for the compressor (\(error.code))")
        }
    }

    private func join() {
        guard let handle = thread else { return }
        pthread_join(handle, nil)
        thread = nil
    }

    private func compress() {
        guard let za = archive else { return }
        var message: String? = nil
        if zip_close(za) != 0 {
            message = String(cString: zip_strerror(za))
            zip_discard(za)
        }
        pthread_mutex_lock(lock)
        archive = nil
        failure = message
        compressorDone = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
    }

    private func sourceCallback(_ data: UnsafeMutableRawPointer?, _ length: zip_uint64_t,
                                _ command: zip_source_cmd_t) -> zip_int64_t {
        switch command {
        case ZIP_SOURCE_OPEN, ZIP_SOURCE_CLOSE, ZIP_SOURCE_FREE:
            return 0
        case ZIP_SOURCE_READ:
            return read(into: data!, length)
        case ZIP_SOURCE_STAT:
            let st = data!.assumingMemoryBound(to: zip_stat_t.self)
            zip_stat_init(st)
            return zip_int64_t(MemoryLayout<zip_stat_t>.size)
        case ZIP_SOURCE_ERROR:
            let codes = data!.assumingMemoryBound(to: Int32.self)
            codes[0] = ZIP_ER_CANCELLED
            codes[1] = 0
            return zip_int64_t(2 * MemoryLayout<Int32>.size)
        case ZIP_SOURCE_SUPPORTS:
            return Self.supportedCommands
        default:
            return -1
        }
    }

    /// `zip_source_make_command_bitmap` (variadic, so not callable from
    /// Swift) of what our source functions answer.
    static let supportedCommands: zip_int64_t = [
        ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
    ].reduce(0) { $0 | (1 << zip_int64_t($1.rawValue)) }

    /// Copies ring bytes for libzip; 0 at the end, -1 when cancelled.
    private func read(into data: UnsafeMutableRawPointer, _ length: zip_uint64_t) -> zip_int64_t {
        guard length > 0 else { return 0 }
        pthread_mutex_lock(lock)
        while true {
            while count == 0 && !ended && !cancelled { pthread_cond_wait(changed, lock) }
            if cancelled {
                pthread_mutex_unlock(lock)
                return -1
            }
            if count == 0 {
                pthread_mutex_unlock(lock)
                return 0
            }
            if filled[head] > 0 { break }
            head = (head + 1) % slotCount
            count -= 1
        }
        let slot = head
        let slotEnd = filled[slot]
        pthread_mutex_unlock(lock)

        let n = min(slotEnd - consumedInHead, Int(clamping: length))
        data.copyMemory(from: storage + slot * slotSize + consumedInHead, byteCount: n)
        consumedInHead += n
        if consumedInHead == slotEnd {
            pthread_mutex_lock(lock)
            consumedInHead = 0
            head = (head + 1) % slotCount
            count -= 1
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(lock)
        }
        return zip_int64_t(n)
    }
}

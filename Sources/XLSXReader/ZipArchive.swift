internal import CZip
internal import Gzip

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The libzip wrapper: opens the archive read-only, maps normalised entry
/// names (lower case, `/` separators, no leading `/`) to entry indices, and
/// inflates entries as bounded streams. Not thread-safe: one thread uses it.
final class ZipArchive {
    let path: String
    let limits: ReaderLimits
    private let handle: OpaquePointer
    /// Normalised entry name → entry index.
    private(set) var entries: [String: Int] = [:]
    /// Bytes inflated so far over every read of every entry, for the total
    /// bound: an entry read twice counts twice.
    private var inflatedTotal: Int64 = 0

    init(path: String, limits: ReaderLimits) throws {
        self.path = path
        self.limits = limits
        try Self.checkMagic(path: path)
        var errorCode: Int32 = 0
        guard let handle = zip_open(path, ZIP_RDONLY, &errorCode) else {
            var error = zip_error_t()
            zip_error_init_with_code(&error, errorCode)
            let text = String(cString: zip_error_strerror(&error))
            zip_error_fini(&error)
            // `checkMagic` has opened and read the file, so libzip's "No such
            // file" (a central directory entry whose zip64 sizes are missing)
            // or "Inconsistent" is damage, not a missing file.
            switch errorCode {
            case ZIP_ER_NOZIP:
                throw WorkbookError(.notAZip, file: path, message: "not a zip archive, so not an .xlsx workbook (\(text))")
            case ZIP_ER_OPEN, ZIP_ER_READ, ZIP_ER_SEEK, ZIP_ER_TELL, ZIP_ER_MEMORY:
                throw WorkbookError(.io, file: path, message: "cannot read the file: \(text)")
            default:
                throw WorkbookError(.corruptZip, file: path, message: "damaged zip archive: \(text)")
            }
        }
        self.handle = handle
        let count = zip_get_num_entries(handle, 0)
        for index in 0..<max(count, 0) {
            guard let raw = zip_get_name(handle, zip_uint64_t(index), zip_flags_t(ZIP_FL_ENC_GUESS)) else { continue }
            let key = Self.normalise(String(cString: raw))
            if entries[key] == nil { entries[key] = Int(index) }
        }
    }

    deinit {
        zip_discard(handle)
    }

    /// The lookup key of an entry or part name: `\` → `/`, no leading `/`,
    /// ASCII lower case (part names are case-insensitive in OPC).
    static func normalise(_ name: String) -> String {
        var bytes = Array(name.utf8)
        for i in bytes.indices {
            if bytes[i] == UInt8(ascii: "\\") { bytes[i] = UInt8(ascii: "/") }
            else if bytes[i] >= 65 && bytes[i] <= 90 { bytes[i] += 32 }
        }
        var start = 0
        while start < bytes.count && bytes[start] == UInt8(ascii: "/") { start += 1 }
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    func has(_ part: String) -> Bool { entries[Self.normalise(part)] != nil }

    /// Reads a whole (structural) part into memory, bounded by
    /// `maxStructuralPartBytes`.
    func readAll(_ part: String) throws -> [UInt8] {
        let stream = try open(part, limit: limits.maxStructuralPartBytes)
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try stream.read(into: $0) }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// Opens an entry as a bounded inflating stream.
    func open(_ part: String, limit: Int64? = nil) throws -> ZipEntryStream {
        guard let index = entries[Self.normalise(part)] else {
            throw WorkbookError(.missingPart, file: path, part: part, message: "the package has no part \(part)")
        }
        var stat = zip_stat_t()
        zip_stat_init(&stat)
        guard zip_stat_index(handle, zip_uint64_t(index), 0, &stat) == 0 else {
            throw corrupt(part, "cannot read the entry's header")
        }
        if stat.valid & zip_uint64_t(ZIP_STAT_ENCRYPTION_METHOD) != 0 && stat.encryption_method != UInt16(ZIP_EM_NONE) {
            throw WorkbookError(.encrypted, file: path, part: part, message: "the zip entry is encrypted (password-protected)")
        }
        let entryLimit = min(limit ?? limits.maxEntryBytes, limits.maxEntryBytes)
        if stat.valid & zip_uint64_t(ZIP_STAT_SIZE) != 0 && Int64(clamping: stat.size) > entryLimit {
            throw WorkbookError(.tooLarge, file: path, part: part, message: "the entry declares \(stat.size) inflated bytes, more than the limit of \(entryLimit)")
        }
        let compressed: Int64 = stat.valid & zip_uint64_t(ZIP_STAT_COMP_SIZE) != 0 ? Int64(clamping: stat.comp_size) : 0
        // A deflated entry whose CRC and size the directory gives is read
        // raw and inflated by `Inflater` (which checks both at the end);
        // anything else (stored, other methods) is libzip's to decode.
        let needed = zip_uint64_t(ZIP_STAT_COMP_METHOD) | zip_uint64_t(ZIP_STAT_CRC) | zip_uint64_t(ZIP_STAT_SIZE)
        let raw = stat.valid & needed == needed && stat.comp_method == zip_uint16_t(ZIP_CM_DEFLATE)
        guard let file = zip_fopen_index(handle, zip_uint64_t(index), raw ? zip_flags_t(ZIP_FL_COMPRESSED) : 0) else {
            let text = String(cString: zip_error_strerror(zip_get_error(handle)))
            let code = zip_error_code_zip(zip_get_error(handle))
            if code == ZIP_ER_ENCRNOTSUPP || code == ZIP_ER_NOPASSWD || code == ZIP_ER_WRONGPASSWD {
                throw WorkbookError(.encrypted, file: path, part: part, message: "the zip entry is encrypted: \(text)")
            }
            if code == ZIP_ER_COMPNOTSUPP {
                throw WorkbookError(.unsupported, file: path, part: part, message: "unsupported compression method: \(text)")
            }
            throw corrupt(part, text)
        }
        let declared: Int64? = stat.valid & zip_uint64_t(ZIP_STAT_SIZE) != 0 ? Int64(clamping: stat.size) : nil
        return ZipEntryStream(archive: self, file: file, part: part, limit: entryLimit, compressedSize: compressed,
                              declaredSize: declared, check: raw ? (crc: UInt32(stat.crc), size: Int64(clamping: stat.size)) : nil)
    }

    fileprivate func account(_ bytes: Int64, part: String) throws {
        inflatedTotal += bytes
        if inflatedTotal > limits.maxTotalBytes {
            throw WorkbookError(.tooLarge, file: path, part: part, message: "the archive inflates to more than the limit of \(limits.maxTotalBytes) bytes in total")
        }
    }

    fileprivate func corrupt(_ part: String, _ text: String) -> WorkbookError {
        WorkbookError(.corruptZip, file: path, part: part, message: "damaged zip entry: \(text)")
    }

    // MARK: file signature

    /// Tells OLE compound files (legacy `.xls`, password-protected
    /// workbooks) apart before libzip sees the file.
    private static func checkMagic(path: String) throws {
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else {
            let text = String(cString: strerror(errno))
            throw WorkbookError(.io, file: path, message: "cannot open the file: \(text)")
        }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR {
            throw WorkbookError(.io, file: path, message: "is a directory, not a workbook file")
        }
        var magic = [UInt8](repeating: 0, count: 8)
        let n = magic.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 8) }
        if n < 0 {
            let text = String(cString: strerror(errno))
            throw WorkbookError(.io, file: path, message: "cannot read the file: \(text)")
        }
        if n == 0 {
            throw WorkbookError(.notAZip, file: path, message: "the file is empty, not an .xlsx workbook")
        }
        guard n == 8, magic == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] else { return }
        // An OLE compound file. Encrypted OOXML packages hold an
        // "EncryptionInfo" stream; directory entry names are UTF-16LE, so
        // search the file for that name in UTF-16LE.
        let needle: [UInt8] = Array("EncryptionInfo".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        if containsBytes(fd: fd, needle: needle) {
            throw WorkbookError(.encrypted, file: path, message: "a password-protected workbook; save it without a password and drop it again")
        }
        throw WorkbookError(.legacyXLS, file: path, message: "an Excel 97-2003 .xls file, not .xlsx; save it as .xlsx and drop it again")
    }

    private static func containsBytes(fd: Int32, needle: [UInt8]) -> Bool {
        guard lseek(fd, 0, SEEK_SET) == 0 else { return false }
        let chunkSize = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunkSize + needle.count)
        var carried = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + carried, chunkSize) }
            if n <= 0 { return false }
            let total = carried + n
            let found = buffer.withUnsafeBytes { raw -> Bool in
                var i = 0
                let base = raw.bindMemory(to: UInt8.self)
                while i + needle.count <= total {
                    guard let hit = memchr(raw.baseAddress! + i, Int32(needle[0]), total - needle.count + 1 - i) else { return false }
                    i = raw.baseAddress!.distance(to: UnsafeRawPointer(hit))
                    if base[i..<(i + needle.count)].elementsEqual(needle) { return true }
                    i += 1
                }
                return false
            }
            if found { return true }
            carried = min(needle.count - 1, total)
            buffer.withUnsafeMutableBytes { raw in
                _ = memmove(raw.baseAddress!, raw.baseAddress! + total - carried, carried)
            }
        }
    }
}

/// One entry being inflated. Counts inflated bytes as they come and throws
/// `.tooLarge` as soon as the entry limit, the archive total or the
/// compression ratio (above its threshold) is exceeded.
final class ZipEntryStream {
    private let archive: ZipArchive
    private var file: OpaquePointer?
    let part: String
    private let limit: Int64
    private let compressedSize: Int64
    private(set) var inflated: Int64 = 0
    /// The inflated size the zip directory declares (a hint for buffer
    /// sizes and progress: never trusted as a bound).
    let declaredSize: Int64?

    /// For an entry read raw: the decoder, and the CRC-32 and size the
    /// zip directory declares, checked at the end (libzip checks its own).
    private var inflater: Inflater? = nil
    private var check: (crc: UInt32, size: Int64)?
    private var crc = CRC32()

    fileprivate init(archive: ZipArchive, file: OpaquePointer, part: String, limit: Int64, compressedSize: Int64,
                     declaredSize: Int64?, check: (crc: UInt32, size: Int64)?) {
        self.archive = archive
        self.file = file
        self.part = part
        self.limit = limit
        self.compressedSize = compressedSize
        self.declaredSize = declaredSize
        self.check = check
        if check != nil {
            inflater = Inflater { [unowned(unsafe) self] buffer in try self.readFile(into: buffer) }
        }
    }

    private var prefetcher: ZipPrefetcher? = nil

    deinit {
        prefetcher?.stop()  // joins the inflating thread before the file is closed
        if let file { zip_fclose(file) }
    }

    /// Inflates the rest of the entry on a thread of its own, ahead of
    /// `read` (see `ZipPrefetcher`), into a ring of about `ringBytes`
    /// (4 to 64 slots of `slotSize`). Call before the first `read`; from
    /// then on only the calling thread reads, and nothing else may use the
    /// archive until this stream is released.
    func prefetch(slotSize: Int = 256 << 10, ringBytes: Int = ZipPrefetcher.ringBytes) {
        guard prefetcher == nil, file != nil else { return }
        let slots = min(64, max(4, ringBytes / max(slotSize, 1)))
        let p = ZipPrefetcher(slotSize: slotSize, slots: slots) { [unowned(unsafe) self] buffer in
            try self.readDirect(into: buffer)
        }
        if p.start() { prefetcher = p }
    }

    /// Whether `nextSlot` works (the entry is inflated ahead, see `prefetch`).
    var lendsSlots: Bool { prefetcher != nil }

    /// See `ZipPrefetcher.nextSlot` (only when `lendsSlots`).
    func nextSlot(prefix: UnsafeRawBufferPointer) throws -> UnsafeMutableRawBufferPointer? {
        try prefetcher!.nextSlot(prefix: prefix)
    }

    func releaseSlot() { prefetcher?.releaseSlot() }

    /// Inflates up to `buffer.count` bytes into `buffer`; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let prefetcher { return try prefetcher.read(into: buffer) }
        return try readDirect(into: buffer)
    }

    /// libzip's next bytes of the entry: compressed for an entry read raw,
    /// inflated otherwise.
    private func readFile(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let file, buffer.count > 0 else { return 0 }
        let n = zip_fread(file, buffer.baseAddress!, zip_uint64_t(buffer.count))
        if n < 0 {
            let text = String(cString: zip_error_strerror(zip_file_get_error(file)))
            throw archive.corrupt(part, text)
        }
        return Int(n)
    }

    private func readDirect(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let file, buffer.count > 0 else { return 0 }
        let n: Int
        if let inflater {
            do {
                n = try inflater.read(into: buffer)
            } catch let failure as Inflater.Failure {
                throw archive.corrupt(part, "invalid deflate data: \(failure.description)")
            }
            if n > 0 {
                crc.update(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
            } else if let check {
                if inflated != check.size {
                    throw archive.corrupt(part, "the entry inflates to \(inflated) bytes, the zip directory says \(check.size)")
                }
                if crc.value != check.crc {
                    throw archive.corrupt(part, "CRC error: the inflated data does not match the entry's checksum")
                }
            }
        } else {
            n = try readFile(into: buffer)
        }
        if n == 0 {
            inflater = nil
            zip_fclose(file)
            self.file = nil
            return 0
        }
        inflated += Int64(n)
        if inflated > limit {
            throw WorkbookError(.tooLarge, file: archive.path, part: part, message: "the entry inflates to more than the limit of \(limit) bytes")
        }
        if inflated > archive.limits.ratioThresholdBytes
            && inflated > archive.limits.maxCompressionRatio * max(compressedSize, 1) {
            throw WorkbookError(.tooLarge, file: archive.path, part: part, message: "the entry inflates more than \(archive.limits.maxCompressionRatio):1 (\(compressedSize) compressed bytes) — a zip bomb?")
        }
        try archive.account(Int64(n), part: part)
        return Int(n)
    }
}

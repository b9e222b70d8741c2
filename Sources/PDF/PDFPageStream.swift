internal import Gzip

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import Basics

/// Writes a PDF file page by page, so memory stays flat however many pages
/// a report has: each page's content (``PDFPageContent``) goes through a
/// bounded queue to a second thread, which deflates it at level 1 (zlib
/// format, `/FlateDecode`) and appends the page and its content stream to
/// the file while the caller draws the next page. ``finish(fonts:)`` then
/// copies the fonts and the Info dictionary of a ``PDFDocument`` (libharu
/// subsets each font to the glyphs that were measured) behind the pages,
/// with their object numbers moved past the pages', and writes one shared
/// resource dictionary, the page tree, the catalog and the cross-reference
/// table.
///
/// Objects: 1 catalog, 2 page tree, 3 resources (every font, named as the
/// pages use them), page *i* (from 0) is object 4 + 2*i* with its content
/// stream 5 + 2*i*, the fonts follow.
///
/// The drawing thread owns the stream (`addPage`, `finish`, `deinit`); the
/// writer thread owns a ``Pipe`` that it retains while it runs, so dropping
/// the stream (deinit) can stop and join it. Not `Sendable`: one drawing
/// thread.
public final class PDFPageStream {
    public let path: String
    private let pipe: Pipe
    private var thread: pthread_t? = nil
    public private(set) var pageCount = 0
    private var finished = false

    /// Opens `path` for writing (replacing it) and starts the writer thread.
    /// - Parameter queuePages: pages drawn ahead of the writer at most.
    public init(path: String, queuePages: Int = 16) throws(PDFError) {
        self.path = path
        pipe = try Pipe(path: path, capacity: max(1, queuePages))
        do {
            try pipe.writer.write(Array("%PDF-1.3\n%".utf8) + [0xB7, 0xBE, 0xAD, 0xAA, 0x0A])
            thread = try pipe.start()
        } catch {
            finished = true  // deinit (which runs for a fully initialised object) leaves the file alone
            pipe.discard()
            throw error as? PDFError ?? PDFObjectFile.failure("write \(path): \(error)")
        }
    }

    /// A stream dropped before ``finish(fonts:)`` (an error while drawing)
    /// stops its thread and removes the partial file.
    deinit {
        guard !finished else { return }
        stop(cancel: true)
        pipe.discard()
    }

    /// Queues a page of `width` × `height` points; waits while the queue is full.
    public func addPage(width: Double, height: Double, content: [UInt8]) throws(PDFError) {
        precondition(!finished, "addPage after finish")
        try pipe.push(Pipe.Page(number: 4 + 2 * pageCount, width: width, height: height, content: content))
        pageCount += 1
    }

    /// Waits for the queued pages, then writes the fonts of `fonts` (which
    /// is saved and can't be used afterwards), the resources, the page tree,
    /// the catalog and the cross-reference table, and closes the file.
    public func finish(fonts document: PDFDocument) throws(PDFError) {
        precondition(!finished, "finish twice")
        stop(cancel: false)
        finished = true
        var closed = false
        defer { if !closed { pipe.discard() } }
        // The writer thread is joined: its state is ours now.
        if let failure = pipe.failure { throw PDFObjectFile.failure(failure) }
        let fonts = document.fonts
        let saved = try PDFObjectFile(bytes: try document.saveToMemory(), name: "fonts")
        guard saved.kids.isEmpty else { throw PDFObjectFile.failure("the font document has pages") }
        do {
            var numbers: [Int: Int] = [:]
            var next = 4 + 2 * pageCount
            for object in saved.objects.keys.sorted()
            where object != saved.root && object != saved.pagesRoot && object != saved.info {
                numbers[object] = next
                next += 1
            }
            let infoNumber = next
            next += 1
            var offsets = pipe.offsets
            offsets += Array(repeating: 0, count: max(0, next - offsets.count))
            for (old, new) in numbers.sorted(by: { $0.value < $1.value }) {
                guard let range = saved.objects[old] else { continue }
                offsets[new] = pipe.writer.offset
                try saved.copy(object: old, range: range, as: new, numbers: numbers, to: &pipe.writer)
            }
            var resources = "3 0 obj\n<<\n/ProcSet [ /PDF /Text ]\n/Font <<\n"
            for font in fonts {
                guard let number = numbers[font.objectNumber] else {
                    throw PDFObjectFile.failure("font \(font.name) is not in the saved fonts")
                }
                resources += "/\(String(decoding: font.resourceName, as: UTF8.self)) \(number) 0 R\n"
            }
            resources += ">>\n>>\nendobj\n"
            offsets[infoNumber] = pipe.writer.offset
            try pipe.writer.write(Self.infoObject(number: infoNumber, title: document.title, creator: document.creator))
            offsets[3] = pipe.writer.offset
            try pipe.writer.write(Array(resources.utf8))
            offsets[2] = pipe.writer.offset
            var tree = Array("2 0 obj\n<<\n/Type /Pages\n/Kids [ ".utf8)
            tree.reserveCapacity(tree.count + pageCount * 10 + 64)
            for page in 0..<pageCount {
                DecimalDigits.appendInteger(Int64(4 + 2 * page), to: &tree)
                tree.append(contentsOf: " 0 R ".utf8)
            }
            tree.append(contentsOf: "]\n/Count \(pageCount)\n>>\nendobj\n".utf8)
            try pipe.writer.write(tree)
            offsets[1] = pipe.writer.offset
            try pipe.writer.write(Array("1 0 obj\n<<\n/Type /Catalog\n/Pages 2 0 R\n>>\nendobj\n".utf8))
            let xref = pipe.writer.offset
            var table = Array("xref\n0 \(next)\n0000000000 65535 f\r\n".utf8)
            table.reserveCapacity(table.count + next * 20 + 128)
            for number in 1..<next {
                let offset = offsets[number]
                guard offset > 0 else { throw PDFObjectFile.failure("object \(number) was not written") }
                let digits = String(offset)
                table.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, 10 - digits.utf8.count)))
                table.append(contentsOf: digits.utf8)
                table.append(contentsOf: " 00000 n\r\n".utf8)
            }
            table.append(contentsOf: "trailer\n<<\n/Root 1 0 R\n/Info \(infoNumber) 0 R\n/Size \(next)\n>>\nstartxref\n\(xref)\n%%EOF\n".utf8)
            try pipe.writer.write(table)
            try pipe.writer.flush()
        } catch let error as PDFError {
            throw error
        } catch {
            throw PDFObjectFile.failure("write \(path): \(error)")
        }
        closed = true
        try pipe.close()
    }

    /// The Info dictionary: title and creator as UTF-16BE text strings
    /// (hex, with the byte order mark), so any script reads back right.
    static func infoObject(number: Int, title: String?, creator: String?) -> [UInt8] {
        func text(_ value: String) -> String {
            let hex: [Character] = Array("0123456789ABCDEF")
            var out = "<FEFF"
            for unit in value.utf16 {
                for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((unit >> UInt16(shift)) & 0xF)]) }
            }
            return out + ">"
        }
        var entries = "/Producer \(text("Pyramydal (libharu fonts)"))\n"
        if let title { entries += "/Title \(text(title))\n" }
        if let creator { entries += "/Creator \(text(creator))\n" }
        return Array("\(number) 0 obj\n<<\n\(entries)>>\nendobj\n".utf8)
    }

    /// Ends the queue (after the queued pages, or at once when cancelling)
    /// and joins the writer thread.
    private func stop(cancel: Bool) {
        pipe.end(cancel: cancel)
        if let handle = thread {
            pthread_join(handle, nil)
            thread = nil
        }
    }

    /// The file, the queue and the writer thread's state. Producer side
    /// (`push`, `end`): the drawing thread. Consumer side (`run`): the writer
    /// thread, which alone touches `file`, `writer`, `offsets` and
    /// `compressor` until it is joined; the queue and the flags are guarded
    /// by `lock`.
    final class Pipe {
        struct Page {
            var number: Int
            var width: Double
            var height: Double
            var content: [UInt8]
        }

        let path: String
        private let file: UnsafeMutablePointer<FILE>
        var writer: BufferedWriter
        /// Object number → offset in the file (0: not written yet).
        private(set) var offsets: [Int] = [0, 0, 0, 0]
        private let compressor: ZlibCompressor
        private let capacity: Int
        private let lock: UnsafeMutablePointer<pthread_mutex_t>
        private let changed: UnsafeMutablePointer<pthread_cond_t>
        // Guarded by `lock`.
        private var queue: [Page] = []
        private var ended = false
        private var cancelled = false
        private var writerDone = false
        private(set) var failure: String? = nil
        private var isOpen = true

        init(path: String, capacity: Int) throws(PDFError) {
            guard let file = fopen(path, "wb") else {
                throw PDFObjectFile.failure("open \(path) for writing: \(PDFObjectFile.errnoText())")
            }
            do {
                compressor = try ZlibCompressor(level: 1)
            } catch {
                fclose(file)
                unlink(path)
                throw PDFObjectFile.failure("zlib: \(error)")
            }
            self.path = path
            self.file = file
            self.capacity = capacity
            writer = BufferedWriter(file: file)
            lock = .allocate(capacity: 1)
            changed = .allocate(capacity: 1)
            pthread_mutex_init(lock, nil)
            pthread_cond_init(changed, nil)
        }

        deinit {
            if isOpen { fclose(file) }
            pthread_cond_destroy(changed)
            pthread_mutex_destroy(lock)
            changed.deallocate()
            lock.deallocate()
        }

        /// Closes the file and removes it.
        func discard() {
            if isOpen { fclose(file) }
            isOpen = false
            unlink(path)
        }

        func close() throws(PDFError) {
            isOpen = false
            guard fclose(file) == 0 else {
                unlink(path)
                throw PDFObjectFile.failure("close \(path): \(PDFObjectFile.errnoText())")
            }
        }

        /// Starts the writer thread, which holds a reference to the pipe until it ends.
        func start() throws(PDFError) -> pthread_t {
            do {
                return try BackgroundThread.start(stackSize: 512 << 10) { self.run() }
            } catch {
                throw PDFObjectFile.failure("no thread for the page writer (\(error.code))")
            }
        }

        func push(_ page: Page) throws(PDFError) {
            pthread_mutex_lock(lock)
            while queue.count >= capacity && !writerDone { pthread_cond_wait(changed, lock) }
            let failed = writerDone ? (failure ?? "the writer stopped early") : nil
            if failed == nil {
                queue.append(page)
                pthread_cond_broadcast(changed)
            }
            pthread_mutex_unlock(lock)
            if let failed { throw PDFObjectFile.failure(failed) }
        }

        func end(cancel: Bool) {
            pthread_mutex_lock(lock)
            ended = true
            if cancel { cancelled = true }
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(lock)
        }

        private func run() {
            var message: String? = nil
            while true {
                pthread_mutex_lock(lock)
                while queue.isEmpty && !ended && !cancelled { pthread_cond_wait(changed, lock) }
                if cancelled || queue.isEmpty {
                    pthread_mutex_unlock(lock)
                    break
                }
                let page = queue.removeFirst()
                pthread_cond_broadcast(changed)
                pthread_mutex_unlock(lock)
                do {
                    try write(page)
                } catch {
                    message = "write \(path): \(error)"
                    break
                }
            }
            pthread_mutex_lock(lock)
            failure = message
            writerDone = true
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(lock)
        }

        /// Writes the page object and its deflated content stream.
        private func write(_ page: Page) throws {
            offsets.append(writer.offset)
            var head = Array("\(page.number) 0 obj\n<<\n/Type /Page\n/MediaBox [ 0 0 ".utf8)
            PDFPageContent.appendThousandths(PDFPageContent.thousandths(page.width), to: &head)
            head.append(0x20)
            PDFPageContent.appendThousandths(PDFPageContent.thousandths(page.height), to: &head)
            head.append(contentsOf: " ]\n/Contents \(page.number + 1) 0 R\n/Resources 3 0 R\n/Parent 2 0 R\n>>\nendobj\n".utf8)
            try writer.write(head)
            offsets.append(writer.offset)
            try page.content.withUnsafeBytes { raw in
                try compressor.compress(raw) { deflated in
                    try writer.write(Array("\(page.number + 1) 0 obj\n<<\n/Length \(deflated.count)\n/Filter /FlateDecode\n>>\nstream\n".utf8))
                    try writer.write(deflated)
                    try writer.write(Array("\nendstream\nendobj\n".utf8))
                }
            }
        }
    }
}

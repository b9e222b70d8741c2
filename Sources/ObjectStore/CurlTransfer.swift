internal import CCurl
import Dispatch
import Foundation

/// One HTTP request for libcurl.
struct HTTPRequest: Sendable {
    enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// `length` bytes of the file at `path` from `offset`.
        case file(path: String, offset: Int64, length: Int64)
    }

    enum Sink: Sendable {
        /// Keep the body in memory (small answers, and every error answer).
        case collect
        /// Write a successful body to this file (truncated first).
        case file(String)
        /// Hand a successful body to this closure, chunk by chunk.
        case handler(@Sendable (UnsafeRawBufferPointer) throws -> Void)
    }

    var method: String
    var url: String
    var headers: [(name: String, value: String)]
    var body: Body = .none
    var sink: Sink = .collect
    var timeoutSeconds: Int = 0
}

struct HTTPResponse: Sendable {
    var status: Int
    /// Lower-cased names; the last value wins.
    var headers: [String: String]
    /// The body for `.collect`, and for error answers whatever the sink.
    var body: [UInt8]
    /// Bytes handed to a file or handler sink.
    var delivered: Int64
}

/// Runs libcurl easy transfers on a dedicated concurrent dispatch queue so
/// blocking `curl_easy_perform` never occupies Swift's cooperative pool.
enum CurlTransfer {
    private static let queue = DispatchQueue(label: "pyramydal.objectstore.curl", attributes: .concurrent)
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// Runs the transfer on the curl queue. Cancelling the calling task
    /// aborts it (checked in every callback and ~once a second while idle)
    /// and throws `CancellationError`.
    static func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async {
                    continuation.resume(with: Result { try performBlocking(request, cancellation: flag) })
                }
            }
        } onCancel: {
            flag.cancel()
        }
    }

    /// Set from `onCancel` (any thread), read by the transfer thread.
    /// `@unchecked Sendable`: the one mutable Bool is guarded by the lock.
    final class CancellationFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var cancelled = false
        func cancel() { lock.withLock { cancelled = true } }
        var isCancelled: Bool { lock.withLock { cancelled } }
    }

    /// Per-transfer state reached from the C callbacks through `Unmanaged`.
    /// Only touched by the one thread running `curl_easy_perform`.
    private final class Context {
        let handle: UnsafeMutableRawPointer
        let sink: HTTPRequest.Sink
        let cancellation: CancellationFlag
        var status = 0
        var headers: [String: String] = [:]
        var body: [UInt8] = []
        var delivered: Int64 = 0
        var sinkError: (any Error)?
        var outputFD: Int32 = -1
        let outputPath: String?
        var inputFD: Int32 = -1
        var inputBytes: [UInt8] = []
        var inputPosition: Int64 = 0
        var inputEnd: Int64 = 0

        init(handle: UnsafeMutableRawPointer, sink: HTTPRequest.Sink, cancellation: CancellationFlag) {
            self.handle = handle
            self.sink = sink
            self.cancellation = cancellation
            if case .file(let path) = sink { outputPath = path } else { outputPath = nil }
        }

        deinit {
            if outputFD >= 0 { close(outputFD) }
            if inputFD >= 0 { close(inputFD) }
        }

        var isSuccess: Bool { (200..<300).contains(status) }

        func write(_ buffer: UnsafeRawBufferPointer) -> Bool {
            if cancellation.isCancelled { return false }
            if status == 0 {
                var code = 0
                _ = CCurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
                status = code
            }
            guard isSuccess else {
                body += buffer
                return true
            }
            switch sink {
            case .collect:
                body += buffer
            case .handler(let handler):
                do { try handler(buffer) } catch {
                    sinkError = error
                    return false
                }
            case .file(let path):
                if outputFD < 0 {
                    outputFD = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                    if outputFD < 0 {
                        sinkError = ObjectStoreError(code: .io, message: "cannot open '\(path)' for writing: \(String(cString: strerror(errno)))")
                        return false
                    }
                }
                var rest = buffer
                while !rest.isEmpty {
                    let written = Foundation.write(outputFD, rest.baseAddress, rest.count)
                    if written < 0 {
                        if errno == EINTR { continue }
                        sinkError = ObjectStoreError(code: .io, message: "cannot write '\(path)': \(String(cString: strerror(errno)))")
                        return false
                    }
                    rest = UnsafeRawBufferPointer(rebasing: rest[written...])
                }
            }
            delivered += Int64(buffer.count)
            return true
        }

        func header(_ line: String) {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.hasPrefix("HTTP/") {
                headers = [:]  // a new block (after 100 Continue or a redirect)
                let parts = trimmed.split(separator: " ")
                if parts.count > 1, let code = Int(parts[1]) { status = code }
                return
            }
            guard let colon = trimmed.firstIndex(of: ":") else { return }
            let name = trimmed[..<colon].lowercased()
            headers[name] = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
            if cancellation.isCancelled { return nil }
            let wanted = Int(min(Int64(buffer.count), inputEnd - inputPosition))
            guard wanted > 0 else { return 0 }
            if inputFD >= 0 {
                let got = pread(inputFD, buffer.baseAddress, wanted, off_t(inputPosition))
                if got < 0 { return nil }
                inputPosition += Int64(got)
                return got
            }
            inputBytes.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[Int(inputPosition)..<Int(inputPosition) + wanted]))
            }
            inputPosition += Int64(wanted)
            return wanted
        }
    }

    private static func performBlocking(_ request: HTTPRequest, cancellation: CancellationFlag) throws -> HTTPResponse {
        if cancellation.isCancelled { throw CancellationError() }
        _ = globalInit
        guard let handle = curl_easy_init() else {
            throw ObjectStoreError(code: .connection, message: "curl_easy_init failed")
        }
        defer { curl_easy_cleanup(handle) }
        let context = Context(handle: handle, sink: request.sink, cancellation: cancellation)
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        func check(_ code: CURLcode, _ what: String) throws {
            guard code == CURLE_OK else {
                throw ObjectStoreError(code: .connection, message: "curl setopt \(what) failed: \(String(cString: curl_easy_strerror(code)))")
            }
        }

        try check(CCurl_easy_setopt_string(handle, CURLOPT_URL, request.url), "URL")
        try check(CCurl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try check(CCurl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, 15), "CONNECTTIMEOUT")
        // Abort a transfer that moves under 1 byte/s for 60 s.
        try check(CCurl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1), "LOW_SPEED_LIMIT")
        try check(CCurl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, 60), "LOW_SPEED_TIME")
        if request.timeoutSeconds > 0 {
            try check(CCurl_easy_setopt_long(handle, CURLOPT_TIMEOUT, request.timeoutSeconds), "TIMEOUT")
        }
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()

        try check(CCurl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, { buffer, size, count, userdata in
            let context = Unmanaged<Context>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            return context.write(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
        }), "WRITEFUNCTION")
        try check(CCurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, contextPointer), "WRITEDATA")
        try check(CCurl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, { buffer, size, count, userdata in
            let context = Unmanaged<Context>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            context.header(String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self))
            return length
        }), "HEADERFUNCTION")
        try check(CCurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, contextPointer), "HEADERDATA")
        try check(CCurl_easy_setopt_xferinfo_callback(handle, CURLOPT_XFERINFOFUNCTION, { userdata, _, _, _, _ in
            let context = Unmanaged<Context>.fromOpaque(userdata!).takeUnretainedValue()
            return context.cancellation.isCancelled ? 1 : 0
        }), "XFERINFOFUNCTION")
        try check(CCurl_easy_setopt_pointer(handle, CURLOPT_XFERINFODATA, contextPointer), "XFERINFODATA")
        try check(CCurl_easy_setopt_long(handle, CURLOPT_NOPROGRESS, 0), "NOPROGRESS")
        try check(CCurl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")

        var bodyLength: Int64 = 0
        switch request.body {
        case .none:
            break
        case .bytes(let bytes):
            context.inputBytes = bytes
            context.inputEnd = Int64(bytes.count)
            bodyLength = Int64(bytes.count)
        case .file(let path, let offset, let length):
            context.inputFD = open(path, O_RDONLY | O_CLOEXEC)
            guard context.inputFD >= 0 else {
                throw ObjectStoreError(code: .io, message: "cannot open '\(path)': \(String(cString: strerror(errno)))")
            }
            context.inputPosition = offset
            context.inputEnd = offset + length
            bodyLength = length
        }

        switch request.method {
        case "GET":
            break
        case "HEAD":
            try check(CCurl_easy_setopt_long(handle, CURLOPT_NOBODY, 1), "NOBODY")
        case "PUT":
            try check(CCurl_easy_setopt_long(handle, CURLOPT_UPLOAD, 1), "UPLOAD")
            try check(CCurl_easy_setopt_int64(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(bodyLength)), "INFILESIZE_LARGE")
        case "POST":
            try check(CCurl_easy_setopt_long(handle, CURLOPT_POST, 1), "POST")
            try check(CCurl_easy_setopt_int64(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyLength)), "POSTFIELDSIZE_LARGE")
        default:
            try check(CCurl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method), "CUSTOMREQUEST")
        }
        if request.method == "PUT" || request.method == "POST" {
            try check(CCurl_easy_setopt_data_callback(handle, CURLOPT_READFUNCTION, { buffer, size, count, userdata in
                let context = Unmanaged<Context>.fromOpaque(userdata!).takeUnretainedValue()
                let target = UnsafeMutableRawBufferPointer(start: buffer, count: size * count)
                return context.read(into: target).map { $0 } ?? Int(CURL_READFUNC_ABORT)
            }), "READFUNCTION")
            try check(CCurl_easy_setopt_pointer(handle, CURLOPT_READDATA, contextPointer), "READDATA")
        }

        // `Expect:` with no value stops curl's 100-continue round trip.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            guard let appended = curl_slist_append(headerList, line) else {
                throw ObjectStoreError(code: .connection, message: "curl_slist_append failed")
            }
            headerList = appended
        }
        try check(CCurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), "HTTPHEADER")

        let result = curl_easy_perform(handle)
        if cancellation.isCancelled { throw CancellationError() }
        if let sinkError = context.sinkError { throw sinkError }
        guard result == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let text = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
            throw ObjectStoreError(code: .connection, message: "\(request.method) \(redacted(request.url)) failed: \(text) (curl code \(result.rawValue))")
        }
        var status = 0
        _ = CCurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        if context.outputFD < 0, case .file(let path) = request.sink, (200..<300).contains(status) {
            // An empty body still makes the file.
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd < 0 { throw ObjectStoreError(code: .io, message: "cannot open '\(path)' for writing: \(String(cString: strerror(errno)))") }
            close(fd)
        }
        return HTTPResponse(status: status, headers: context.headers, body: context.body, delivered: context.delivered)
    }

    /// The URL without its query (a presigned query holds a signature).
    static func redacted(_ url: String) -> String {
        String(url.prefix { $0 != "?" })
    }
}

internal import CLibPQ

extension PostgresConnection {
    /// Starts `COPY … FROM STDIN` and returns a writer for its rows. The format
    /// (text or `FORMAT binary`) and the column count come from the server's
    /// answer. Until the writer finishes or aborts, other statements on this
    /// connection throw `.busy`. The writer is synchronous: use it from one
    /// thread (see ``withCopyIn(_:purpose:batchSize:_:)`` from async code).
    public func copyIn(_ sql: String, purpose: String, batchSize: Int = PostgresCopyWriter.defaultBatchSize) throws -> PostgresCopyWriter {
        let (format, columns) = try withHandle(purpose: purpose) { handle in
            let result = try checkResult(PQexec(handle, sql), handle: handle, purpose: purpose,
                                         accept: [PGRES_COPY_IN], fallback: .copyFailed)
            defer { PQclear(result) }
            copyInProgress = true
            let format: PostgresCopyWriter.Format = PQbinaryTuples(result) == 1 ? .binary : .text
            return (format, Int(PQnfields(result)))
        }
        return PostgresCopyWriter(connection: self, purpose: purpose, format: format, columnCount: columns,
                                  batchSize: batchSize)
    }

    /// Runs a whole `COPY … FROM STDIN` on the connection's queue: `body`
    /// appends rows, then the COPY finishes and the copied row count is
    /// returned. If `body` throws, the COPY is aborted and the error rethrown.
    /// `body` is `sending`: it may capture non-Sendable state (a workbook
    /// reader) that the caller does not use again.
    public func withCopyIn(
        _ sql: String, purpose: String, batchSize: Int = PostgresCopyWriter.defaultBatchSize,
        _ body: sending @escaping (PostgresCopyWriter) throws -> Void
    ) async throws -> Int {
        let body = UncheckedSendableBox(body)
        return try await onQueue {
            let writer = try self.copyIn(sql, purpose: purpose, batchSize: batchSize)
            do {
                try body.value(writer)
            } catch {
                writer.abort(message: "aborted by the client: \(error)")
                throw error
            }
            return try writer.finish()
        }
    }

    /// Runs `COPY … TO STDOUT` and hands each chunk libpq returns (one row in
    /// text/CSV formats) to `handler`; returns the row count. The buffer is
    /// only valid during the call. If `handler` throws, the COPY is cancelled
    /// on the server and the handler's error rethrown. `handler` must not use
    /// this connection.
    @discardableResult
    public func copyOut(_ sql: String, purpose: String, _ handler: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        try withHandle(purpose: purpose) { handle in
            let started = try checkResult(PQexec(handle, sql), handle: handle, purpose: purpose,
                                          accept: [PGRES_COPY_OUT], fallback: .copyFailed)
            PQclear(started)
            while true {
                var buffer: UnsafeMutablePointer<CChar>?
                let length = PQgetCopyData(handle, &buffer, 0)
                if length > 0, let buffer {
                    do {
                        try handler(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                    } catch {
                        PQfreemem(buffer)
                        cancelCopyOut(handle: handle)
                        throw error
                    }
                    PQfreemem(buffer)
                } else if length == -1 {
                    break
                } else {
                    let error = connectionError(handle: handle, purpose: purpose, fallback: .copyFailed)
                    drainResults(handle: handle)
                    throw error
                }
            }
            let finished = try checkFinalResult(handle: handle, purpose: purpose)
            let rows = Int(String(cString: PQcmdTuples(finished))) ?? 0
            PQclear(finished)
            drainResults(handle: handle)
            return rows
        }
    }

    /// Async ``copyOut(_:purpose:_:)``: the COPY and `handler` run on the
    /// connection's queue.
    @discardableResult
    public func copyOut(
        _ sql: String, purpose: String, _ handler: sending @escaping (UnsafeRawBufferPointer) throws -> Void
    ) async throws -> Int {
        let handler = UncheckedSendableBox(handler)
        return try await onQueue { try self.copyOut(sql, purpose: purpose, handler.value) }
    }

    // MARK: used by PostgresCopyWriter

    func putCopyData(_ bytes: UnsafeRawBufferPointer, purpose: String) throws {
        try withHandle(purpose: purpose, allowDuringCopy: true) { handle in
            let sent = bytes.withMemoryRebound(to: CChar.self) { chars in
                PQputCopyData(handle, chars.baseAddress, Int32(chars.count))
            }
            if sent == 1 { return }
            // The server may already have rejected the data: its error is the
            // useful one (it names the line and column), so prefer it.
            let sendError = connectionError(handle: handle, purpose: purpose, fallback: .copyFailed)
            copyInProgress = false
            throw endFailedCopy(handle: handle, purpose: purpose) ?? sendError
        }
    }

    func finishCopy(purpose: String) throws -> Int {
        try withHandle(purpose: purpose, allowDuringCopy: true) { handle in
            defer { copyInProgress = false }
            guard PQputCopyEnd(handle, nil) == 1 else {
                let sendError = connectionError(handle: handle, purpose: purpose, fallback: .copyFailed)
                throw endFailedCopy(handle: handle, purpose: purpose) ?? sendError
            }
            let result = try checkFinalResult(handle: handle, purpose: purpose)
            let rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            PQclear(result)
            drainResults(handle: handle)
            return rows
        }
    }

    func abortCopy(message: String, purpose: String) {
        _ = try? withHandle(purpose: purpose, allowDuringCopy: true) { handle in
            defer { copyInProgress = false }
            _ = PQputCopyEnd(handle, message)
            drainResults(handle: handle)
        }
    }

    /// After a failed send: end the COPY if libpq is still in it, and return
    /// the first error result the server sent, if any.
    private func endFailedCopy(handle: OpaquePointer, purpose: String) -> PostgresError? {
        var firstError: PostgresError?
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            if status == PGRES_COPY_IN {
                _ = PQputCopyEnd(handle, "client failed to send COPY data")
            } else if status != PGRES_COMMAND_OK, firstError == nil {
                firstError = Self.error(from: result, handle: handle, purpose: purpose, fallback: .copyFailed,
                                        secrets: secrets)
            }
            PQclear(result)
            if PQstatus(handle) == CONNECTION_BAD { break }
        }
        return firstError
    }

    private func cancelCopyOut(handle: OpaquePointer) {
        if let cancel = PQgetCancel(handle) {
            var errorBuffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel, &errorBuffer, Int32(errorBuffer.count))
            PQfreeCancel(cancel)
        }
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(handle, &buffer, 0) > 0 {
            PQfreemem(buffer)
            buffer = nil
        }
        drainResults(handle: handle)
    }

    /// The COPY's final result, checked; on error the rest is drained first.
    private func checkFinalResult(handle: OpaquePointer, purpose: String) throws -> OpaquePointer {
        do {
            return try checkResult(PQgetResult(handle), handle: handle, purpose: purpose,
                                   accept: [PGRES_COMMAND_OK], fallback: .copyFailed)
        } catch {
            drainResults(handle: handle)
            throw error
        }
    }

    /// Reads and clears results until libpq has none (the connection is idle).
    func drainResults(handle: OpaquePointer) {
        while let result = PQgetResult(handle) {
            PQclear(result)
            if PQstatus(handle) == CONNECTION_BAD { break }
        }
    }
}

/// Carries a `sending` closure onto the connection's queue. Sound because the
/// caller gave the closure up (`sending`) and only that queue calls it, once
/// the caller is suspended waiting for the result.
private struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

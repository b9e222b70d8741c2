extension PostgresConnection {
    /// Runs `body` between BEGIN and COMMIT; ROLLBACK if `body` throws.
    ///
    /// Throws ``PostgresTransactionError`` naming the step that failed
    /// (`.begin`, `.body` with the body's own error, or `.commit`). It is
    /// `throws` rather than `rethrows` because BEGIN and COMMIT can fail even
    /// when `body` cannot. A COMMIT the server turns into a rollback (the
    /// transaction was already aborted) is reported as a `.commit` failure.
    @discardableResult
    public func transaction<T>(purpose: String, _ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            try execute("BEGIN", purpose: "\(purpose) (begin)")
        } catch {
            throw PostgresTransactionError(step: .begin, purpose: purpose, error: error)
        }
        let value: T
        do {
            value = try body(self)
        } catch {
            throw PostgresTransactionError(step: .body, purpose: purpose, error: error,
                                           rollbackError: rollback(purpose: purpose))
        }
        try commit(purpose: purpose)
        return value
    }

    /// Async ``transaction(purpose:_:)``: BEGIN, COMMIT and ROLLBACK run on the
    /// connection's queue; `body` runs in the caller's task.
    @discardableResult
    public func transaction<T: Sendable>(
        purpose: String, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            try await execute("BEGIN", purpose: "\(purpose) (begin)")
        } catch {
            throw PostgresTransactionError(step: .begin, purpose: purpose, error: error)
        }
        let value: T
        do {
            value = try await body(self)
        } catch {
            let rollbackError = await onQueueNonThrowing { self.rollback(purpose: purpose) }
            throw PostgresTransactionError(step: .body, purpose: purpose, error: error, rollbackError: rollbackError)
        }
        try await onQueue { try self.commit(purpose: purpose) }
        return value
    }

    /// ROLLBACK; returns its error instead of throwing (the body's error wins).
    private func rollback(purpose: String) -> PostgresError? {
        do {
            try execute("ROLLBACK", purpose: "\(purpose) (rollback)")
            return nil
        } catch let error as PostgresError {
            return error
        } catch {
            return PostgresError(code: .queryFailed, message: "\(error)", purpose: "\(purpose) (rollback)")
        }
    }

    private func commit(purpose: String) throws {
        let tag: String
        do {
            tag = try query("COMMIT", purpose: "\(purpose) (commit)").commandTag
        } catch {
            throw PostgresTransactionError(step: .commit, purpose: purpose, error: error)
        }
        // COMMIT of a transaction that already failed answers "ROLLBACK".
        if tag == "ROLLBACK" {
            throw PostgresTransactionError(
                step: .commit, purpose: purpose,
                error: PostgresError(code: .queryFailed,
                                     message: "the transaction was aborted by an earlier error and rolled back",
                                     purpose: "\(purpose) (commit)", sqlState: "25P02"))
        }
    }

    private func onQueueNonThrowing<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}

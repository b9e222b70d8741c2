import Dispatch
import Hummingbird
import Synchronization

/// Moves chunks from a blocking producer (a thread that must not run ahead)
/// to an async response writer one at a time: ``hand(_:)`` blocks the
/// producer's thread until the chunk is written, and throws once the
/// client has gone away so the producer stops.
final class ChunkHandover: Sendable {
    private let stream: AsyncStream<ByteBuffer>
    private let continuation: AsyncStream<ByteBuffer>.Continuation
    private let written = DispatchSemaphore(value: 0)
    private let stopped = StopFlag()

    init() {
        (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .unbounded)
    }

    /// Called on the producer's thread (never on the cooperative pool).
    func hand(_ chunk: ByteBuffer) throws {
        if stopped.isSet { throw CancellationError() }
        continuation.yield(chunk)
        written.wait()
        if stopped.isSet { throw CancellationError() }
    }

    /// Runs `produce` and writes what it hands over; returns when both are done.
    func relay(to writer: inout any ResponseBodyWriter, produce: @escaping @Sendable () async throws -> Void) async throws {
        let continuation = self.continuation
        let producer = Task {
            defer { continuation.finish() }
            try await produce()
        }
        do {
            for await chunk in stream {
                try await writer.write(chunk)
                written.signal()
            }
        } catch {
            // The client went away: the producer's next hand-over throws.
            stopped.set()
            written.signal()
            _ = try? await producer.value
            throw error
        }
        try await producer.value
    }
}

/// A flag set once and read from any thread (the client went away, the upload passed its bound).
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}

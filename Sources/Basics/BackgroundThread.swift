#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX thread for the workbook's producer/consumer pairs (the zip
/// prefetcher, the XLSX rows' compressor, the PDF page writer): blocking
/// zlib/libzip/file work that must stay off Swift's cooperative pool.
/// The owner joins it (`pthread_join`) before it lets go of what the
/// thread uses.
package enum BackgroundThread {
    /// `pthread_create` failed with `code`.
    package struct Failure: Error {
        package let code: Int32
    }

    /// Runs `body` on a new thread with a `stackSize`-byte stack. `body`
    /// is kept until it returns: what it captures strongly lives as long.
    package static func start(stackSize: Int, _ body: @escaping () -> Void) throws(Failure) -> pthread_t {
        final class Work {
            let body: () -> Void
            init(_ body: @escaping () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Work(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, stackSize)
        defer { pthread_attr_destroy(&attributes) }
        var handle = pthread_t()
        let rc = pthread_create(&handle, &attributes, { raw in
            Unmanaged<Work>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Work>.fromOpaque(context).release()
            throw Failure(code: rc)
        }
        return handle
    }
}

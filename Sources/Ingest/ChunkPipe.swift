import Foundation

/// A bounded queue of encoded COPY chunks between the parsing thread
/// (producer) and the thread that feeds the COPY (consumer), so parsing and
/// the server's COPY work overlap while memory stays bounded (at most
/// `capacity` chunks in flight plus one being filled on each side).
/// Buffers are handed back for reuse, so steady state allocates nothing.
///
/// `@unchecked Sendable`: every stored property is read and written only
/// with `condition` locked.
final class ChunkPipe: @unchecked Sendable {
    enum Item {
        case chunk([UInt8], rows: Int)
        /// Single pass: the column types guessed from the first rows; the
        /// chunks that follow are encoded with them.
        case guess(SheetPlan)
        /// Single pass, last item: the plan over the whole sheet (nil for an
        /// empty sheet) and whether every row was encoded with the guess and
        /// the guess equals it (so the COPY can be kept).
        case inferred(SheetPlan?, guessHeld: Bool)
        case end
        case failure(any Error)
    }

    private let condition = NSCondition()
    private var items: [Item] = []
    private var spare: [[UInt8]] = []
    private var cancelled = false
    private var producerDone = false
    private var lastRow: Int?
    let capacity: Int
    let chunkBytes: Int

    /// The last row the sheet's `<dimension>` names (the producer sets it
    /// before its first chunk): an estimate of the rows to come, for progress.
    var sheetLastRow: Int? {
        get { condition.lock(); defer { condition.unlock() }; return lastRow }
        set { condition.lock(); lastRow = newValue; condition.unlock() }
    }

    /// Eight chunks (4 MiB, ~14,000 rows of a 20-column sheet) in flight:
    /// on two cores the parsing thread and PostgreSQL's backend take turns
    /// with the inflating thread, and four ran full or dry in those turns.
    init(capacity: Int = 8, chunkBytes: Int = 512 * 1024) {
        self.capacity = capacity
        self.chunkBytes = chunkBytes
    }

    /// Producer: queues a chunk, waiting while the queue is full. Returns
    /// false once the consumer has cancelled (stop producing).
    func push(_ buffer: [UInt8], rows: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(.chunk(buffer, rows: rows))
        condition.broadcast()
        return true
    }

    /// Producer: an item that is not a chunk (never waits for room).
    func announce(_ item: Item) {
        condition.lock()
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    /// Producer: the last item (`.end` or `.failure`); never waits.
    func finish(_ item: Item) {
        condition.lock()
        items.append(item)
        producerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next item, waiting for one.
    func pop() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// An empty buffer to fill (a returned one when available).
    func takeBuffer() -> [UInt8] {
        condition.lock()
        let reused = spare.popLast()
        condition.unlock()
        if var buffer = reused {
            buffer.removeAll(keepingCapacity: true)
            return buffer
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(chunkBytes + 64 * 1024)
        return buffer
    }

    /// Consumer: hands a sent buffer back for reuse.
    func recycle(_ buffer: [UInt8]) {
        condition.lock()
        if spare.count < capacity { spare.append(buffer) }
        condition.unlock()
    }

    /// Consumer: stop the producer and wait until it has finished (so the
    /// reader it used may be used again).
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !producerDone { condition.wait() }
        items.removeAll()
        condition.unlock()
    }
}

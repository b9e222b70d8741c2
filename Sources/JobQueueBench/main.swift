import Foundation
import JobQueue
import Logging
import Postgres

// No-op queue benchmark (not a test; bench/queue/run.sh runs it in release
// mode next to PgQueuer and the raw SKIP LOCKED SQL). Prints one JSON line
// per measurement, like the peer scripts.
//
//   JobQueueBench [--jobs 50000] [--enqueue-batch 1000] [--consumers 1,4] [--k 10,100]
//                 [--enqueue-one-secs 5] [--launch-jobs 200] [--tasks-dir DIR]
// Connection: $BENCH_DSN (libpq string). Uses schema jobqueue_bench, recreated per run.

struct Options {
    var jobs = 50_000
    var enqueueBatch = 1000
    var consumers = [1, 4]
    var claimBatches = [10, 100]
    var enqueueOneSeconds = 5.0
    var launchJobs = 200
    var launchConcurrency = 16
    var tasksDirectory: String?
    var dsn = ProcessInfo.processInfo.environment["BENCH_DSN"] ?? "host=127.0.0.1 port=55432 user=pyramydal dbname=pyramydal_bench"

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        func ints(_ text: String?) -> [Int] { (text ?? "").split(separator: ",").compactMap { Int($0) } }
        while let argument = iterator.next() {
            switch argument {
            case "--jobs": jobs = Int(iterator.next() ?? "") ?? jobs
            case "--enqueue-batch": enqueueBatch = Int(iterator.next() ?? "") ?? enqueueBatch
            case "--consumers": consumers = ints(iterator.next())
            case "--k": claimBatches = ints(iterator.next())
            case "--enqueue-one-secs": enqueueOneSeconds = Double(iterator.next() ?? "") ?? enqueueOneSeconds
            case "--launch-jobs": launchJobs = Int(iterator.next() ?? "") ?? launchJobs
            case "--launch-concurrency": launchConcurrency = Int(iterator.next() ?? "") ?? launchConcurrency
            case "--tasks-dir": tasksDirectory = iterator.next()
            default: FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8)); exit(64)
            }
        }
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let schema = "jobqueue_bench"
let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    return logger
}()

func emit(_ fields: [String: JSONValue]) {
    FileHandle.standardOutput.write(Data((JSONValue.object(fields).jsonText + "\n").utf8))
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func freshQueue() async throws -> JobQueue {
    let queue = try await JobQueue.connect(url: options.dsn, schema: schema, applicationName: "jobqueue-bench", logger: logger)
    try await queue.connection.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE", purpose: "resetting the bench schema")
    try await queue.migrate()
    try await queue.connection.execute("CHECKPOINT", purpose: "checkpoint")
    return queue
}

func enqueueAll(_ queue: JobQueue) async throws -> Duration {
    let clock = ContinuousClock()
    return try await clock.measure {
        var offset = 0
        while offset < options.jobs {
            let count = min(options.enqueueBatch, options.jobs - offset)
            try await queue.enqueueBatch(kind: "noop", arguments: Array(repeating: ["task": "noop"], count: count))
            offset += count
        }
    }
}

/// `consumers` connections each loop claim(k) → completeBatch until the queue is empty.
func drain(consumers: Int, k: Int) async throws -> (Duration, Int) {
    var queues: [JobQueue] = []
    for _ in 0..<consumers { queues.append(try await JobQueue.connect(url: options.dsn, schema: schema, logger: logger)) }
    defer { queues.forEach { $0.connection.close() } }
    let clock = ContinuousClock()
    let start = clock.now
    let done = try await withThrowingTaskGroup(of: Int.self) { group in
        for (index, queue) in queues.enumerated() {
            group.addTask {
                try await queue.runInProcess(batchSize: k, dispatcher: "bench-\(index)") { _ in }
            }
        }
        return try await group.reduce(0, +)
    }
    return (start.duration(to: clock.now), done)
}

/// One job per statement (autocommit) for a fixed time, `clients` connections.
func enqueueOne(clients: Int) async throws -> (Int, Duration) {
    var queues: [JobQueue] = []
    for _ in 0..<clients { queues.append(try await JobQueue.connect(url: options.dsn, schema: schema, logger: logger)) }
    defer { queues.forEach { $0.connection.close() } }
    let clock = ContinuousClock()
    let start = clock.now
    let deadline = start + .milliseconds(Int64(options.enqueueOneSeconds * 1000))
    let count = try await withThrowingTaskGroup(of: Int.self) { group in
        for queue in queues {
            group.addTask {
                var count = 0
                while clock.now < deadline {
                    _ = try await queue.enqueue(kind: "noop", arguments: ["task": "noop"])
                    count += 1
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
    return (count, start.duration(to: clock.now))
}

/// The launch path: jobs through the dispatcher and LocalProcessLauncher with the trivial worker.
func launchPath(tasksDirectory: String) async throws {
    let queue = try await freshQueue()
    defer { queue.connection.close() }
    try await queue.enqueueBatch(kind: "test", arguments: Array(repeating: [:], count: options.launchJobs))
    let launcher = LocalProcessLauncher(tasksDirectory: tasksDirectory, environment: [
        "PYRAMYDAL_DATABASE_URL": options.dsn, WorkerEnvironment.schema: schema, "PYRAMYDAL_LOG_LEVEL": "error",
    ], logger: logger)
    let dispatcher = Dispatcher(
        databaseURL: options.dsn, schema: schema, launcher: launcher,
        settings: DispatcherSettings(maxConcurrent: options.launchConcurrency, launchRate: 1000, pollInterval: .milliseconds(100),
                                     runSchedules: false),
        logger: logger)
    let clock = ContinuousClock()
    let start = clock.now
    let running = Task { try await dispatcher.run() }
    while try await queue.countsByState()[.completed, default: 0] < options.launchJobs {
        try await Task.sleep(for: .milliseconds(20))
    }
    let elapsed = start.duration(to: clock.now)
    dispatcher.shutdown()
    try await running.value
    let jobs = try await queue.jobs(states: [.completed], limit: options.launchJobs)
    let starting = jobs.compactMap(\.timings.starting).sorted()
    emit([
        "tool": "pyramydal_launch_local", "jobs": .number(Double(options.launchJobs)),
        "concurrency": .number(Double(options.launchConcurrency)),
        "process_s": .number((seconds(elapsed) * 1000).rounded() / 1000),
        "jobs_per_s": .number((Double(options.launchJobs) / seconds(elapsed)).rounded()),
        "median_start_ms": .number(((starting.isEmpty ? 0 : starting[starting.count / 2]) * 1000).rounded()),
    ])
}

do {
    for consumers in options.consumers {
        for k in options.claimBatches {
            let queue = try await freshQueue()
            let enqueueTime = try await enqueueAll(queue)
            try queue.connection.execute("VACUUM ANALYZE \(schema).jobs", purpose: "vacuum")
            let (processTime, done) = try await drain(consumers: consumers, k: k)
            let left = try await queue.countsByState().filter { $0.key != .completed }.values.reduce(0, +)
            queue.connection.close()
            emit([
                "tool": "pyramydal", "workers": .number(Double(consumers)), "k": .number(Double(k)),
                "jobs": .number(Double(options.jobs)), "enqueue_batch": .number(Double(options.enqueueBatch)),
                "enqueue_s": .number((seconds(enqueueTime) * 1000).rounded() / 1000),
                "enqueue_jobs_per_s": .number((Double(options.jobs) / seconds(enqueueTime)).rounded()),
                "process_s": .number((seconds(processTime) * 1000).rounded() / 1000),
                "process_jobs_per_s": .number((Double(done) / seconds(processTime)).rounded()),
                "done": .number(Double(done)), "not_done": .number(Double(left)),
            ])
        }
    }
    if options.enqueueOneSeconds > 0 {
        for clients in options.consumers {
            let queue = try await freshQueue()
            let (count, elapsed) = try await enqueueOne(clients: clients)
            queue.connection.close()
            emit(["tool": "pyramydal_enqueue_one_per_tx", "workers": .number(Double(clients)), "jobs": .number(Double(count)),
                  "jobs_per_s": .number((Double(count) / seconds(elapsed)).rounded())])
        }
    }
    if options.launchJobs > 0, let tasksDirectory = options.tasksDirectory {
        try await launchPath(tasksDirectory: tasksDirectory)
    }
    let cleanup = try await PostgresConnection.connect(url: options.dsn)
    try cleanup.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE", purpose: "cleanup")
} catch {
    FileHandle.standardError.write(Data("JobQueueBench: \(error)\n".utf8))
    exit(1)
}

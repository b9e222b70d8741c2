import Foundation
import JobQueue
import Logging

/// A trivial worker for launcher tests and the launch-path benchmark (kind
/// from `PYRAMYDAL_JOB_KIND`, default `test`). Arguments (all optional):
/// - `sleepSeconds`: work this long (heartbeating) before finishing;
/// - `hangOnAttempts`: attempts on which it sleeps until killed;
/// - `exitCode`: exit with this status without recording an outcome (the launcher's view decides);
/// - `fail`: `"badInput"` or `"transient"` to fail through the API;
/// - `required`: must be an object with a string `name` (bad arguments are discarded).
struct Arguments: Decodable {
    struct Required: Decodable { var name: String }
    var sleepSeconds: Double?
    var hangOnAttempts: [Int]?
    var exitCode: Int32?
    var fail: String?
    var required: Required?
}

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["PYRAMYDAL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return handler
}
let kind = ProcessInfo.processInfo.environment["PYRAMYDAL_JOB_KIND"] ?? "test"
let status = await runWorker(kind: kind) { job in
    let arguments = try job.decodeArguments(Arguments.self)
    if job.arguments["required"] != nil, arguments.required == nil {
        throw WorkerError.badInput("required must be an object with a name")
    }
    if arguments.hangOnAttempts?.contains(job.attempt) == true {
        while true { try await Task.sleep(for: .seconds(1)) }
    }
    if let seconds = arguments.sleepSeconds, seconds > 0 {
        try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
    }
    if let code = arguments.exitCode { exit(code) }
    switch arguments.fail {
    case "badInput": throw WorkerError.badInput("asked to fail with bad input")
    case "transient": throw WorkerError.transient("asked to fail transiently")
    default: break
    }
    return ["attempt": .number(Double(job.attempt)), "pid": .number(Double(getpid()))]
}
exit(status)

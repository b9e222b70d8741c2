import Foundation
import Logging
import ObjectStore

/// Where and how ECS tasks run (`PYRAMYDAL_ECS_*`).
public struct ECSSettings: Sendable, Hashable {
    public var cluster: String
    public var subnets: [String]
    public var securityGroups: [String]
    /// Task definition family of a kind: `<prefix><kind>` (e.g. `pyramydal-ingest`).
    public var taskFamilyPrefix: String
    /// The container that receives the job's environment.
    public var containerName: String
    public var launchType: String
    /// How often a running task is described.
    public var pollInterval: Duration

    public init(cluster: String, subnets: [String] = [], securityGroups: [String] = [], taskFamilyPrefix: String = "pyramydal-",
                containerName: String = "worker", launchType: String = "FARGATE", pollInterval: Duration = .seconds(5)) {
        self.cluster = cluster
        self.subnets = subnets
        self.securityGroups = securityGroups
        self.taskFamilyPrefix = taskFamilyPrefix
        self.containerName = containerName
        self.launchType = launchType
        self.pollInterval = pollInterval
    }
}

/// Runs each attempt as an ECS task (`RunTask`, JSON protocol, signed).
///
/// Exactly one task per attempt: the attempt's launch token is both the
/// `clientToken` (ECS answers a repeated RunTask with the task it already
/// started) and `startedBy`, and before starting a task the launcher looks
/// for one already started for this token (`ListTasks`), so a dispatcher
/// that died between RunTask and recording the task never gets a second one,
/// even from an ECS look-alike that ignores `clientToken`. A 200 answer with
/// `failures[]` (capacity) is a failed start that doesn't use up an attempt.
/// `DescribeTasks` follows a task to `STOPPED`; its container's exit code
/// (or, without one, the stop code and reason) decides the outcome.
/// `StopTask` cancels. Tasks outlive the dispatcher, so shutdown leaves them running.
public struct ECSLauncher: Launcher {
    public let client: AWSJSONClient
    public let settings: ECSSettings
    public let logger: Logger
    public var stopsTasksOnShutdown: Bool { false }

    public init(client: AWSJSONClient, settings: ECSSettings, logger: Logger = Logger(label: "pyramydal.launcher.ecs")) {
        self.client = client
        self.settings = settings
        self.logger = logger
    }

    func call(_ action: String, _ body: JSONValue) async throws -> JSONValue {
        let answer = try await client.call(action, body: Array(body.jsonText.utf8))
        return answer.isEmpty ? [:] : try JSONValue.parse(String(decoding: answer, as: UTF8.self))
    }

    public func launch(_ job: Job) async throws -> any LaunchedTask {
        guard let token = job.launchToken else {
            throw LaunchFailure(reason: "the job has no launch token", consumesAttempt: true)
        }
        do {
            if let existing = try await existingTask(startedBy: token) {
                logger.warning("a task for this attempt already exists; not starting another",
                               metadata: ["job.id": "\(job.id)", "task.arn": "\(existing)"])
                return ECSTask(taskID: existing, launcher: self)
            }
            var environment: [JSONValue] = [
                ["name": .string(WorkerEnvironment.jobID), "value": .string(String(job.id))],
                ["name": .string(WorkerEnvironment.token), "value": .string(token)],
                ["name": .string(WorkerEnvironment.attempt), "value": .string(String(job.attempt))],
                ["name": .string(WorkerEnvironment.kind), "value": .string(job.kind)],
            ]
            environment.sort { ($0["name"]?.stringValue ?? "") < ($1["name"]?.stringValue ?? "") }
            var request: [String: JSONValue] = [
                "cluster": .string(settings.cluster),
                "taskDefinition": .string(settings.taskFamilyPrefix + job.kind),
                "count": 1,
                "launchType": .string(settings.launchType),
                "startedBy": .string(token),
                "clientToken": .string(token),
                "overrides": ["containerOverrides": [["name": .string(settings.containerName), "environment": .array(environment)]]],
            ]
            if !settings.subnets.isEmpty {
                request["networkConfiguration"] = ["awsvpcConfiguration": [
                    "subnets": .array(settings.subnets.map(JSONValue.string)),
                    "securityGroups": .array(settings.securityGroups.map(JSONValue.string)),
                    "assignPublicIp": "DISABLED",
                ]]
            }
            let answer = try await call("RunTask", .object(request))
            if case .array(let tasks)? = answer["tasks"], let arn = tasks.first?["taskArn"]?.stringValue {
                return ECSTask(taskID: arn, launcher: self)
            }
            let failure = answer["failures"].flatMap { if case .array(let list) = $0 { list.first } else { nil } }
            let reason = [failure?["reason"]?.stringValue, failure?["detail"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
            throw LaunchFailure(reason: "RunTask started no task: \(reason.isEmpty ? "no reason given" : reason)", consumesAttempt: false)
        } catch let failure as LaunchFailure {
            throw failure
        } catch let error as ObjectStoreError {
            // A bad request (no such task definition, bad parameters) won't get better by itself; throttling and 5xx will.
            let clientError = (error.httpStatus ?? 500) < 500 && error.s3Code != "ThrottlingException"
            throw LaunchFailure(reason: "\(error)", consumesAttempt: clientError)
        }
    }

    /// The ARN of a task already started for `token`, running or stopped.
    func existingTask(startedBy token: String) async throws -> String? {
        let answer = try await call("ListTasks", ["cluster": .string(settings.cluster), "startedBy": .string(token)])
        if case .array(let arns)? = answer["taskArns"], let arn = arns.first?.stringValue { return arn }
        return nil
    }

    /// `DescribeTasks` of one task: `nil` while it hasn't stopped.
    func exitIfStopped(_ arn: String) async throws -> TaskExit? {
        let answer = try await call("DescribeTasks", ["cluster": .string(settings.cluster), "tasks": [.string(arn)]])
        guard case .array(let tasks)? = answer["tasks"], let task = tasks.first else {
            return TaskExit(stopReason: "the task is gone (DescribeTasks: MISSING)")
        }
        return Self.exit(ofDescribedTask: task, containerName: settings.containerName)
    }

    /// How a described task ended; `nil` while it hasn't stopped. The
    /// container's exit code counts only when the task stopped because that
    /// container exited (`stopCode` `EssentialContainerExited`, or none
    /// given); a task stopped by a person, the scheduler, a spot
    /// interruption or a failed start has no trustworthy exit code, so it
    /// is retried. Pure.
    public static func exit(ofDescribedTask task: JSONValue, containerName: String) -> TaskExit? {
        guard task["lastStatus"]?.stringValue == "STOPPED" else { return nil }
        var exit = TaskExit()
        var code: Int32?
        if case .array(let containers)? = task["containers"] {
            let container = containers.first { $0["name"]?.stringValue == containerName } ?? containers.first
            code = container?["exitCode"]?.intValue.map(Int32.init)
        }
        let stopCode = task["stopCode"]?.stringValue
        if stopCode == nil || stopCode == "EssentialContainerExited" { exit.exitCode = code }
        var reason = [stopCode, task["stoppedReason"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
        if exit.exitCode == nil, let code { reason += " (container exit code \(code))" }
        exit.stopReason = reason.isEmpty ? nil : reason
        return exit
    }

    func stop(_ arn: String, reason: String) async {
        do {
            _ = try await call("StopTask", ["cluster": .string(settings.cluster), "task": .string(arn), "reason": .string(reason)])
        } catch {
            logger.error("StopTask failed", metadata: ["task.arn": "\(arn)", "error": "\(error)"])
        }
    }
}

/// One ECS task, followed with `DescribeTasks`.
struct ECSTask: LaunchedTask {
    let taskID: String
    let launcher: ECSLauncher

    func waitForExit() async throws -> TaskExit {
        while true {
            do {
                if let exit = try await launcher.exitIfStopped(taskID) { return exit }
            } catch let error as ObjectStoreError {
                launcher.logger.warning("DescribeTasks failed; trying again", metadata: ["task.arn": "\(taskID)", "error": "\(error)"])
            }
            try await Task.sleep(for: launcher.settings.pollInterval)
        }
    }

    func stop(reason: String, grace: Duration) async {
        await launcher.stop(taskID, reason: reason)
    }
}

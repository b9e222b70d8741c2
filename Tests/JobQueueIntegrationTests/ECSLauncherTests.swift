import Foundation
import ObjectStore
import Testing
@testable import JobQueue

/// The ECS launcher against moto's server (ECS RunTask / ListTasks /
/// DescribeTasks / StopTask, SigV4 checked), with a real PostgreSQL queue.
@Suite struct ECSLauncherTests {
    static let environment = ProcessInfo.processInfo.environment
    static let client = AWSJSONClient.ecs(
        region: "us-east-1", endpoint: environment["PYRAMYDAL_TEST_S3_ENDPOINT"] ?? "http://127.0.0.1:55000",
        credentials: StaticCredentialProvider(AWSCredentials(
            accessKeyID: environment["PYRAMYDAL_TEST_S3_ACCESS_KEY_ID"] ?? "test",
            secretAccessKey: environment["PYRAMYDAL_TEST_S3_SECRET_ACCESS_KEY"] ?? "test")))

    /// A cluster and a `<prefix>test` task definition of their own.
    static func makeLauncher(_ test: String = #function) async throws -> ECSLauncher {
        let name = "jq-\(test.lowercased().filter { $0.isLetter }.prefix(20))-\(UInt32.random(in: 0...UInt32.max))"
        let settings = ECSSettings(cluster: name, subnets: [try await defaultSubnet()], securityGroups: [],
                                   taskFamilyPrefix: name + "-", pollInterval: .milliseconds(100))
        let launcher = ECSLauncher(client: client, settings: settings, logger: TestQueue.logger)
        _ = try await launcher.call("CreateCluster", ["clusterName": .string(name)])
        _ = try await launcher.call("RegisterTaskDefinition", [
            "family": .string(name + "-test"), "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512",
            "containerDefinitions": [["name": "worker", "image": "pyramydal:latest", "essential": true, "cpu": 256, "memory": 512, "command": ["pyramydal-test-worker"]]],
        ])
        return launcher
    }

    /// A subnet of moto's default VPC (EC2 DescribeSubnets, query protocol), which RunTask's awsvpc check accepts.
    static func defaultSubnet() async throws -> String {
        var ec2 = client
        ec2.service = "ec2"
        let answer = try await ec2.post(body: Array("Action=DescribeSubnets&Version=2016-11-15".utf8),
                                        contentType: "application/x-www-form-urlencoded; charset=utf-8", target: nil,
                                        action: "DescribeSubnets")
        let text = String(decoding: answer, as: UTF8.self)
        guard let start = text.range(of: "<subnetId>"), let end = text.range(of: "</subnetId>", range: start.upperBound..<text.endIndex) else {
            throw TestQueue.TimedOut(what: "a default subnet in moto's DescribeSubnets answer")
        }
        return String(text[start.upperBound..<end.lowerBound])
    }

    @Test func dispatcherDyingBetweenRunTaskAndItsWriteLaunchesNoSecondTask() async throws {
        let launcher = try await Self.makeLauncher()
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "test")
            let claimed = try #require(try await queue.claim(limit: 1, dispatcher: "doomed").first)
            let first = try await launcher.launch(claimed)
            #expect(first.taskID.hasPrefix("arn:aws:ecs:"))
            // The dispatcher dies here: no recordLaunch. The leader's rescue relaunches the same attempt.
            try await queue.connection.execute("UPDATE \(queue.jobs) SET claimed_at = now() - interval '1 minute'", purpose: "test")
            #expect(try await queue.rescue(lease: .seconds(20), launchTimeout: .seconds(30), startTimeout: .seconds(600),
                                           backoff: Backoff()) == [job.id])
            let again = try #require(try await queue.claim(limit: 1, dispatcher: "survivor").first)
            #expect(again.attempt == 1 && again.launchToken == claimed.launchToken, "same attempt, same clientToken")
            let second = try await launcher.launch(again)
            #expect(second.taskID == first.taskID, "no second task")
            let tasks = try await launcher.call("ListTasks", ["cluster": .string(launcher.settings.cluster)])
            #expect(tasks["taskArns"] == [.string(first.taskID)])
            // The task carries the job id for the worker.
            let described = try await launcher.call("DescribeTasks", ["cluster": .string(launcher.settings.cluster), "tasks": [.string(first.taskID)]])
            let environment = described["tasks"].flatMap { if case .array(let list) = $0 { list.first } else { nil } }?["overrides"]?["containerOverrides"]
            #expect(environment?.jsonText.contains(#"{"name":"PYRAMYDAL_JOB_ID","value":"\#(job.id)"}"#) == true)
            await second.stop(reason: "test over", grace: .zero)
        }
    }

    @Test func stoppedTaskIsReconciledFromDescribeTasks() async throws {
        let launcher = try await Self.makeLauncher()
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "test", maxAttempts: 2)
            let claimed = try #require(try await queue.claim(limit: 1, dispatcher: "d").first)
            let task = try await launcher.launch(claimed)
            #expect(try await queue.recordLaunch(id: job.id, token: claimed.launchToken!, taskID: task.taskID))
            await task.stop(reason: "Essential container in task exited", grace: .zero)
            let exit = try await task.waitForExit()
            #expect(exit.stopReason?.contains("Essential container in task exited") == true)
            // moto reports the container's exit code 0 and no stopCode: the attempt counts as done.
            #expect(exit.exitCode == 0)
            #expect(try await queue.recordExit(id: job.id, token: claimed.launchToken!, exit: exit,
                                               backoff: Backoff(base: .zero, maximum: .zero, jitter: 0)) == .completed)
            let done = try #require(try await queue.job(id: job.id))
            #expect(done.history.first?.taskID == task.taskID)
            #expect(done.history.first?.exitCode == 0)
            #expect(done.history.first?.stopReason?.contains("Essential container") == true)
        }
    }

    @Test func dispatcherLaunchesOnECSAndCancelStopsTheTask() async throws {
        let launcher = try await Self.makeLauncher()
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "test")
            let running = RunningDispatcher(Dispatcher(databaseURL: TestQueue.url, schema: queue.schema, launcher: launcher,
                                                       settings: TestQueue.settings(), logger: TestQueue.logger))
            try await TestQueue.waitUntil("the task to be recorded") {
                try await queue.job(id: job.id)?.taskID?.hasPrefix("arn:aws:ecs:") == true
            }
            _ = try await queue.cancel(id: job.id)
            try await TestQueue.waitUntil("StopTask and DescribeTasks to end the task") { running.dispatcher.activeCount == 0 }
            try await running.stop()
            let cancelled = try #require(try await queue.job(id: job.id))
            #expect(cancelled.state == .cancelled)
            let described = try await launcher.call("DescribeTasks", ["cluster": .string(launcher.settings.cluster),
                                                                      "tasks": [.string(cancelled.taskID!)]])
            #expect(described.jsonText.contains(#""lastStatus":"STOPPED""#))
            #expect(described.jsonText.contains("cancelled by request"))
        }
    }

    @Test func unknownTaskDefinitionIsAFailedAttempt() async throws {
        let launcher = try await Self.makeLauncher()
        try await TestQueue.withQueue { queue in
            _ = try await queue.enqueue(kind: "nosuchkind")
            let claimed = try #require(try await queue.claim(limit: 1, dispatcher: "d").first)
            await #expect { try await launcher.launch(claimed) } throws: { error in
                guard let failure = error as? LaunchFailure else { return false }
                return failure.consumesAttempt && failure.reason.contains("RunTask")
            }
        }
    }

    @Test func badCredentialsAreRefusedBySignatureCheck() async throws {
        let wrong = AWSJSONClient.ecs(region: "us-east-1", endpoint: Self.client.endpoint,
                                      credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "AKIDWRONG", secretAccessKey: "nope")))
        await #expect { _ = try await wrong.call("ListClusters", body: Array("{}".utf8)) } throws: { error in
            (error as? ObjectStoreError).map { $0.httpStatus == 403 || $0.code == .accessDenied } ?? false
        }
    }
}

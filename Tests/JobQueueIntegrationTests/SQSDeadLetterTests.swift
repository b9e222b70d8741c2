import Foundation
import ObjectStore
import Testing
import Dispatching
@testable import JobQueue

/// Issue 17, faults: a malformed message on the S3-event queue never
/// crash-loops the intake: each sweep leaves it (with a warning), SQS's
/// redrive policy moves it to the dead-letter queue after maxReceiveCount,
/// and the good events around it become jobs.
@Suite struct SQSDeadLetterTests {
    typealias T = SQSIntakeTests

    @Test func malformedMessageEndsInTheDeadLetterQueue() async throws {
        let t = T()
        let run = UInt32.random(in: 0...UInt32.max)
        let dlqURL = try #require(try await t.call("CreateQueue", ["QueueName": .string("jq-dlq-\(run)")])["QueueUrl"]?.stringValue)
        let dlqARN = try #require(try await t.call("GetQueueAttributes", [
            "QueueUrl": .string(dlqURL), "AttributeNames": ["QueueArn"],
        ])["Attributes"]?["QueueArn"]?.stringValue)
        let redrive: JSONValue = ["deadLetterTargetArn": .string(dlqARN), "maxReceiveCount": "2"]
        let queueURL = try #require(try await t.call("CreateQueue", [
            "QueueName": .string("jq-main-\(run)"),
            "Attributes": ["RedrivePolicy": .string(redrive.jsonText), "VisibilityTimeout": "1"],
        ])["QueueUrl"]?.stringValue)
        defer {
            Task {
                _ = try? await t.call("DeleteQueue", ["QueueUrl": .string(queueURL)])
                _ = try? await t.call("DeleteQueue", ["QueueUrl": .string(dlqURL)])
            }
        }
        let good: JSONValue = ["detail": ["bucket": ["name": "drops"], "object": ["key": "incoming/a.xlsx", "etag": "e1"]]]
        for body in ["{\"detail\": [1, 2", good.jsonText, "\u{1}not an event"] {
            _ = try await t.call("SendMessage", ["QueueUrl": .string(queueURL), "MessageBody": .string(body)])
        }
        try await TestQueue.withQueue { queue in
            let intake = SQSIntake(client: T.client, queueURL: queueURL, storeLocation: "s3://drops/", bucket: "drops",
                                   visibilityTimeout: 1, logger: TestQueue.logger)
            var enqueued = 0
            var dead: [String] = []
            for _ in 0..<8 where dead.count < 2 {
                enqueued += try await intake.sweep(queue: queue)
                try await Task.sleep(for: .milliseconds(1_200))
                let received = try await t.call("ReceiveMessage", [
                    "QueueUrl": .string(dlqURL), "MaxNumberOfMessages": 10, "VisibilityTimeout": 60,
                ])
                if case .array(let messages)? = received["Messages"] {
                    dead += messages.compactMap { $0["Body"]?.stringValue }
                }
            }
            #expect(enqueued == 1)
            #expect(try await queue.jobs(kind: "ingest").count == 1)
            #expect(Set(dead) == ["{\"detail\": [1, 2", "\u{1}not an event"])
        }
    }
}

import Foundation
import ObjectStore
import Testing
import Dispatching
import JobContracts
@testable import JobQueue

/// The S3-event intake against moto's SQS (JSON protocol, signed) and PostgreSQL.
@Suite struct SQSIntakeTests {
    static let environment = ProcessInfo.processInfo.environment
    static let client = AWSJSONClient.sqs(
        region: "us-east-1", endpoint: environment["PYRAMYDAL_TEST_S3_ENDPOINT"] ?? "http://127.0.0.1:55000",
        credentials: StaticCredentialProvider(AWSCredentials(
            accessKeyID: environment["PYRAMYDAL_TEST_S3_ACCESS_KEY_ID"] ?? "test",
            secretAccessKey: environment["PYRAMYDAL_TEST_S3_SECRET_ACCESS_KEY"] ?? "test")))

    func call(_ action: String, _ body: JSONValue) async throws -> JSONValue {
        let answer = try await Self.client.call(action, body: Array(body.jsonText.utf8))
        return answer.isEmpty ? [:] : try JSONValue.parse(String(decoding: answer, as: UTF8.self))
    }

    @Test func s3EventsBecomeIngestJobsOnce() async throws {
        let queueName = "jq-intake-\(UInt32.random(in: 0...UInt32.max))"
        let queueURL = try #require(try await call("CreateQueue", ["QueueName": .string(queueName)])["QueueUrl"]?.stringValue)
        defer { Task { _ = try? await call("DeleteQueue", ["QueueUrl": .string(queueURL)]) } }
        let eventBridge: JSONValue = [
            "detail-type": "Object Created", "source": "aws.s3",
            "detail": ["bucket": ["name": "drops"], "object": ["key": "incoming/sales/q1.xlsx", "etag": "e1"]],
        ]
        let notification: JSONValue = ["Records": [[
            "eventName": "ObjectCreated:Put",
            "s3": ["bucket": ["name": "drops"], "object": ["key": "incoming/hr/head+count%282%29.xlsx", "eTag": "\"e2\""]],
        ]]]
        let otherBucket: JSONValue = ["detail": ["bucket": ["name": "elsewhere"], "object": ["key": "incoming/x.xlsx", "etag": "e3"]]]
        // The same object twice (at-least-once delivery), and a message that is no event at all.
        for body in [eventBridge.jsonText, notification.jsonText, eventBridge.jsonText, otherBucket.jsonText, "not json"] {
            _ = try await call("SendMessage", ["QueueUrl": .string(queueURL), "MessageBody": .string(body)])
        }
        try await TestQueue.withQueue { queue in
            let intake = SQSIntake(client: Self.client, queueURL: queueURL, storeLocation: "s3://drops/", bucket: "drops",
                                   visibilityTimeout: 600, logger: TestQueue.logger)  // long: a loaded machine must not see the bad message come back
            #expect(try await intake.sweep(queue: queue) == 2)
            let jobs = try await queue.jobs(kind: "ingest")
            #expect(Set(jobs.compactMap(\.uniqueKey)) == [
                "ingest:s3://drops/:incoming/sales/q1.xlsx:e1", "ingest:s3://drops/:incoming/hr/head count(2).xlsx:e2",
            ])
            #expect(jobs.allSatisfy { $0.arguments["store"] == "s3://drops/" })
            // Handled messages are deleted; only the unreadable one is left (in flight until its timeout).
            let attributes = try await call("GetQueueAttributes", [
                "QueueUrl": .string(queueURL), "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            ])["Attributes"]
            #expect(attributes?["ApproximateNumberOfMessages"] == "0")
            #expect(attributes?["ApproximateNumberOfMessagesNotVisible"] == "1")
            #expect(try await intake.sweep(queue: queue) == 0)
        }
    }

    @Test func parsesBothEventShapes() {
        #expect(SQSIntake.objects(inMessage: #"{"detail":{"bucket":{"name":"b"},"object":{"key":"incoming/a b.xlsx","etag":"x"}}}"#)
                == [.init(bucket: "b", key: "incoming/a b.xlsx", etag: "x")])
        #expect(SQSIntake.objects(inMessage: #"{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}"#) == [])
        #expect(SQSIntake.objects(inMessage: #"{"Event":"s3:TestEvent"}"#) == [])
        #expect(SQSIntake.objects(inMessage: "nope") == nil)
    }
}

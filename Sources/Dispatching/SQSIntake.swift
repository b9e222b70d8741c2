import Foundation
import JobContracts
import JobQueue
import Logging
import ObjectStore

/// Reads S3 "Object Created" events from an SQS queue (EventBridge events or
/// S3 event notifications, `ReceiveMessage` / `DeleteMessage`, signed) and
/// enqueues one `ingest` job (``IngestArgs``) per object version under the
/// store's `incoming/`, with the same arguments and unique key as the
/// ``IncomingWatcher`` sweep that backs it up. A message is deleted once its
/// jobs are enqueued; one that can't be read is left for the queue's
/// dead-letter queue.
public final class SQSIntake: JobIntake {
    public let client: AWSJSONClient
    public let queueURL: String
    /// The store's location (`s3://bucket/prefix/`), bucket and key prefix.
    public let storeLocation: String
    public let bucket: String
    public let prefix: String
    public let visibilityTimeout: Int
    let logger: Logger
    public var name: String { "S3 events from \(queueURL)" }

    public init(client: AWSJSONClient, queueURL: String, storeLocation: String, bucket: String, prefix: String = "",
                visibilityTimeout: Int = 60, logger: Logger = Logger(label: "pyramydal.intake.sqs")) {
        self.client = client
        self.queueURL = queueURL
        self.storeLocation = storeLocation
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.visibilityTimeout = visibilityTimeout
        self.logger = logger
    }

    /// One object named in an event.
    public struct ObjectEvent: Sendable, Hashable {
        public var bucket: String
        public var key: String
        public var etag: String

        public init(bucket: String, key: String, etag: String) {
            self.bucket = bucket
            self.key = key
            self.etag = etag
        }
    }

    /// The objects an SQS message body names: an EventBridge event
    /// (`detail.bucket.name`, `detail.object.key`, `detail.object.etag`) or an
    /// S3 notification (`Records[].s3`, keys URL-encoded). Empty for other
    /// messages (e.g. `s3:TestEvent`); `nil` if the body isn't JSON. Pure.
    public static func objects(inMessage body: String) -> [ObjectEvent]? {
        guard let value = try? JSONValue.parse(body) else { return nil }
        if let detail = value["detail"], let bucket = detail["bucket"]?["name"]?.stringValue,
           let key = detail["object"]?["key"]?.stringValue {
            return [ObjectEvent(bucket: bucket, key: key, etag: unquoted(detail["object"]?["etag"]?.stringValue ?? ""))]
        }
        guard case .array(let records)? = value["Records"] else { return [] }
        return records.compactMap { record in
            guard record["eventName"]?.stringValue?.hasPrefix("ObjectCreated") != false,
                  let s3 = record["s3"], let bucket = s3["bucket"]?["name"]?.stringValue,
                  let rawKey = s3["object"]?["key"]?.stringValue else { return nil }
            let key = rawKey.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? rawKey
            return ObjectEvent(bucket: bucket, key: key, etag: unquoted(s3["object"]?["eTag"]?.stringValue ?? ""))
        }
    }

    static func unquoted(_ etag: String) -> String { etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }

    @discardableResult
    public func sweep(queue: JobQueue) async throws -> Int {
        var enqueued = 0
        for _ in 0..<10 {
            let answer = try await call("ReceiveMessage", [
                "QueueUrl": .string(queueURL), "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0,
                "VisibilityTimeout": .number(Double(visibilityTimeout)),
            ])
            guard case .array(let messages)? = answer["Messages"], !messages.isEmpty else { break }
            for message in messages {
                guard let body = message["Body"]?.stringValue, let handle = message["ReceiptHandle"]?.stringValue,
                      let objects = Self.objects(inMessage: body) else {
                    logger.warning("an SQS message that is not an S3 event; leaving it for the dead-letter queue",
                                   metadata: ["sqs.message_id": "\(message["MessageId"]?.stringValue ?? "?")"])
                    continue
                }
                for object in objects where object.bucket == bucket && object.key.hasPrefix(prefix) {
                    let key = String(object.key.dropFirst(prefix.count))
                    guard IncomingWatcher.isCandidate(key, prefix: "incoming/") else { continue }
                    let (job, isNew) = try await queue.enqueueReportingNew(IngestArgs(store: storeLocation, key: key,
                                                                                      etag: object.etag))
                    if isNew {
                        enqueued += 1
                        logger.info("new workbook from an S3 event", metadata: ["job.id": "\(job.id)", "object.key": "\(key)"])
                    }
                }
                _ = try await call("DeleteMessage", ["QueueUrl": .string(queueURL), "ReceiptHandle": .string(handle)])
            }
        }
        return enqueued
    }

    func call(_ action: String, _ body: JSONValue) async throws -> JSONValue {
        let answer = try await client.call(action, body: Array(body.jsonText.utf8))
        return answer.isEmpty ? [:] : try JSONValue.parse(String(decoding: answer, as: UTF8.self))
    }
}

import Foundation
import Logging

extension S3Store {
    /// CreateMultipartUpload → UploadPart (bounded parallelism) →
    /// CompleteMultipartUpload; AbortMultipartUpload on any failure.
    func multipartUpload(_ key: String, fullKey: String, path: String, size: Int64, options: PutOptions) async throws -> ObjectInfo {
        let partSize = max(settings.partSize, S3Settings.minimumPartSize)
        var createHeaders = putHeaders(options).filter { $0.name != "If-None-Match" }
        if options.contentType == nil { createHeaders.append(("Content-Type", "application/octet-stream")) }
        let created = try await send("POST", fullKey: fullKey, query: [SigV4QueryItem("uploads", "")], headers: createHeaders, idempotent: false)
        guard (200..<300).contains(created.status) else { throw error(created, key: key, action: "CreateMultipartUpload") }
        guard let uploadID = try S3XMLElement.parse(created.body).value("UploadId"), !uploadID.isEmpty else {
            throw ObjectStoreError(code: .invalidResponse, httpStatus: created.status, key: key, message: "CreateMultipartUpload answered no UploadId")
        }
        logger.debug("multipart upload started", metadata: ["s3.key": "\(key)", "s3.size": "\(size)", "s3.part_size": "\(partSize)"])
        do {
            let partCount = Int((size + partSize - 1) / partSize)
            let etags = try await uploadParts(key, fullKey: fullKey, uploadID: uploadID, path: path, size: size, partSize: partSize, partCount: partCount)
            var body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            for (index, etag) in etags.enumerated() {
                body += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(S3XMLElement.escape(etag))</ETag></Part>"
            }
            body += "</CompleteMultipartUpload>"
            let bytes = Array(body.utf8)
            var headers: [(name: String, value: String)] = [("Content-Type", "application/xml")]
            if options.ifNoneMatch { headers.append(("If-None-Match", "*")) }
            let completed = try await send("POST", fullKey: fullKey, query: [SigV4QueryItem("uploadId", uploadID)], headers: headers, body: .bytes(bytes), payloadHash: SigV4Signer.hexSHA256(bytes), idempotent: false)
            let etag = try completeResult(completed, key: key)
            return ObjectInfo(key: key, size: size, etag: etag, lastModified: nil)
        } catch {
            await abortMultipart(key, fullKey: fullKey, uploadID: uploadID)
            throw error
        }
    }

    /// The ETag of a CompleteMultipartUpload answer. A 200 can still carry
    /// `<Error>` in its body (the failure happens after the status is sent).
    func completeResult(_ completed: HTTPResponse, key: String) throws -> String? {
        guard (200..<300).contains(completed.status) else { throw error(completed, key: key, action: "CompleteMultipartUpload") }
        let xml = try S3XMLElement.parse(completed.body)
        if xml.name == "Error" {
            let s3Code = xml.value("Code")
            throw ObjectStoreError(
                code: s3Code == "PreconditionFailed" ? .alreadyExists : .httpError,
                httpStatus: completed.status, s3Code: s3Code, requestID: xml.value("RequestId") ?? completed.headers["x-amz-request-id"],
                key: key, message: "CompleteMultipartUpload failed: \(xml.value("Message") ?? "error in a 200 answer")")
        }
        // AWS answers <CompleteMultipartUploadResult>; moto <CompleteMultipartUploadResponse>.
        return xml.value("ETag") ?? completed.headers["etag"]
    }

    /// Upload ids of unfinished multipart uploads under `prefix` (first page).
    func multipartUploadsInProgress(prefix listPrefix: String) async throws -> [String] {
        let response = try await send("GET", fullKey: nil, query: [SigV4QueryItem("uploads", ""), SigV4QueryItem("prefix", prefix + listPrefix)], idempotent: true)
        guard (200..<300).contains(response.status) else { throw error(response, key: listPrefix, action: "ListMultipartUploads") }
        return try S3XMLElement.parse(response.body).all("Upload").compactMap { $0.value("UploadId") }
    }

    private func uploadParts(_ key: String, fullKey: String, uploadID: String, path: String, size: Int64, partSize: Int64, partCount: Int) async throws -> [String] {
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var etags = [String](repeating: "", count: partCount)
            var next = 0
            func addPart(_ index: Int) {
                let offset = Int64(index) * partSize
                let length = min(partSize, size - offset)
                group.addTask {
                    let hash = try await Self.hashFile(path, offset: offset, length: length)
                    let response = try await self.send(
                        "PUT", fullKey: fullKey,
                        query: [SigV4QueryItem("partNumber", String(index + 1)), SigV4QueryItem("uploadId", uploadID)],
                        body: .file(path: path, offset: offset, length: length), payloadHash: hash, idempotent: true)
                    guard (200..<300).contains(response.status) else { throw self.error(response, key: key, action: "UploadPart \(index + 1)") }
                    guard let etag = response.headers["etag"] else {
                        throw ObjectStoreError(code: .invalidResponse, httpStatus: response.status, key: key, message: "UploadPart \(index + 1) answered no ETag")
                    }
                    return (index, etag)
                }
            }
            while next < min(partCount, max(1, settings.multipartConcurrency)) {
                addPart(next)
                next += 1
            }
            while let (index, etag) = try await group.next() {
                etags[index] = etag
                if next < partCount {
                    addPart(next)
                    next += 1
                }
            }
            return etags
        }
    }

    private func abortMultipart(_ key: String, fullKey: String, uploadID: String) async {
        do {
            let response = try await send("DELETE", fullKey: fullKey, query: [SigV4QueryItem("uploadId", uploadID)], idempotent: true)
            if !(200..<300).contains(response.status) && response.status != 404 {
                logger.warning("could not abort multipart upload", metadata: ["s3.key": "\(key)", "s3.status": "\(response.status)"])
            }
        } catch {
            logger.warning("could not abort multipart upload", metadata: ["s3.key": "\(key)", "error": "\(error)"])
        }
    }
}

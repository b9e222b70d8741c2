import Foundation

/// The parts of an ECS task definition (`tasks/<kind>.json`) the launchers
/// read: the command of the first container and the task's memory (MiB).
public struct TaskDefinition: Sendable, Hashable {
    public var kind: String
    public var family: String?
    /// `containerDefinitions[0].command`, e.g. `["IngestWorker"]`.
    public var command: [String]
    /// Task-level `memory` in MiB.
    public var memoryMiB: Int?

    public init(kind: String, family: String? = nil, command: [String], memoryMiB: Int? = nil) {
        self.kind = kind
        self.family = family
        self.command = command
        self.memoryMiB = memoryMiB
    }

    /// Reads `<directory>/<kind>.json`.
    public static func load(kind: String, directory: String) throws -> TaskDefinition {
        let path = directory + "/" + kind + ".json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JobQueueError(code: .taskDefinition, message: "no task definition for kind \"\(kind)\" at \(path)")
        }
        return try parse(data, kind: kind, path: path)
    }

    static func parse(_ data: Data, kind: String, path: String) throws -> TaskDefinition {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw JobQueueError(code: .taskDefinition, message: "\(path) is not valid JSON", underlying: error)
        }
        guard case .array(let containers)? = value["containerDefinitions"], let first = containers.first,
              case .array(let commandValues)? = first["command"] else {
            throw JobQueueError(code: .taskDefinition, message: "\(path) has no containerDefinitions[0].command")
        }
        let command = commandValues.compactMap(\.stringValue)
        guard !command.isEmpty, command.count == commandValues.count else {
            throw JobQueueError(code: .taskDefinition, message: "\(path): containerDefinitions[0].command must be a non-empty list of strings")
        }
        var memory: Int?
        switch value["memory"] {
        case .string(let text)?: memory = Int(text)
        case .number(let number)?: memory = Int(exactly: number)
        default: memory = first["memory"]?.intValue
        }
        return TaskDefinition(kind: kind, family: value["family"]?.stringValue, command: command, memoryMiB: memory)
    }
}

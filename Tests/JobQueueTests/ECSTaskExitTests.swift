import Testing
@testable import JobQueue

/// How a DescribeTasks answer maps to an exit (pure).
@Suite struct ECSTaskExitTests {
    func task(_ stopCode: String?, exitCode: Int?, status: String = "STOPPED") -> JSONValue {
        var object: [String: JSONValue] = [
            "lastStatus": .string(status), "stoppedReason": "reason",
            "containers": [["name": "sidecar", "exitCode": 0], ["name": "worker", "exitCode": exitCode.map { .number(Double($0)) } ?? .null]],
        ]
        if let stopCode { object["stopCode"] = .string(stopCode) }
        return .object(object)
    }

    @Test func runningTaskHasNoExit() {
        #expect(ECSLauncher.exit(ofDescribedTask: task(nil, exitCode: nil, status: "RUNNING"), containerName: "worker") == nil)
    }

    @Test func essentialContainerExitCodeDecides() {
        let exit = ECSLauncher.exit(ofDescribedTask: task("EssentialContainerExited", exitCode: 65), containerName: "worker")
        #expect(exit == TaskExit(exitCode: 65, stopReason: "EssentialContainerExited: reason"))
        #expect(AttemptOutcome(exit!) == .discard)
    }

    @Test func stoppedByOthersIsRetriedWhateverTheCode() {
        for code in ["UserInitiated", "TaskFailedToStart", "SpotInterruption"] {
            let exit = ECSLauncher.exit(ofDescribedTask: task(code, exitCode: 0), containerName: "worker")
            #expect(exit?.exitCode == nil)
            #expect(exit?.stopReason == "\(code): reason (container exit code 0)")
            #expect(AttemptOutcome(exit!) == .retry)
        }
    }
}

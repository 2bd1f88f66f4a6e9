import Events
import Foundation

/// Runs the built `riskscreen` binary as a user would, and captures what it prints.
struct RiskScreenProcess {
    /// What one run printed and how it ended.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Whether the process was ended by a signal (`status` is then the signal's number).
        var terminationReasonWasSignal = false
        var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    /// The tests' "now": every `riskscreen` a test starts reads this on its clock (through
    /// `RISKSCREEN_TEST_CLOCK_OFFSET`), and the samples are moved to just before it, so nothing a
    /// test checks depends on today's date.
    static let now = Timestamp(rfc3339: "2026-11-24T17:00:00Z")!

    /// The environment that sets a started process's clock to ``now`` (plus `extra` seconds).
    static func clockEnvironment(plus extra: Double = 0) -> [String: String] {
        let offset = Double(now.secondsSinceEpoch) - Date().timeIntervalSince1970 + extra
        return ["RISKSCREEN_TEST_CLOCK_OFFSET": String(offset)]
    }

    /// `environment` over the inherited one, with the clock set to ``now`` (an offset given in
    /// `environment` is added to it).
    static func environment(_ environment: [String: String]) -> [String: String] {
        let extra = environment["RISKSCREEN_TEST_CLOCK_OFFSET"].flatMap(Double.init) ?? 0
        return ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            .merging(clockEnvironment(plus: extra)) { _, new in new }
    }

    /// The package root (this file is `Tests/IntegrationTests/RiskScreenProcess.swift`).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The binary SwiftPM built beside the test bundle, or `$RISKSCREEN_BINARY`.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["RISKSCREEN_BINARY"] { return URL(fileURLWithPath: path) }
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBundle.deletingLastPathComponent()
        // The bundle may be a directory (`….xctest/…`) or a file; walk up to the products folder.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("riskscreen")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/riskscreen")
    }

    /// Runs `riskscreen ARGUMENTS` in `directory` (the package root by default); kills it after `timeout` seconds.
    static func run(
        _ arguments: [String], in directory: URL = packageRoot, timeout: TimeInterval = 60,
        environment: [String: String] = [:], input: String? = nil
    ) throws -> Result {
        let process = Process()
        process.environment = Self.environment(environment)
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        // Read both pipes to their end before waiting, so a full pipe cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = stdout.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        errData = stderr.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        watchdog.cancel()
        var result = Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
        result.terminationReasonWasSignal = process.terminationReason == .uncaughtSignal
        return result
    }
}

extension RiskScreenProcess {
    /// Runs a system tool (mount, chattr…) to its end; returns its exit status.
    static func runTool(_ path: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

import Foundation
import Testing

/// The daemon running as a real process on a temporary home, stopped by the test.
final class RunningDaemon {
    let process = Process()
    let home: String
    let rules: String
    private let errorPipe = Pipe()
    private let errors = LockedText()

    init(home: String, rules: String, extra: [String] = [], environment: [String: String] = [:]) throws {
        self.home = home
        self.rules = rules
        process.executableURL = RiskScreenProcess.binary
        process.arguments =
            ["run", "--home", home, "--rules", rules, "--rescan-interval", "2", "--log-level", "info"]
            + (extra.contains("--minimum-age") ? extra : ["--minimum-age", "0.2"] + extra)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorPipe
        process.standardInput = FileHandle.nullDevice
        process.environment = RiskScreenProcess.environment(environment)
        let errors = self.errors
        errorPipe.fileHandleForReading.readabilityHandler = { handle in errors.append(handle.availableData) }
        try process.run()
    }

    deinit {
        if process.isRunning {
            process.interrupt()
            kill(process.processIdentifier, SIGKILL)
        }
        errorPipe.fileHandleForReading.readabilityHandler = nil
    }

    var log: String { errors.text }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits until `condition` holds, checking every 50 ms, for at most `seconds`.
    @discardableResult
    func wait(seconds: Double = 15, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    /// Sends SIGTERM and waits for the exit; returns the exit status and the seconds it took.
    func stop() -> (status: Int32, seconds: Double) {
        let start = Date()
        signal(SIGTERM)
        _ = wait(seconds: 10) { !process.isRunning }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, Date().timeIntervalSince(start))
    }

    func files(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: home + "/" + directory)) ?? []).sorted()
    }

    /// Drops a sample the way a feed should: written elsewhere, renamed into the inbox.
    func drop(sample: String, as name: String) throws {
        let staging = home + "/" + name + ".staging"
        try SampleEvents.write(sample, to: staging)
        #expect(rename(staging, home + "/inbox/" + name) == 0)
    }

    /// The priority in the queue file of the only alert whose name contains `alertIDPrefix`… or any.
    func queuedPriorities() -> [String] {
        files("alerts").map { String($0.split(separator: "-")[1]) }
    }
}

final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ chunk: Data) {
        lock.lock()
        data.append(chunk)
        lock.unlock()
    }
    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

@Suite("The daemon, running", .serialized)
struct DaemonTests {
    private func setUp() throws -> (TemporaryDirectory, String, String) {
        try TemporaryDirectory.daemonHome(copyingRules: true)
    }

    @Test(
        "it drains a few hundred events dropped while it runs, each once, and SIGTERM stops it with exit 0 within 5 s")
    func drainAndStop() throws {
        let (directory, home, rules) = try setUp()
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") }, "\(daemon.log)")
        let samples = ValidateCommandTests.samples.map { ($0 as NSString).lastPathComponent }
        // 300 events: the samples under distinct event ids, each as a patient of its own (so
        // the cancels withdraw nothing and nothing repeats).
        for index in 0..<300 {
            let sample = samples[index % samples.count]
            let changed = try SampleEvents.asNewPatient(sample, id: "LOAD-\(index)")
            let staging = home + "/staging-\(index)"
            try changed.write(toFile: staging, atomically: false, encoding: .utf8)
            #expect(rename(staging, home + "/inbox/event-\(index).json") == 0)
        }
        #expect(
            daemon.wait(seconds: 60) {
                daemon.files("archive").flatMap { day in daemon.files("archive/" + day) }.count == 300
            })
        #expect(daemon.files("inbox").filter { $0.hasSuffix(".json") }.isEmpty)
        // As patients of their own, 15 rounds of the 19 samples raise 14 alerts each, and samples
        // 01–15 once more raise 14.
        func jsonlLines() -> Int {
            (try? String(contentsOfFile: home + "/alerts.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0
        }
        #expect(daemon.wait(seconds: 60) { jsonlLines() == 224 }, "\(jsonlLines())")
        #expect(daemon.files("alerts").count == 224)
        let (status, seconds) = daemon.stop()
        #expect(status == 0)
        #expect(seconds < 5)
        #expect(daemon.log.contains("riskscreen stopped"))
    }

    @Test(
        "SIGHUP with a good change reloads the rules; with a broken one the old rules stay, and events dropped meanwhile are all processed"
    )
    func reload() throws {
        let (directory, home, rules) = try setUp()
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        try daemon.drop(sample: "08-discharge-homeless.json", as: "before.json")
        #expect(daemon.wait { daemon.queuedPriorities().contains("critical") })

        // A good change: homelessness at discharge demoted to high by a site override.
        try "overrides:\n  - { rule: discharge-safety.homeless-at-discharge, priority: high }\n".write(
            toFile: rules + "/site.yaml", atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(daemon.wait { daemon.log.contains("rules reloaded") }, "\(daemon.log)")
        var changed = try SampleEvents.text("08-discharge-homeless.json")
        changed = changed.replacingOccurrences(of: "NF-2026-11-23-0008", with: "NF-AFTER-RELOAD")
        // Another patient: the same one's repeat at a lower priority would only be recorded.
        changed = changed.replacingOccurrences(of: "\"S-100866\"", with: "\"S-AFTER\"")
        try changed.write(toFile: home + "/after.staging", atomically: false, encoding: .utf8)
        #expect(rename(home + "/after.staging", home + "/inbox/after.json") == 0)
        #expect(daemon.wait { daemon.files("alerts").count == 4 })
        #expect(daemon.queuedPriorities().filter { $0 == "critical" }.count == 1)

        // A broken change: refused, and the rules in use stay those of the good change.
        try "rules:\n  - { id: broken, title: T, category: c, when: \"nonsense >\", priority: low, referral: x }\n"
            .write(
                toFile: rules + "/broken.yaml", atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(daemon.wait { daemon.log.contains("reload refused") }, "\(daemon.log)")
        for index in 0..<20 {
            var text = changed.replacingOccurrences(of: "NF-AFTER-RELOAD", with: "NF-DURING-\(index)")
            text = text.replacingOccurrences(of: "\"S-AFTER\"", with: "\"S-9\(index)\"")
            try text.write(toFile: home + "/d\(index).staging", atomically: false, encoding: .utf8)
            #expect(rename(home + "/d\(index).staging", home + "/inbox/during-\(index).json") == 0)
        }
        #expect(daemon.wait(seconds: 30) { daemon.files("alerts").count == 44 }, "\(daemon.files("alerts").count)")
        // logrotate's SIGUSR1 must not stop the daemon.
        daemon.signal(SIGUSR1)
        #expect(daemon.wait { daemon.log.contains("SIGUSR1") })
        #expect(daemon.queuedPriorities().filter { $0 == "critical" }.count == 1)
        #expect(daemon.process.isRunning)
        #expect(daemon.stop().status == 0)
    }

    @Test("a file written in place slowly is not taken half-written")
    func slowWriter() throws {
        let (directory, home, rules) = try setUp()
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules, extra: ["--minimum-age", "1"])
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        let text = try SampleEvents.text("08-discharge-homeless.json")
        let bytes = Array(text.utf8)
        let path = home + "/inbox/slow.json"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(descriptor >= 0)
        // Half, a pause shorter than the minimum age, then the rest.
        let half = bytes.count / 2
        bytes.withUnsafeBytes { _ = Foundation.write(descriptor, $0.baseAddress, half) }
        Thread.sleep(forTimeInterval: 0.6)
        bytes.withUnsafeBytes { _ = Foundation.write(descriptor, $0.baseAddress! + half, bytes.count - half) }
        close(descriptor)
        #expect(daemon.wait { daemon.files("alerts").count == 2 }, "\(daemon.log)")
        #expect(daemon.files("quarantine").isEmpty)
        #expect(daemon.stop().status == 0)
    }

    @Test("a file renamed into the inbox is taken at once; one written in place waits for the minimum age")
    func renamedFilesSkipTheMinimumAge() throws {
        let (directory, home, rules) = try setUp()
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules, extra: ["--minimum-age", "30"])
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        try SampleEvents.write("10-admission-positive-safety-screen.json", to: home + "/inbox/in-place.json")
        try daemon.drop(sample: "08-discharge-homeless.json", as: "renamed.json")
        #expect(daemon.wait(seconds: 5) { daemon.files("alerts").count == 2 })
        Thread.sleep(forTimeInterval: 0.5)
        #expect(daemon.files("inbox").contains("in-place.json"))
        #expect(daemon.files("alerts").count == 2)
        #expect(daemon.stop().status == 0)
    }

    @Test("a sink that fails keeps its alerts and gets them once it is back; the other sink goes on")
    func failingSinkRecovers() throws {
        let (directory, home, rules) = try setUp()
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        // The queue directory replaced by a file: writing an alert into it fails.
        try FileManager.default.removeItem(atPath: home + "/alerts")
        try "not a directory".write(toFile: home + "/alerts", atomically: true, encoding: .utf8)
        try daemon.drop(sample: "08-discharge-homeless.json", as: "during-outage.json")
        func jsonlLines() -> Int {
            (try? String(contentsOfFile: home + "/alerts.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0
        }
        #expect(daemon.wait { jsonlLines() == 2 })
        #expect(daemon.wait { daemon.log.contains("delivery failed; the outbox keeps the alert") })
        // Back again: the kept alerts arrive after the back-off, with no new event.
        try FileManager.default.removeItem(atPath: home + "/alerts")
        try FileManager.default.createDirectory(atPath: home + "/alerts", withIntermediateDirectories: false)
        #expect(daemon.wait(seconds: 20) { daemon.files("alerts").count == 2 }, "\(daemon.log)")
        #expect(jsonlLines() == 2)
        #expect(daemon.stop().status == 0)
    }
}

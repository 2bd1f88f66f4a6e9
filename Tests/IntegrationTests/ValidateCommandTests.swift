import Foundation
import Testing

@Suite("riskscreen validate, run as a user would")
struct ValidateCommandTests {
    static let samples =
        (try? FileManager.default.contentsOfDirectory(
            atPath: RiskScreenProcess.packageRoot.appendingPathComponent("samples").path))?.filter {
            $0.hasSuffix(".json")
        }
        .sorted().map { "samples/" + $0 } ?? []
    static let invalidSamples =
        (try? FileManager.default.contentsOfDirectory(
            atPath: RiskScreenProcess.packageRoot.appendingPathComponent("samples/invalid").path))?.filter {
            $0.hasSuffix(".json")
        }.sorted().map { "samples/invalid/" + $0 } ?? []

    @Test("every sample validates: one line each on stdout, nothing on stderr, exit 0")
    func samplesValidate() throws {
        let result = try RiskScreenProcess.run(["validate"] + Self.samples)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(result.stdoutLines.count == Self.samples.count)
        for (line, file) in zip(result.stdoutLines, Self.samples) {
            #expect(line.hasPrefix("\(file): ok "))
        }
    }

    @Test("a line shows the derived facts, and no patient names or diagnosis text")
    func lineContent() throws {
        let result = try RiskScreenProcess.run([
            "validate", "samples/14-discharge-lives-alone-cognitive-impairment.json",
        ])
        #expect(
            result.stdout
                == "samples/14-discharge-lives-alone-cognitive-impairment.json: ok NF-2026-11-03-0014 · discharge · patient S-101426 · encounter E-5120 · age 85 · stay 4 days · codes N390,F0150,E871 · latest labs 2951-2=134\n"
        )
        #expect(!result.stdout.contains("Fairweather"))
        #expect(!result.stdout.contains("dementia"))
    }

    @Test("each invalid sample prints its documented errors on stderr as FILE: PATH: MESSAGE and exits 1")
    func invalidSamples() throws {
        #expect(!Self.invalidSamples.isEmpty)
        for file in Self.invalidSamples {
            let result = try RiskScreenProcess.run(["validate", file])
            let expectedFile = RiskScreenProcess.packageRoot.appendingPathComponent(
                file.replacingOccurrences(of: ".json", with: ".expected"))
            let expected = try String(contentsOf: expectedFile, encoding: .utf8).split(separator: "\n").map {
                "\(file): \($0)"
            }
            #expect(result.status == 1, "\(file)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderrLines == expected)
        }
    }

    @Test("valid and invalid files together: the valid ones still print, and the exit status is 1")
    func mixed() throws {
        let result = try RiskScreenProcess.run([
            "validate", "samples/13-discharge-low-risk-elective.json", "samples/invalid/bad-date-time.json",
        ])
        #expect(result.status == 1)
        #expect(result.stdoutLines.count == 1)
        #expect(result.stderrLines.count == 1)
    }

    @Test("a file that cannot be read is reported, not a crash")
    func missingFile() throws {
        let result = try RiskScreenProcess.run(["validate", "samples/does-not-exist.json"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("samples/does-not-exist.json: cannot be read"))
    }

    @Test("no files is a usage error")
    func noFiles() throws {
        let result = try RiskScreenProcess.run(["validate"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("Missing expected argument"))
    }

    @Test("--help lists the command")
    func help() throws {
        let result = try RiskScreenProcess.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("validate"))
    }
}

import Foundation
import Testing

@Suite("Help texts and the project's scripts, as a newcomer meets them")
struct HelpAndScriptsTests {
    static let commands = [
        ["validate"], ["check"], ["eval"], ["test"], ["run"], ["status"], ["queue", "list"], ["queue", "show"],
        ["queue", "ack"], ["queue", "close"],
    ]

    @Test("no option's help says its default twice (our words and the parser's)")
    func defaultsOnce() throws {
        for command in Self.commands {
            let help = try RiskScreenProcess.run(command + ["--help"])
            #expect(help.status == 0, "\(command): \(help.stderr)")
            #expect(help.stdout.contains("USAGE"), "\(command)")
            // Help wraps long lines: an option's text runs until the next option.
            let options = help.stdout.components(separatedBy: "\n  -")
            for option in options {
                let said = option.components(separatedBy: "default").count - 1
                #expect(said <= 1, "\(command.joined(separator: " ")): \(option)")
            }
        }
    }

    @Test("the demo installs only what the build needs; the tests' tools (rsyslog, python3) only scripts/test")
    func demoPackages() throws {
        let root = RiskScreenProcess.packageRoot
        let installer = root.appendingPathComponent("scripts/install-system-packages").path
        func list(_ arguments: [String]) throws -> [String] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: installer)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        let build = try list(["--build", "--list"])
        let all = try list(["--list"])
        #expect(build == ["pkg-config", "libyaml-dev", "libsqlite3-dev"])
        #expect(Set(all).isSuperset(of: build))
        #expect(all.contains("rsyslog") && !build.contains("rsyslog"))
        let demo = try String(contentsOf: root.appendingPathComponent("scripts/demo"), encoding: .utf8)
        #expect(demo.contains("scripts/install-system-packages --build\n"))
        let test = try String(contentsOf: root.appendingPathComponent("scripts/test"), encoding: .utf8)
        #expect(test.contains("scripts/install-system-packages\n"))
    }
}

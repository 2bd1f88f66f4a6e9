import ArgumentParser
import Daemon

extension ConfigurationFile {
    /// The configuration file a command was given, or its errors printed (each at its place, then
    /// `COMMAND: the configuration PATH has errors; CONSEQUENCE`) and the command ended with exit 2.
    static func load(_ path: String, for command: String, consequence: String, toStandardOutput: Bool = false)
        throws -> ConfigurationFile
    {
        let file = ConfigurationFile(path: path)
        guard file.hasErrors else { return file }
        let report: (String) -> Void = toStandardOutput ? { print($0) } : { printError($0) }
        for diagnostic in file.diagnostics { report(diagnostic.rendered) }
        report("\(command): the configuration \(path) has errors; \(consequence)")
        throw ExitCode(2)
    }
}

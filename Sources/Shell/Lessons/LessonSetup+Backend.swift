import Cluster
import Foundation

extension LessonSetup {
    /// Builds the fresh database this setup describes (BitCask files go in a new directory
    /// under the system's temporary directory, which nothing else uses).
    /// - Returns: the backend, and the directory made for its files, if any.
    func makeBackend() throws(ShellError) -> (backend: any ShellBackend, directory: String?) {
        var directory: String? = nil
        if bitcask {
            let template = FileManager.default.temporaryDirectory.appendingPathComponent("cutaway-lesson-XXXXXX").path
            var bytes = Array(template.utf8CString)
            guard let made = mkdtemp(&bytes) else { throw ShellError("cannot make a directory for the lesson's BitCask files") }
            directory = String(cString: made)
        }
        do {
            if nodes == 0 { return (try LocalBackend.open(directory: directory), directory) }
            return (try ClusterBackend.open(nodes: nodes, dataDirectory: directory, clock: manualClock ? .manual : .auto),
                    directory)
        } catch {
            if let directory { try? FileManager.default.removeItem(atPath: directory) }
            throw ShellError("cannot set up the lesson's database: \(error.description)")
        }
    }
}

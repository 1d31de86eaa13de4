import Shell

/// Opens the database the command line asks for.
enum Backends {
    /// A memory database, or a durable one in `dataDirectory`.
    static func open(dataDirectory: String?) throws -> any ShellBackend {
        try LocalBackend.open(directory: dataDirectory)
    }
}

import Storage

/// Runs a storage/MVCC operation and turns whatever it throws into a `SQLError` a user can act
/// on: conflicts become `.serialization` naming the row or table, writes in a read-only
/// transaction `.transaction`, everything else `.storage`.
@inline(__always)
func sqlStorage<T>(_ body: () throws -> T) throws(SQLError) -> T {
    do {
        return try body()
    } catch {
        throw sqlError(from: error)
    }
}

/// The `SQLError` for an error thrown below the SQL layer.
func sqlError(from error: any Error) -> SQLError {
    if let error = error as? SQLError { return error }
    guard let error = error as? MVCCError else {
        return SQLError(.storage, "\(error)")
    }
    switch error {
    case .serialization(let key, let otherVersion):
        return SQLError(.serialization,
                        "\(SQLKey.describe(key, .sentence)) was written by concurrent transaction \(otherVersion)")
    case .readOnly:
        return SQLError(.transaction, "cannot write in a read-only transaction")
    case .invalidVersion(let version):
        return SQLError(.transaction, "version \(version) does not exist yet")
    default:
        return SQLError(.storage, "\(error)")
    }
}


/// Runs a decoder over bytes read from storage, so that every failure is a storage error.
///
/// The decoders below (`BinaryReader`, `KeyDecoder`) throw `EncodingError`; those become
/// `SQLError(.storage, "<what>: <cause>")`. Errors already stated in SQL terms pass unchanged.
func decodeStored<T>(_ what: String, _ body: () throws -> T) throws(SQLError) -> T {
    do {
        return try body()
    } catch let error as SQLError {
        throw error
    } catch {
        throw SQLError(.storage, "\(what): \(error)")
    }
}

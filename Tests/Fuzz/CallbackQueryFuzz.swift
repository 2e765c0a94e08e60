// libFuzzer entry for the OAuth callback's query parser (SECURITY.md B1), compiled by scripts/fuzz together
// with the product's own Sources/Credentials/CallbackQuery.swift and ConnectError.swift, under
// -sanitize=fuzzer,address. A crash, an AddressSanitizer report or a broken rule below is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCallbackQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let query = try? CallbackQuery.parse(raw) else { return 0 }
    // What an accepted query must obey, whatever the bytes were.
    precondition(raw.utf8.count <= CallbackQuery.maximumLength, "an over-long query was accepted")
    precondition((query.code == nil) != (query.error == nil), "a callback with both or neither of code and error was accepted")
    if let code = query.code {
        precondition((1...CallbackQuery.maximumCodeLength).contains(code.utf8.count), "a code of the wrong size was accepted")
    }
    for value in [query.state, query.code, query.error, query.issuer].compactMap({ $0 }) {
        precondition(!value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "a control character was accepted")
    }
    return 0
}

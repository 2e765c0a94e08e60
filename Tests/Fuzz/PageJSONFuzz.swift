// libFuzzer entry for the strict JSON reader every Zoom page goes through (SECURITY.md B4), compiled by
// scripts/fuzz together with the product's own Sources/Connectors/JSONValue.swift, JSONObject.swift and JSONParser.swift,
// under -sanitize=fuzzer,address. A crash (deep nesting, huge numbers, bad UTF-8), an AddressSanitizer
// report or a broken rule below is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPageJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = JSONValue.parse(bytes) else { return 0 }
    // A document accepted once is accepted again, the same: the reader keeps no state between calls.
    precondition(JSONValue.parse(bytes) == value, "the same bytes read differently twice")
    return 0
}

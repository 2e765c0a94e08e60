/// The members of a JSON object, kept sorted by key. A sync maps millions of provider objects: looking a
/// member up by binary search, and writing canonical text without sorting, costs the worker far less than
/// hashing every key into a dictionary and sorting the keys again for each record's `raw`.
///
/// Keys are compared by their UTF-8 bytes, as JSON (RFC 8259 §8.3) and PostgreSQL's `jsonb` compare them.
/// For keys in Unicode's composed form (NFC: every key Zoom sends), that is the order of Swift's `<`, which
/// the dictionary this replaced was sorted by, so their canonical text, and every content hash built on it,
/// is unchanged. Swift's `<` and `==` treat canonically equivalent spellings as one string, and `<` is not
/// a consistent order among them: two spellings of one key stay two members here.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    /// Sorted by key, each key once.
    private var members: [Element]

    public init() { members = [] }

    /// A repeated key keeps its last value, as a JSON parser does.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(unordered: elements)
    }

    public init(_ dictionary: [String: JSONValue]) {
        self.init(unordered: dictionary.map { (key: $0.key, value: $0.value) })
    }

    /// Members in any order; a repeated key keeps its last value.
    init(unordered elements: [Element]) {
        guard !Self.isStrictlyAscending(elements) else {
            members = elements  // Tether's own canonical text comes sorted
            return
        }
        guard elements.count <= Self.sortedInPlaceLimit else {
            members = Self.lastOfEachKey(elements)
            return
        }
        // A provider's object, in its own key order: sorted in place by insertion, which keeps equal keys in
        // the order they came (so the last of a repeated key ends its run), and moves members without copying.
        var ordered = elements
        for end in ordered.indices.dropFirst() {
            var index = end
            while index > 0, Self.compare(ordered[index - 1].key, ordered[index].key) > 0 {
                ordered.swapAt(index - 1, index)
                index -= 1
            }
        }
        // A repeated key (a hostile or broken document): the last of each run wins.
        var kept = 0
        for index in ordered.indices {
            if kept > 0, Self.compare(ordered[kept - 1].key, ordered[index].key) == 0 {
                ordered.swapAt(kept - 1, index)
            } else {
                ordered.swapAt(kept, index)
                kept += 1
            }
        }
        ordered.removeSubrange(kept...)
        members = ordered
    }

    /// Objects of up to this many members are sorted in place; larger ones (rare, and where insertion's
    /// quadratic cost would show) through a sorted index.
    private static let sortedInPlaceLimit = 64

    /// `elements` sorted by key, each key once with its last value.
    private static func lastOfEachKey(_ elements: [Element]) -> [Element] {
        // Sorted by key, then by position, so that the last of equal keys ends each run of them.
        let positions = elements.indices.sorted {
            let order = compare(elements[$0].key, elements[$1].key)
            return order < 0 || (order == 0 && $0 < $1)
        }
        var unique: [Element] = []
        unique.reserveCapacity(positions.count)
        for position in positions {
            if let last = unique.last, compare(last.key, elements[position].key) == 0 {
                unique[unique.count - 1].value = elements[position].value
            } else {
                unique.append(elements[position])
            }
        }
        return unique
    }

    private static func isStrictlyAscending(_ elements: [Element]) -> Bool {
        var index = 1
        while index < elements.count {
            guard compare(elements[index - 1].key, elements[index].key) < 0 else { return false }
            index += 1
        }
        return true
    }

    /// Negative, zero or positive as `left`'s UTF-8 bytes sort before, with, or after `right`'s.
    static func compare(_ left: String, _ right: String) -> Int {
        // Both strings' bytes in place (no copy, no retain): native and small strings always have them.
        let inPlace = left.utf8.withContiguousStorageIfAvailable { leftBytes in
            right.utf8.withContiguousStorageIfAvailable { rightBytes in compare(leftBytes, rightBytes) }
        }
        if let inPlace, let order = inPlace { return order }
        let leftBytes = Array(left.utf8)
        let rightBytes = Array(right.utf8)
        return leftBytes.withUnsafeBufferPointer { leftBuffer in rightBytes.withUnsafeBufferPointer { compare(leftBuffer, $0) } }
    }

    private static func compare(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let common = Swift.min(left.count, right.count)
        var index = 0
        while index < common {
            if left[index] != right[index] { return Int(left[index]) - Int(right[index]) }
            index += 1
        }
        return left.count - right.count
    }

    /// Where `key` is, or where it would go.
    private func position(of key: String) -> (index: Int, found: Bool) {
        var low = 0
        var high = members.count
        while low < high {
            let middle = (low + high) / 2
            let order = Self.compare(members[middle].key, key)
            if order == 0 { return (middle, true) }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return (low, false)
    }

    /// The value of `key`; setting `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get {
            let (index, found) = position(of: key)
            return found ? members[index].value : nil
        }
        set {
            let (index, found) = position(of: key)
            switch (found, newValue) {
            case (true, let value?): members[index].value = value
            case (true, nil): members.remove(at: index)
            case (false, let value?): members.insert((key: key, value: value), at: index)
            case (false, nil): break
            }
        }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    /// The keys, sorted.
    public var keys: [String] { members.map(\.key) }

    public func makeIterator() -> IndexingIterator<[Element]> { members.makeIterator() }

    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var mapped = self
        for index in mapped.members.indices { mapped.members[index].value = try transform(mapped.members[index].value) }
        return mapped
    }

    /// The members that pass `isIncluded`, still an object.
    public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> JSONObject {
        var kept = self
        kept.members = try members.filter(isIncluded)
        return kept
    }

    public func compactMapValues<T>(_ transform: (JSONValue) throws -> T?) rethrows -> [String: T] {
        var result: [String: T] = [:]
        for member in members { if let value = try transform(member.value) { result[member.key] = value } }
        return result
    }

    /// The members as a dictionary, for APIs that take one (of two equivalent spellings of a key, the last).
    public var dictionary: [String: JSONValue] {
        Dictionary(members.lazy.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    public static func == (left: JSONObject, right: JSONObject) -> Bool {
        left.members.count == right.members.count
            && zip(left.members, right.members).allSatisfy { compare($0.key, $1.key) == 0 && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for member in members {
            var key = member.key
            key.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            hasher.combine(0xFF as UInt8)  // a byte no UTF-8 holds: ends the key
            hasher.combine(member.value)
        }
    }
}

extension JSONObject: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(try [String: JSONValue](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try dictionary.encode(to: encoder)
    }
}

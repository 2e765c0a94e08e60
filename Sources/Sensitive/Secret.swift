/// A string that must never reach a log line, an error message or an HTTP body.
///
/// Tokens, client secrets, passwords and connection strings travel in this type so that an accidental
/// `"\(value)"`, `print(value)` or `dump(value)` shows `<redacted>` instead of the secret. The only way to
/// read the value is ``unsafeValue``, whose name makes every use easy to find in review.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself. Use it only where the value must leave the process (a request, a C call).
    public let unsafeValue: String

    /// Wraps a secret value.
    public init(_ value: String) {
        self.unsafeValue = value
    }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }
    /// Always `<redacted>`.
    public var debugDescription: String { "<redacted>" }
    /// A mirror with no children, so `dump` and reflection print nothing of the value.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
    /// True when the secret is the empty string.
    public var isEmpty: Bool { unsafeValue.isEmpty }
}

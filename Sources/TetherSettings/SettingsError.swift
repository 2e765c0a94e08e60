/// A configuration value that is missing or malformed. It names the variable and the rule, never the value,
/// because the value may be a secret.
public struct SettingsError: Error, Sendable, CustomStringConvertible {
    /// The environment variable (or `.env`) at fault.
    public let variable: String
    /// What is wrong, without the value.
    public let problem: String

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}

import ArgumentParser
import Foundation
import Server

/// `tether openapi`: prints the API's OpenAPI 3.1 document, the same one `GET /openapi.json` serves
/// (`openapi.json` at the repository's root is its output).
struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "openapi", abstract: "Print the API's OpenAPI 3.1 document.")

    func run() throws {
        guard let document = OpenAPIDocument.json else { throw ValidationError("the OpenAPI base document is missing from this build") }
        FileHandle.standardOutput.write(document + Data("\n".utf8))
    }
}

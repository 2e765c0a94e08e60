import Foundation
import HTTPTypes
import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 document of this API, shipped with the server as a resource
/// (`Sources/Server/Resources/openapi.json`; `openapi.json` at the repository's root points to it).
/// `OpenAPIConformanceTests` prove that the server answers as it says.
struct OpenAPIRoute: Sendable {
    /// The document's bytes, read once.
    static let document: Data? = Bundle.module.url(forResource: "openapi", withExtension: "json").flatMap { try? Data(contentsOf: $0) }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/openapi.json") { _, _ in
            guard let document = Self.document else {
                throw APIError(.internalServerError, code: "internal_error", message: "the OpenAPI document is missing from this build")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 document of this API (``OpenAPIDocument``).
struct OpenAPIRoute: Sendable {
    static var document: Data? { OpenAPIDocument.json }

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

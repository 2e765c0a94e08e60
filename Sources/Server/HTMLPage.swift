import HTTPTypes
import Hummingbird

/// A server-rendered page: everything inline (no third-party assets, no scripts), every interpolated value
/// escaped, and headers that keep the page out of frames, caches and Referer headers.
struct HTMLPage: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    let title: String
    /// Already-escaped HTML for the page body.
    let body: String
    var extraHeaders: HTTPFields = [:]
    /// Where the page's forms may submit, and be redirected after submitting (CSP `form-action`); none by
    /// default, so a page without a form cannot be made to post anywhere.
    var formTargets: [String] = []

    func response(from request: Request, context: some RequestContext) throws -> Response { makeResponse() }

    func makeResponse() -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>
            body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#1d2330;line-height:1.5}
            h1{font-size:1.5rem}code{background:#eef1f6;padding:.1rem .3rem;border-radius:.2rem;word-break:break-all}
            table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem;border-bottom:1px solid #dde2ea;vertical-align:top}
            label{display:block;margin-top:.8rem;font-weight:600}input{width:100%;padding:.4rem;font:inherit}
            button{margin-top:1rem;padding:.6rem 1.2rem;font:inherit;background:#0b5cff;color:#fff;border:0;border-radius:.3rem}
            .muted{color:#5b6475}.error{color:#a4161a}
            </style></head><body>
            \(body)
            </body></html>
            """
        var headers = Self.headers(formTargets: formTargets)
        for field in extraHeaders { headers[field.name] = field.value }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The headers of every page Tether renders: HTML, never cached, never framed, no Referer, and a CSP
    /// that allows inline styles and nothing else (no script, image or font from anywhere).
    static func headers(formTargets: [String]) -> HTTPFields {
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "no-store"
        headers[.referrerPolicy] = "no-referrer"
        headers[.xFrameOptions] = "DENY"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action "
            + (formTargets.isEmpty ? "'none'" : formTargets.joined(separator: " "))
        return headers
    }
}

/// HTML-escapes text for element content and quoted attribute values. It works on Unicode scalars, not
/// characters: a combining mark after `<` makes one character of the two, which must not carry the `<`
/// through unescaped.
func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}

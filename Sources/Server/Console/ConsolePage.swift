import HTTPTypes
import Hummingbird
import NIOCore

/// One console page: a body template rendered inside the console's layout, with the headers of every
/// Tether page (no script, no framing, no caching) and forms that may post to Tether only.
struct ConsolePage {
    /// The console's sections, in the navigation's order.
    enum Section: String, CaseIterable {
        case tenants = "Tenants"
        case queue = "Queue"
        case rateLimits = "Rate limits"
        case events = "Events"

        var path: String {
            switch self {
            case .tenants: "/console/tenants"
            case .queue: "/console/queue"
            case .rateLimits: "/console/rate-limits"
            case .events: "/console/events"
            }
        }
    }

    let title: String
    let template: String
    var values: [String: Any]
    var signedIn: ConsoleOperator? = nil
    var section: Section? = nil
    var notice: String? = nil
    var problem: String? = nil

    func response(status: HTTPResponse.Status = .ok) -> Response {
        var page = values
        if let signedIn { page["csrf"] = signedIn.csrf }
        let body = ConsoleTemplates.render(template, page)
        var layout: [String: Any] = ["title": title, "body": body]
        if let signedIn {
            layout["signedIn"] = true
            layout["csrf"] = signedIn.csrf
            layout["nav"] = Section.allCases.map { ["href": $0.path, "label": $0.rawValue, "current": $0 == section] as [String: Any] }
        }
        if let notice { layout["notice"] = notice }
        if let problem { layout["problem"] = problem }
        let html = ConsoleTemplates.render("layout", layout)
        return Response(
            status: status, headers: HTMLPage.headers(formTargets: ["'self'"]), body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page that only says something, with a link onwards.
    static func message(
        _ status: HTTPResponse.Status, heading: String, text: String, signedIn: ConsoleOperator?, back: String = "/console/tenants",
        backLabel: String = "Back to the tenants"
    ) -> Response {
        ConsolePage(
            title: heading, template: "message", values: ["heading": heading, "text": text, "back": back, "backLabel": backLabel],
            signedIn: signedIn
        ).response(status: status)
    }

    /// A console POST without its session's CSRF token: nothing was done.
    static func forgedForm() -> Response {
        message(
            .forbidden, heading: "This form was not sent from the console",
            text: "For your safety nothing was done. Open the console and try again from its page.", signedIn: nil, back: "/console",
            backLabel: "Open the console")
    }

    static func notFound(_ what: String, signedIn: ConsoleOperator) -> Response {
        message(.notFound, heading: "Not found", text: "There is no such \(what).", signedIn: signedIn)
    }
}

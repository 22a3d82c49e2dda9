import HTTPTypes
import Hummingbird
import NIOCore

/// Adds the security headers to every response (errors included), answers only `GET` and `HEAD`, and turns
/// errors into small escaped HTML pages.
struct SecurityMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The policy of the viewer's own pages: nothing from other origins, scripts and styles only from `/assets/`.
    static var pagePolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    /// The policy of the served HTML report: its inline styles and SVG are allowed, scripts are not.
    static var reportPolicy: String {
        "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
            + "form-action 'none'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if request.method != .get && request.method != .head {
            response = Responses.page(
                ErrorPage.render(status: 405, message: "This viewer is read-only: it answers GET requests only."),
                status: .methodNotAllowed)
            response.headers[.allow] = "GET, HEAD"
        } else {
            do {
                response = try await next(request, context)
            } catch let error as HTTPError {
                response = Responses.page(
                    ErrorPage.render(status: Int(error.status.code), message: error.body ?? error.status.reasonPhrase), status: error.status)
            } catch {
                response = Responses.page(ErrorPage.render(status: 500, message: "\(error)"), status: .internalServerError)
            }
        }
        if response.headers[.contentSecurityPolicy] == nil { response.headers[.contentSecurityPolicy] = Self.pagePolicy }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Cross-Origin-Resource-Policy")!] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Builds responses with the right content types.
enum Responses {
    static func page(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        body(html, type: "text/html; charset=utf-8", status: status)
    }

    static func body(_ text: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A small error page; the message is escaped like everything else.
enum ErrorPage {
    static func render(status: Int, message: String) -> String {
        Layout.page(title: "Error \(status)", body: "<h1>\(status)</h1><p>\(message)</p><p><a href=\"/\">back to the stores</a></p>")
    }
}

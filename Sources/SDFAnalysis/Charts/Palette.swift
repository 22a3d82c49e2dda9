/// The Okabe–Ito colour palette: eight colours that stay distinguishable for the common forms of colour
/// blindness (protanopia, deuteranopia, tritanopia).
///
/// Source: Okabe & Ito (2008), "Color Universal Design (CUD): How to make figures and presentations that are
/// friendly to colorblind people", <https://jfly.uni-koeln.de/color/>. Values are sRGB hex strings.
public enum OkabeIto {
    /// Orange, `#E69F00`.
    public static let orange = "#E69F00"
    /// Sky blue, `#56B4E9`.
    public static let skyBlue = "#56B4E9"
    /// Bluish green, `#009E73`.
    public static let bluishGreen = "#009E73"
    /// Yellow, `#F0E442` (low contrast on white: used last).
    public static let yellow = "#F0E442"
    /// Blue, `#0072B2`.
    public static let blue = "#0072B2"
    /// Vermillion, `#D55E00`.
    public static let vermillion = "#D55E00"
    /// Reddish purple, `#CC79A7`.
    public static let reddishPurple = "#CC79A7"
    /// Black, `#000000`.
    public static let black = "#000000"

    /// The order in which series take colours: the seven chromatic colours with yellow (weak on white) and
    /// black (reserved for axes) last.
    public static let series = [orange, skyBlue, bluishGreen, blue, vermillion, reddishPurple, yellow, black]

    /// The colour of the series at `index` (0-based), cycling after eight series.
    ///
    /// - Parameter index: any integer; negative values are treated as 0.
    public static func color(_ index: Int) -> String {
        series[max(0, index) % series.count]
    }
}

/// SDF's built-in data: personas, seed comments, role instructions and moderation strategies.
///
/// Written for this project. `sdf init` writes them out as a ready-to-run experiment; experiments that
/// name a built-in strategy without instructions use the text here.
public enum DefaultData {}

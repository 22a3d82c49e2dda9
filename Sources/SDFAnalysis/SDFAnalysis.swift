/// Statistics, charts and reports over SDF stores.
public enum SDFAnalysis {}
